package pool

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

func TestNewDoesNotDialAndAppliesDefaults(t *testing.T) {
	t.Parallel()
	ctrl := gomock.NewController(t)
	p := New(mocks.NewMockTransport(ctrl), Config{}) // no Open expected: gomock fails on one
	defer func() { _ = p.Close(context.Background()) }()
	wantStatus(t, p, domain.PoolStatus{MaxSize: 5})
	want := Config{
		MaxConnections: 5, MinIdle: 1, AcquireTimeout: 30 * time.Second, IdleTimeout: 5 * time.Minute,
		MaxLifetime: time.Hour, HealthCheckInterval: time.Minute,
	}
	if p.cfg != want {
		t.Errorf("config = %+v; want %+v", p.cfg, want)
	}
	if !p.cfg.healthCheck() {
		t.Error("health checks are off by default")
	}
}

func TestNegativeMinIdleAndIntervalTurnThemOff(t *testing.T) {
	t.Parallel()
	got := Config{MinIdle: -1, HealthCheckInterval: -1}.WithDefaults()
	if got.MinIdle != 0 || got.healthCheck() || got.sweepInterval() != time.Minute {
		t.Errorf("WithDefaults = %+v (health check %v, sweep every %v); want MinIdle 0, no health check, a 1m sweep",
			got, got.healthCheck(), got.sweepInterval())
	}
}

func TestNewLowersValuesAboveTheMaxima(t *testing.T) {
	t.Parallel()
	got := Config{
		MaxConnections: 50, MinIdle: 60, IdleTimeout: time.Hour, MaxLifetime: 9 * time.Hour,
		MaxMessagesPerConnection: -1,
	}.WithDefaults()
	want := Config{
		MaxConnections: MaxConnectionsLimit, MinIdle: MaxConnectionsLimit, AcquireTimeout: 30 * time.Second,
		IdleTimeout: MaxIdleTimeout, MaxLifetime: MaxLifetimeLimit, HealthCheckInterval: time.Minute,
	}
	if got != want {
		t.Errorf("WithDefaults = %+v; want %+v", got, want)
	}
}

func TestGetReusesAnIdleSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1) // Open exactly once for two Get/Put rounds

	a := f.get(t)
	f.p.Put(a)
	b := f.get(t)
	if inner(b) != s1 {
		t.Fatalf("second Get lent %v; want the idle session", inner(b))
	}
	if a == b {
		t.Error("the same wrapper was lent twice; each loan needs its own")
	}
	f.p.Put(b)
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 5})
}

func TestGetLendsTheMostRecentlyUsedFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1, s2 := f.session(), f.session()
	f.opens(s1, s2)
	a, b := f.get(t), f.get(t)
	f.p.Put(b)
	f.clock.advance(time.Second)
	f.p.Put(a) // a is now the most recent
	s := f.get(t)
	defer f.p.Put(s)
	if inner(s) != s1 {
		t.Errorf("Get lent %v; want the most recently used %v", inner(s), s1)
	}
}

func TestGetNeverOpensMoreThanMaxConnections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 2, AcquireTimeout: generous})
	var opens, lent, peak atomic.Int32
	f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
		opens.Add(1)
		return f.session(), nil
	}).MaxTimes(2)

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := f.p.Get(context.Background())
			if err != nil {
				errs <- err
				return
			}
			n := lent.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			lent.Add(-1)
			f.p.Put(s)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Get: %v", err)
	}
	if n := opens.Load(); n > 2 || n < 1 {
		t.Errorf("Open called %d times; want 1 or 2", n)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d sessions lent at once; want at most 2", p)
	}
	if st := f.p.Status(); st.Total > 2 || st.InUse != 0 || st.Pending != 0 {
		t.Errorf("Status() = %+v after all were given back", st)
	}
}

func TestGetServesWaitersFirstInFirstOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
	f.opens(f.session())
	held := f.get(t)

	order := make(chan int, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := f.p.Get(context.Background())
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
				return
			}
			order <- i
			f.p.Put(s)
		}()
		// The next waiter starts only once this one is queued.
		waitStatus(t, f.p, "waiter queued", func(st domain.PoolStatus) bool { return st.Pending == i+1 })
	}
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, Pending: 3, MaxSize: 1})
	f.p.Put(held)
	wg.Wait()
	close(order)
	want := 0
	for got := range order {
		if got != want {
			t.Fatalf("waiter %d served in position %d", got, want)
		}
		want++
	}
}

func TestGetWaitsAtMostAcquireTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: 20 * time.Millisecond})
	f.opens(f.session())
	held := f.get(t)
	defer f.p.Put(held)

	_, err := f.p.Get(context.Background())
	wantKind(t, err, domain.KindAcquireTimeout)
	if msg := domain.AsError(err).Message; !strings.Contains(msg, "within 20ms") || !strings.Contains(msg, "1 in use") {
		t.Errorf("message %q; want the timeout and the sessions in use", msg)
	}
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})
}

func TestGetEndsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
	f.opens(f.session())
	held := f.get(t)
	defer f.p.Put(held)

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := f.p.Get(ctx)
		errc <- err
	}()
	waitStatus(t, f.p, "waiter queued", func(st domain.PoolStatus) bool { return st.Pending == 1 })
	cancel()
	err := <-errc
	wantKind(t, err, domain.KindCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})
}

func TestGetWithAnExpiredDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel()
	_, err := f.p.Get(ctx)
	wantKind(t, err, domain.KindTimeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
}

func TestGetReturnsTheTransportErrorAndFreesTheSlot(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
	dialErr := domain.NewError(domain.KindConnectionRefused, "dial", "refused")
	s1 := f.session()
	gate := make(chan struct{})
	gomock.InOrder(
		f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
			<-gate
			return nil, dialErr
		}),
		f.tr.EXPECT().Open(gomock.Any()).Return(s1, nil),
	)
	errc := make(chan error, 1)
	go func() {
		_, err := f.p.Get(context.Background())
		errc <- err
	}()
	waitStatus(t, f.p, "first Get opening", func(st domain.PoolStatus) bool { return st.Total == 1 })
	got := make(chan ports.Session, 1)
	go func() {
		s, err := f.p.Get(context.Background())
		if err != nil {
			t.Errorf("second Get: %v", err)
		}
		got <- s
	}()
	waitStatus(t, f.p, "second Get waiting", func(st domain.PoolStatus) bool { return st.Pending == 1 })
	close(gate)
	if err := <-errc; err != dialErr {
		t.Errorf("first Get error = %v; want the transport's own", err)
	}
	s := <-got // the freed slot went to the waiter, which opened s1
	if s == nil || inner(s) != s1 {
		t.Fatalf("second Get = %v; want s1", s)
	}
	f.p.Put(s)
}

func TestGetRefusesANilSessionFromTheTransport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	f.tr.EXPECT().Open(gomock.Any()).Return(nil, nil)
	_, err := f.p.Get(context.Background())
	wantKind(t, err, domain.KindConnection)
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 5})
}

// TestWaitGivesBackAGrantThatRacedTheContext covers both outcomes of a
// grant arriving as the context ends: taken, or given back to the pool.
func TestWaitGivesBackAGrantThatRacedTheContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{AcquireTimeout: generous})
	s1 := f.session()
	c := &conn{s: s1}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		f.p.mu.Lock()
		f.p.total = 1
		w := &waiter{ch: make(chan grant, 1)}
		w.ch <- grant{c: c} // granted: no longer in the queue
		f.p.mu.Unlock()
		got, err := f.p.wait(ctx, w, time.Now().Add(generous))
		if err == nil {
			if got != c {
				t.Fatalf("wait returned %v; want the granted session", got)
			}
		} else {
			wantKind(t, err, domain.KindCancelled)
			f.p.mu.Lock()
			if len(f.p.idle) != 1 || f.p.idle[0] != c {
				t.Fatalf("the grant was not given back: idle %v", f.p.idle)
			}
			f.p.idle = nil
			f.p.mu.Unlock()
		}
	}
	// A slot grant that races the context frees the slot.
	f.p.mu.Lock()
	f.p.total = 1
	w := &waiter{ch: make(chan grant, 1)}
	w.ch <- grant{}
	f.p.mu.Unlock()
	if got, err := f.p.wait(ctx, w, time.Now().Add(generous)); err != nil {
		wantStatus(t, f.p, domain.PoolStatus{MaxSize: 5})
	} else if got != nil {
		t.Fatalf("slot grant returned %v", got)
	}
	f.p.mu.Lock()
	f.p.total, f.p.idle = 1, []*conn{c} // Close at cleanup closes s1
	f.p.mu.Unlock()
}

// TestWaitTakesAGrantThatRacedTheTimeout: when the deadline has passed and
// a grant is there too, the grant wins, whichever select picks.
func TestWaitTakesAGrantThatRacedTheTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	c := &conn{s: mocks.NewMockSession(f.ctrl)}
	for range 50 {
		w := &waiter{ch: make(chan grant, 1)}
		w.ch <- grant{c: c} // granted: no longer in the queue
		got, err := f.p.wait(context.Background(), w, time.Now().Add(-time.Second))
		if err != nil || got != c {
			t.Fatalf("wait = %v, %v; want the granted session", got, err)
		}
	}
}
