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

func TestPutResetsAfterAFailedTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
	s1 := f.session()
	f.opens(s1)
	refused := &domain.Error{Kind: domain.KindPermanentFailure, Op: "mail", Code: 550}
	gomock.InOrder(
		s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, refused),
		s1.EXPECT().Reset(gomock.Any()).Return(nil), // before the session is lent again
		s1.EXPECT().Noop(gomock.Any()).Return(nil),
	)
	s := f.get(t)
	if _, err := s.Send(context.Background(), env, body); err != refused {
		t.Fatalf("Send error = %v; want the server's refusal as it is", err)
	}
	f.p.Put(s)
	s = f.get(t) // with one slot, Get waits until RSET is done
	if inner(s) != s1 {
		t.Fatal("the reset session was not lent again")
	}
	if err := s.Noop(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.p.Put(s)
}

func TestPutSkipsRSETAfterTheCallerResetItself(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	gomock.InOrder(
		s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, domain.NewError(domain.KindTemporaryFailure, "rcpt", "x")),
		s1.EXPECT().Reset(gomock.Any()).Return(nil), // the caller's, and only that one
	)
	s := f.get(t)
	_, _ = s.Send(context.Background(), env, body)
	if err := s.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.p.Put(s)
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 5})
}

func TestPutClosesASessionWhoseRSETFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1, AcquireTimeout: generous})
	s1, s2 := f.session(), f.session()
	f.opens(s1, s2)
	s1.EXPECT().SendMany(gomock.Any(), gomock.Any()).Return([]ports.TxOutcome{
		{Result: &ports.TxResult{}}, {Err: domain.NewError(domain.KindPermanentFailure, "mail", "no")},
	})
	s1.EXPECT().Reset(gomock.Any()).Return(domain.NewError(domain.KindConnectionReset, "rset", "gone"))
	s := f.get(t)
	s.SendMany(context.Background(), make([]ports.Transaction, 2))
	f.p.Put(s)
	s = f.get(t) // waits for s1's slot, then opens s2
	defer f.p.Put(s)
	if inner(s) != s2 {
		t.Fatalf("Get lent %v; want a fresh session", inner(s))
	}
	if !f.log.has("warn", "RSET") {
		t.Error("the failed RSET was not logged")
	}
}

func TestPutClosesASessionThatIsNotReusable(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := mocks.NewMockSession(f.ctrl)
	s1.EXPECT().Reusable().Return(false)
	closed := make(chan struct{})
	s1.EXPECT().Close().DoAndReturn(func() error { close(closed); return nil })
	f.opens(s1)
	f.p.Put(f.get(t))
	<-closed
	waitStatus(t, f.p, "slot freed", func(st domain.PoolStatus) bool { return st.Total == 0 })
	if !f.log.has("info", "not reusable") {
		t.Error("the discard was not logged with its reason")
	}
}

func TestPutClosesAfterMaxMessagesPerConnection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxMessagesPerConnection: 3})
	s1, s2 := f.session(), f.session()
	f.opens(s1, s2)
	s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(&ports.TxResult{}, nil)
	s1.EXPECT().SendMany(gomock.Any(), gomock.Any()).Return(make([]ports.TxOutcome, 2))

	s := f.get(t)
	_, _ = s.Send(context.Background(), env, body)
	f.p.Put(s) // 1 message: kept
	s = f.get(t)
	if inner(s) != s1 {
		t.Fatal("the session was not kept after one message")
	}
	s.SendMany(context.Background(), make([]ports.Transaction, 2))
	f.p.Put(s) // 3 messages: closed
	waitStatus(t, f.p, "s1 closed", func(st domain.PoolStatus) bool { return st.Total == 0 })
	s = f.get(t)
	defer f.p.Put(s)
	if inner(s) != s2 {
		t.Fatalf("Get lent %v; want a fresh session", inner(s))
	}
}

