package pool

import (
	"context"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// A caller that leaves while its session is being opened hands the opening
// over: the session is kept, not thrown away half-open.
func TestACallerLeavingDuringOpenHandsTheSessionOver(t *testing.T) {
	f := newFixture(t, Config{MaxConnections: 1})
	s := f.session()
	opening, finish := make(chan struct{}), make(chan struct{})
	f.tr.EXPECT().Open(gomock.Any()).Times(1).DoAndReturn(func(ctx context.Context) (ports.Session, error) {
		close(opening)
		<-finish
		if ctx.Err() != nil {
			t.Error("the opening was cancelled with the caller's context")
		}
		return s, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := f.p.Get(ctx)
		got <- err
	}()
	<-opening
	cancel()
	wantKind(t, <-got, domain.KindCancelled) // the caller returns at once
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, MaxSize: 1})
	close(finish)
	waitStatus(t, f.p, "the opened session idle", func(st domain.PoolStatus) bool { return st.Idle == 1 && st.Total == 1 })
	lent := f.get(t) // no second Open
	if inner(lent) != s {
		t.Fatal("Get lent another session than the one handed over")
	}
	f.p.Put(lent)
}

// A waiter queued behind the caller that left gets the session it opened.
func TestAHandedOverSessionGoesToTheNextWaiter(t *testing.T) {
	f := newFixture(t, Config{MaxConnections: 1})
	s := f.session()
	opening, finish := make(chan struct{}), make(chan struct{})
	f.tr.EXPECT().Open(gomock.Any()).Times(1).DoAndReturn(func(context.Context) (ports.Session, error) {
		close(opening)
		<-finish
		return s, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = f.p.Get(ctx) }()
	<-opening
	next := make(chan ports.Session, 1)
	go func() { next <- f.get(t) }()
	waitStatus(t, f.p, "a waiter", func(st domain.PoolStatus) bool { return st.Pending == 1 })
	cancel()
	close(finish)
	lent := <-next
	if inner(lent) != s {
		t.Fatal("the waiter got another session")
	}
	f.p.Put(lent)
}

// A failed opening after the caller left frees the slot for the next one.
func TestAFailedHandedOverOpeningFreesTheSlot(t *testing.T) {
	f := newFixture(t, Config{MaxConnections: 1})
	opening, finish := make(chan struct{}), make(chan struct{})
	f.tr.EXPECT().Open(gomock.Any()).Times(1).DoAndReturn(func(context.Context) (ports.Session, error) {
		close(opening)
		<-finish
		return nil, domain.NewError(domain.KindConnectionRefused, "dial", "refused")
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, _ = f.p.Get(ctx) }()
	<-opening
	cancel()
	close(finish)
	waitStatus(t, f.p, "the slot freed", func(st domain.PoolStatus) bool { return st.Total == 0 })
}
