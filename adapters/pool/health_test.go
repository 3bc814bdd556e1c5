package pool

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

func TestGetClosesIdleSessionsPastTheirTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		before time.Duration // between Open and Put
		after  time.Duration // between Put and the next Get
		reason string
	}{
		{"idle timeout", 0, 5*time.Minute + time.Second, "idle timeout"},
		{"max lifetime", 59 * time.Minute, 2 * time.Minute, "max lifetime"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
			old, fresh := f.session(), f.session()
			f.opens(old, fresh)
			s := f.get(t)
			f.clock.advance(tt.before)
			f.p.Put(s)
			f.clock.advance(tt.after)
			s = f.get(t) // closes old, waits for its slot, opens fresh
			defer f.p.Put(s)
			if inner(s) != fresh {
				t.Fatalf("Get lent %v; want a fresh session", inner(s))
			}
			if !f.log.has("info", tt.reason) {
				t.Errorf("no info line with %q", tt.reason)
			}
		})
	}
}

func TestGetChecksAnIdleSessionAfterTheInterval(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{HealthCheckInterval: time.Minute})
	s1 := f.session()
	f.opens(s1)
	s1.EXPECT().Noop(gomock.Any()).Return(nil) // once: the second Get follows at once
	f.p.Put(f.get(t))
	f.clock.advance(time.Minute + time.Second)
	s := f.get(t)
	if inner(s) != s1 {
		t.Fatal("the checked session was not lent")
	}
	f.p.Put(s)
	f.p.Put(f.get(t)) // checked just now: no second NOOP
}

func TestGetWithoutHealthCheckSendsNoNOOP(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{HealthCheckInterval: -1}) // negative: no health checks
	f.opens(f.session())                                // a NOOP would fail the test
	f.p.Put(f.get(t))
	f.clock.advance(2 * time.Minute)
	f.p.Put(f.get(t))
}

func TestGetReplacesASessionThatFailsItsCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 2, HealthCheckInterval: time.Minute, AcquireTimeout: generous})
	a, b, c := f.session(), f.session(), f.session()
	f.opens(a, b, c)
	dead := domain.NewError(domain.KindConnectionReset, "noop", "gone")
	a.EXPECT().Noop(gomock.Any()).Return(dead)
	b.EXPECT().Noop(gomock.Any()).Return(dead)
	sa, sb := f.get(t), f.get(t)
	f.p.Put(sb)
	f.clock.advance(time.Second)
	f.p.Put(sa) // a is the most recent: checked first
	f.clock.advance(2 * time.Minute)
	s, err := f.p.Get(context.Background()) // a and b fail; c is opened
	if err != nil {
		t.Fatalf("Get = %v; want no error for stale sessions", err)
	}
	defer f.p.Put(s)
	if inner(s) != c {
		t.Fatalf("Get lent %v; want the fresh session", inner(s))
	}
	if !f.log.has("warn", "health check") {
		t.Error("the failed health check was not logged")
	}
}

func TestGetStopsWhenTheContextEndsDuringTheCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{HealthCheckInterval: time.Minute})
	s1 := f.session()
	f.opens(s1)
	f.p.Put(f.get(t))
	f.clock.advance(2 * time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	s1.EXPECT().Noop(gomock.Any()).DoAndReturn(func(context.Context) error {
		cancel()
		return domain.NewError(domain.KindCancelled, "noop", "cancelled")
	})
	_, err := f.p.Get(ctx)
	wantKind(t, err, domain.KindCancelled)
	waitStatus(t, f.p, "s1 closed", func(st domain.PoolStatus) bool { return st.Total == 0 })
}

func TestSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{HealthCheckInterval: time.Minute, IdleTimeout: 10 * time.Minute})
	expired, healthy, broken, recent := f.session(), f.session(), f.session(), f.session()
	f.opens(expired, healthy, broken, recent)
	ss := []ports.Session{f.get(t), f.get(t), f.get(t), f.get(t)}
	f.p.Put(ss[0])
	f.clock.advance(9 * time.Minute)
	f.p.Put(ss[1])
	f.p.Put(ss[2])
	f.clock.advance(2 * time.Minute)
	f.p.Put(ss[3])
	healthy.EXPECT().Noop(gomock.Any()).Return(nil)
	broken.EXPECT().Noop(gomock.Any()).Return(domain.NewError(domain.KindConnectionReset, "noop", "gone"))

	f.p.sweep() // what the maintainer does every HealthCheckInterval

	waitStatus(t, f.p, "two closed", func(st domain.PoolStatus) bool { return st.Total == 2 })
	wantStatus(t, f.p, domain.PoolStatus{Total: 2, Idle: 2, MaxSize: 5})
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	if f.p.idle[0].s != healthy || f.p.idle[1].s != recent {
		t.Errorf("idle list %v, %v; want healthy then recent (order of last use)", f.p.idle[0].s, f.p.idle[1].s)
	}
}

func TestMinIdleWarmsUpAfterTheFirstGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MinIdle: 2, MaxConnections: 3})
	var opens atomic.Int32
	f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
		opens.Add(1)
		return f.session(), nil
	}).Times(3)
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 3}) // nothing before the first Get
	s := f.get(t)
	waitStatus(t, f.p, "two warm sessions", func(st domain.PoolStatus) bool { return st.Idle == 2 })
	wantStatus(t, f.p, domain.PoolStatus{Total: 3, Idle: 2, InUse: 1, MaxSize: 3})
	f.p.Put(s)
	if n := opens.Load(); n != 3 {
		t.Errorf("Open called %d times; want 3 (MaxConnections)", n)
	}
}

func TestMinIdleIsKeptWhenASessionIsTaken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MinIdle: 1})
	f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
		return f.session(), nil
	}).Times(3)
	a := f.get(t)
	waitStatus(t, f.p, "one warm session", func(st domain.PoolStatus) bool { return st.Idle == 1 })
	b := f.get(t) // takes the warm one; the maintainer opens another
	waitStatus(t, f.p, "warm again", func(st domain.PoolStatus) bool { return st.Idle == 1 && st.Total == 3 })
	f.p.Put(a)
	f.p.Put(b)
}

func TestMinIdleStopsAfterAFailedDial(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MinIdle: 2})
	failed := make(chan struct{})
	gomock.InOrder(
		f.tr.EXPECT().Open(gomock.Any()).Return(f.session(), nil),
		f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
			defer close(failed)
			return nil, domain.NewError(domain.KindConnectionRefused, "dial", "refused")
		}),
	)
	s := f.get(t)
	<-failed
	waitStatus(t, f.p, "slot freed", func(st domain.PoolStatus) bool { return st.Total == 1 })
	waitStatus(t, f.p, "logged", func(domain.PoolStatus) bool { return f.log.has("warn", "MinIdle") })
	f.p.Put(s) // no kick: the maintainer does not dial again until the next tick
}

func TestMaintainerRunsOnItsTicker(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{HealthCheckInterval: time.Millisecond})
	s1 := f.session()
	f.opens(s1)
	checked := make(chan struct{})
	s1.EXPECT().Noop(gomock.Any()).DoAndReturn(func(context.Context) error {
		close(checked)
		return nil
	})
	s1.EXPECT().Noop(gomock.Any()).Return(nil).AnyTimes()
	f.p.Put(f.get(t))
	f.clock.advance(time.Second) // idle longer than the interval
	<-checked                    // the background NOOP ran
}

func TestMaintainerIsStoppedByClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := mocks.NewMockSession(f.ctrl)
	s1.EXPECT().Reusable().Return(true)
	s1.EXPECT().Close().Return(nil)
	f.opens(s1)
	f.p.Put(f.get(t))
	if err := f.p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	if f.p.workers != 0 {
		t.Errorf("%d pool goroutines after Close", f.p.workers)
	}
}