func TestPutClosesASessionOlderThanMaxLifetime(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxLifetime: time.Hour})
	s1 := f.session()
	f.opens(s1)
	s := f.get(t)
	f.clock.advance(time.Hour + time.Second)
	f.p.Put(s)
	waitStatus(t, f.p, "s1 closed", func(st domain.PoolStatus) bool { return st.Total == 0 })
}

func TestDiscardClosesTheSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := mocks.NewMockSession(f.ctrl) // no Reusable call: Discard does not ask
	s1.EXPECT().Close().Return(nil)
	f.opens(s1)
	f.p.Discard(f.get(t))
	waitStatus(t, f.p, "s1 closed", func(st domain.PoolStatus) bool { return st.Total == 0 })
}

func TestPutTwiceCountsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	f.opens(f.session())
	s := f.get(t)
	f.p.Put(s)
	f.p.Put(s)
	f.p.Discard(s)
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 5})
	if !f.log.has("debug", "twice") {
		t.Error("the second Put was not logged")
	}
}

func TestALentSessionIsDeadAfterPut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	s := f.get(t)
	f.p.Put(s) // s1 is idle now; s must no longer reach it
	ctx := context.Background()
	_, err := s.Send(ctx, env, body)
	wantKind(t, err, domain.KindConnectionUnhealthy)
	wantKind(t, s.SendMany(ctx, make([]ports.Transaction, 1))[0].Err, domain.KindConnectionUnhealthy)
	_, err = s.Verify(ctx, "x")
	wantKind(t, err, domain.KindConnectionUnhealthy)
	wantKind(t, s.Noop(ctx), domain.KindConnectionUnhealthy)
	wantKind(t, s.Reset(ctx), domain.KindConnectionUnhealthy)
	if s.Reusable() {
		t.Error("Reusable() after Put")
	}
	if s.Info().Host != "" || s.Info().Banner != "" {
		t.Error("Info() after Put is not zero")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close() after Put = %v", err)
	}
}

func TestALentSessionDelegates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	info := domain.ConnectionInfo{Host: "mx.example.com", Banner: "hi"}
	reply := "252 2.1.5 Cannot VRFY user"
	s1.EXPECT().Info().Return(info)
	s1.EXPECT().Verify(gomock.Any(), "postmaster").Return(reply, nil)
	s := f.get(t)
	if s.Info().Host != info.Host {
		t.Error("Info not delegated")
	}
	if r, err := s.Verify(context.Background(), "postmaster"); r != reply || err != nil {
		t.Errorf("Verify = %v, %v", r, err)
	}
	if !s.Reusable() {
		t.Error("Reusable not delegated")
	}
	f.p.Put(s)
}

func TestCloseOfALentSessionThenPut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := mocks.NewMockSession(f.ctrl)
	gomock.InOrder(
		s1.EXPECT().Close().Return(nil), // the caller's
		s1.EXPECT().Reusable().Return(false),
		s1.EXPECT().Close().Return(nil), // the pool's: a second Close is safe
	)
	f.opens(s1)
	s := f.get(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f.p.Put(s)
	waitStatus(t, f.p, "slot freed", func(st domain.PoolStatus) bool { return st.Total == 0 })
}

func TestPutOfAForeignSessionClosesIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	foreign := mocks.NewMockSession(f.ctrl)
	closed := make(chan struct{})
	foreign.EXPECT().Close().DoAndReturn(func() error { close(closed); return nil })
	f.p.Put(foreign)
	f.p.Put(nil)
	f.p.Put((*session)(nil))
	<-closed
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 5})
	if !f.log.has("warn", "did not lend") {
		t.Error("the foreign session was not logged")
	}
}

func TestPutOfAForeignSessionAfterClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	if err := f.p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	foreign := mocks.NewMockSession(f.ctrl)
	foreign.EXPECT().Close().Return(nil) // at once: no goroutine after Close
	f.p.Put(foreign)
}

func TestPutOfAnotherPoolsSessionGoesToItsPool(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	other := newFixture(t, Config{})
	other.opens(other.session())
	s := other.get(t)
	f.p.Put(s)
	wantStatus(t, other.p, domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 5})
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 5})
}
