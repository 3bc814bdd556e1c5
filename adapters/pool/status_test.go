package pool

import (
	"context"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

// TestStatusInEachState walks one session through every state the pool
// knows, checking Status at each step.
func TestStatusInEachState(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, HealthCheckInterval: time.Minute, AcquireTimeout: generous})
	s1 := mocks.NewMockSession(f.ctrl)
	s1.EXPECT().Reusable().Return(true).AnyTimes()
	opening, opened := make(chan struct{}), make(chan struct{})
	f.tr.EXPECT().Open(gomock.Any()).DoAndReturn(func(context.Context) (ports.Session, error) {
		close(opening)
		<-opened
		return s1, nil
	})
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 1})

	// Opening: Total only.
	got := make(chan ports.Session, 1)
	go func() {
		s, err := f.p.Get(context.Background())
		if err != nil {
			t.Errorf("Get: %v", err)
		}
		got <- s
	}()
	<-opening
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, MaxSize: 1})
	close(opened)
	s := <-got

	// Lent.
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})

	// A waiter: Pending.
	go func() {
		s, err := f.p.Get(context.Background())
		if err != nil {
			t.Errorf("Get: %v", err)
		}
		got <- s
	}()
	waitStatus(t, f.p, "waiter", func(st domain.PoolStatus) bool { return st.Pending == 1 })
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, Pending: 1, MaxSize: 1})

	// Being reset after a failed transaction: Total only; then handed to
	// the waiter.
	resetting, reset := make(chan struct{}), make(chan struct{})
	s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, domain.NewError(domain.KindTemporaryFailure, "rcpt", "later"))
	s1.EXPECT().Reset(gomock.Any()).DoAndReturn(func(context.Context) error {
		close(resetting)
		<-reset
		return nil
	})
	_, _ = s.Send(context.Background(), env, body)
	f.p.Put(s)
	<-resetting
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, Pending: 1, MaxSize: 1})
	close(reset)
	s = <-got
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})

	// Idle.
	f.p.Put(s)
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 1})

	// Being checked on acquire: Total only.
	checking, checked := make(chan struct{}), make(chan struct{})
	s1.EXPECT().Noop(gomock.Any()).DoAndReturn(func(context.Context) error {
		close(checking)
		<-checked
		return nil
	})
	f.clock.advance(2 * time.Minute)
	go func() {
		s, err := f.p.Get(context.Background())
		if err != nil {
			t.Errorf("Get: %v", err)
		}
		got <- s
	}()
	<-checking
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, MaxSize: 1})
	close(checked)
	s = <-got
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})

	// Being closed (QUIT): Total only, until the session is closed.
	closing, closed := make(chan struct{}), make(chan struct{})
	s1.EXPECT().Close().DoAndReturn(func() error {
		close(closing)
		<-closed
		return nil
	})
	f.p.Discard(s)
	<-closing
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, MaxSize: 1})
	close(closed)
	waitStatus(t, f.p, "closed", func(st domain.PoolStatus) bool { return st.Total == 0 })
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 1})
}
