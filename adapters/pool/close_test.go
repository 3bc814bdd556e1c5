package pool

import (
	"context"
	"errors"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

func TestCloseDrains(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 2})
	idle, lent := mocks.NewMockSession(f.ctrl), mocks.NewMockSession(f.ctrl)
	idle.EXPECT().Reusable().Return(true)
	quit := make(chan struct{})
	idle.EXPECT().Close().DoAndReturn(func() error { close(quit); return nil }) // QUIT at Close
	lent.EXPECT().Reusable().Return(true)
	lent.EXPECT().Close().Return(nil) // when it comes back
	f.opens(idle, lent)
	a, b := f.get(t), f.get(t)
	f.p.Put(a)

	closed := make(chan error, 1)
	go func() { closed <- f.p.Close(context.Background()) }()
	<-quit // the idle session got QUIT
	_, err := f.p.Get(context.Background())
	wantKind(t, err, domain.KindPool)
	if !errors.Is(err, ports.ErrClosed) {
		t.Errorf("Get after Close = %v; want ports.ErrClosed in the chain", err)
	}
	waitStatus(t, f.p, "idle closed", func(st domain.PoolStatus) bool { return st.Total == 1 })
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v with a session lent", err)
	default:
	}
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 2})
	f.p.Put(b) // the lent session comes back and is closed
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v", err)
	}
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 2})
	if err := f.p.Close(context.Background()); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
}

func TestCloseFailsWaiters(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
	f.opens(f.session())
	held := f.get(t)
	waiter := make(chan error, 1)
	go func() {
		_, err := f.p.Get(context.Background())
		waiter <- err
	}()
	waitStatus(t, f.p, "waiter", func(st domain.PoolStatus) bool { return st.Pending == 1 })
	closed := make(chan error, 1)
	go func() { closed <- f.p.Close(context.Background()) }()
	err := <-waiter // at once, while a session is still lent
	wantKind(t, err, domain.KindPool)
	if !errors.Is(err, ports.ErrClosed) {
		t.Errorf("waiter error %v does not wrap ports.ErrClosed", err)
	}
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})
	f.p.Put(held)
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v", err)
	}
}

func TestCloseAfterATimedOutClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := mocks.NewMockSession(f.ctrl)
	s1.EXPECT().Close().Return(nil)
	f.opens(s1)
	s := f.get(t)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.p.Close(ctx)
	wantKind(t, err, domain.KindCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Close error %v does not wrap context.Canceled", err)
	}
	if msg := domain.AsError(err).Message; msg != "1 sessions still lent, 0 still closing" {
		t.Errorf("Close message %q", msg)
	}

	done := make(chan error, 1)
	go func() { done <- f.p.Close(context.Background()) }()
	s1.EXPECT().Reusable().Return(true) // asked at Put; closed all the same
	f.p.Put(s)
	if err := <-done; err != nil {
		t.Fatalf("second Close = %v; want it to finish the job", err)
	}
	f.p.mu.Lock()
	defer f.p.mu.Unlock()
	if f.p.total != 0 || f.p.workers != 0 {
		t.Errorf("after Close: %d sessions, %d goroutines", f.p.total, f.p.workers)
	}
}

func TestCloseOfAnEmptyPoolWithAnEndedContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.p.Close(ctx); err != nil {
		t.Errorf("Close of an empty pool = %v; want nil even with an ended context", err)
	}
}

func TestCloseEndsAPendingRSET(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, domain.NewError(domain.KindTemporaryFailure, "rcpt", "x"))
	started := make(chan struct{})
	s1.EXPECT().Reset(gomock.Any()).DoAndReturn(func(ctx context.Context) error {
		close(started)
		<-ctx.Done() // a server that never answers
		return domain.WrapError(domain.KindCancelled, "rset", ctx.Err())
	})
	s := f.get(t)
	_, _ = s.Send(context.Background(), env, body)
	f.p.Put(s)
	<-started
	if err := f.p.Close(context.Background()); err != nil {
		t.Fatalf("Close = %v", err)
	}
}

func TestGetThatOpensWhilePoolCloses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := mocks.NewMockSession(f.ctrl)
	s1.EXPECT().Close().Return(nil)
	opening, release := make(chan struct{}), make(chan struct{})
	f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
		close(opening)
		<-release
		return s1, nil
	})
	errc := make(chan error, 1)
	go func() {
		_, err := f.p.Get(context.Background())
		errc <- err
	}()
	<-opening
	closed := make(chan error, 1)
	go func() { closed <- f.p.Close(context.Background()) }()
	waitStatus(t, f.p, "closing", func(domain.PoolStatus) bool {
		f.p.mu.Lock()
		defer f.p.mu.Unlock()
		return f.p.closed
	})
	close(release)
	if err := <-errc; !errors.Is(err, ports.ErrClosed) {
		t.Errorf("Get = %v; want ports.ErrClosed", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close = %v", err)
	}
}
