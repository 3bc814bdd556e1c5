package pool

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

// idleLent returns a session lent from the idle list (Get, Put, Get) over
// the pooled stale, which answers nothing but Reusable and Close.
func (f *fixture) idleLent(t *testing.T, stale *mocks.MockSession) ports.Session {
	t.Helper()
	f.p.Put(f.get(t))
	s := f.get(t)
	if inner(s) != stale {
		t.Fatal("the idle session was not lent")
	}
	return s
}

func TestStaleIdleSessionIsReplacedOnSend(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		give error
	}{
		{"connection reset", &domain.Error{Kind: domain.KindConnectionReset, Op: "mail", Message: "connection closed"}},
		{"421 before leaving", &domain.Error{Kind: domain.KindServerShutdown, Op: "mail", Code: 421, Message: "4.4.2 timeout exceeded"}},
		{"known unusable", domain.NewError(domain.KindConnectionUnhealthy, "mail", "closed")},
		{"connection", domain.NewError(domain.KindConnection, "mail", "broken pipe")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Config{MaxConnections: 1})
			stale, fresh := f.session(), f.session()
			f.opens(stale, fresh)
			want := &ports.TxResult{Accepted: env.To}
			gomock.InOrder(
				stale.EXPECT().Send(gomock.Any(), env, body).Return(nil, tt.give),
				fresh.EXPECT().Send(gomock.Any(), env, body).Return(want, nil),
			)
			s := f.idleLent(t, stale)
			got, err := s.Send(context.Background(), env, body)
			if err != nil || got != want {
				t.Fatalf("Send = %v, %v; want the fresh session's result and no error", got, err)
			}
			if inner(s) != fresh {
				t.Error("the wrapper did not move to the fresh session")
			}
			wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})
			if c := s.(*session).c; c.messages != 1 {
				t.Errorf("fresh session counts %d messages; want 1", c.messages)
			}
			f.p.Put(s)
		})
	}
}

func TestStaleIdleSessionIsReplacedOnSendMany(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	stale, fresh := f.session(), f.session()
	f.opens(stale, fresh)
	txs := make([]ports.Transaction, 3)
	want := []ports.TxOutcome{{Result: &ports.TxResult{}}, {Result: &ports.TxResult{}}, {Result: &ports.TxResult{}}}
	gomock.InOrder(
		stale.EXPECT().SendMany(gomock.Any(), txs).Return([]ports.TxOutcome{
			{Err: domain.NewError(domain.KindInvalidInput, "mail", "no message body")}, // a check: nothing sent
			{Err: &domain.Error{Kind: domain.KindServerShutdown, Code: 421}},
			{Err: &domain.Error{Kind: domain.KindConnection, Err: ports.ErrNotSent}},
		}),
		fresh.EXPECT().SendMany(gomock.Any(), txs).Return(want),
	)
	s := f.idleLent(t, stale)
	got := s.SendMany(context.Background(), txs)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("outcome %d = %+v; want the fresh session's", i, got[i])
		}
	}
	f.p.Put(s)
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 5}) // no RSET: nothing failed
}

func TestNoReplay(t *testing.T) {
	t.Parallel()
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "mail"}
	for _, tt := range []struct {
		name    string
		res     *ports.TxResult
		err     error
		fromNew bool // lent fresh from the transport
	}{
		{name: "delivery unknown", err: &domain.Error{Kind: domain.KindDeliveryUnknown, Op: "body", Err: reset}},
		{name: "partial result", res: &ports.TxResult{Accepted: env.To}, err: reset},
		{name: "read timeout", err: &domain.Error{Kind: domain.KindReadTimeout, Op: "mail"}},
		{name: "server refusal", err: &domain.Error{Kind: domain.KindPermanentFailure, Op: "mail", Code: 550}},
		{name: "freshly opened", err: reset, fromNew: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Config{})
			s1 := f.session()
			f.opens(s1) // and no second Open
			s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(tt.res, tt.err)
			s1.EXPECT().Reset(gomock.Any()).Return(nil).MaxTimes(1) // Put's RSET
			var s ports.Session
			if tt.fromNew {
				s = f.get(t)
			} else {
				s = f.idleLent(t, s1)
			}
			got, err := s.Send(context.Background(), env, body)
			if got != tt.res || err != tt.err {
				t.Fatalf("Send = %v, %v; want %v, %v as they are", got, err, tt.res, tt.err)
			}
			f.p.Put(s)
		})
	}
}

func TestNoReplayOnTheSecondSend(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "mail"}
	gomock.InOrder(
		s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(&ports.TxResult{}, nil),
		s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, reset),
		s1.EXPECT().Reset(gomock.Any()).Return(nil),
	)
	s := f.idleLent(t, s1)
	_, _ = s.Send(context.Background(), env, body)
	if _, err := s.Send(context.Background(), env, body); err != reset {
		t.Fatalf("second Send error = %v; want it as it is", err)
	}
	f.p.Put(s)
}

func TestNoReplayAfterAnotherCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "mail"}
	gomock.InOrder(
		s1.EXPECT().Noop(gomock.Any()).Return(nil), // the session answered: not stale
		s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, reset),
		s1.EXPECT().Reset(gomock.Any()).Return(nil),
	)
	s := f.idleLent(t, s1)
	_ = s.Noop(context.Background())
	if _, err := s.Send(context.Background(), env, body); err != reset {
		t.Fatalf("Send error = %v; want it as it is", err)
	}
	f.p.Put(s)
}

func TestNoReplayWhenTheContextEnded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	s1 := f.session()
	f.opens(s1)
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "mail"}
	s := f.idleLent(t, s1)
	ctx, cancel := context.WithCancel(context.Background())
	s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(
		func(context.Context, ports.Envelope, io.WriterTo) (*ports.TxResult, error) {
			cancel()
			return nil, reset
		})
	s1.EXPECT().Reset(gomock.Any()).Return(nil).MaxTimes(1)
	if _, err := s.Send(ctx, env, body); err != reset {
		t.Fatalf("Send error = %v; want it as it is", err)
	}
	f.p.Put(s)
}

func TestSendManyNoReplay(t *testing.T) {
	t.Parallel()
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "mail"}
	for _, tt := range []struct {
		name string
		give []ports.TxOutcome
	}{
		{"one delivered", []ports.TxOutcome{{Result: &ports.TxResult{}}, {Err: reset}}},
		{"delivery unknown", []ports.TxOutcome{{Err: &domain.Error{Kind: domain.KindDeliveryUnknown, Err: reset}}, {Err: reset}}},
		{"server refusal first", []ports.TxOutcome{{Err: &domain.Error{Kind: domain.KindPermanentFailure, Code: 550}}, {Err: reset}}},
		{"checks only", []ports.TxOutcome{{Err: domain.NewError(domain.KindInvalidInput, "mail", "x")}}},
		{"not a domain error", []ports.TxOutcome{{Err: errors.New("odd")}}},
		{"nothing failed", []ports.TxOutcome{{}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Config{})
			s1 := f.session()
			f.opens(s1)
			s1.EXPECT().SendMany(gomock.Any(), gomock.Any()).Return(tt.give)
			s1.EXPECT().Reset(gomock.Any()).Return(nil).MaxTimes(1)
			s := f.idleLent(t, s1)
			got := s.SendMany(context.Background(), make([]ports.Transaction, len(tt.give)))
			for i := range tt.give {
				if got[i] != tt.give[i] {
					t.Fatalf("outcome %d = %+v; want %+v as it is", i, got[i], tt.give[i])
				}
			}
			f.p.Put(s)
		})
	}
}

func TestReplacementThatFailsToOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{MaxConnections: 1})
	stale := f.session()
	dialErr := domain.NewError(domain.KindConnectionRefused, "dial", "refused")
	gomock.InOrder(
		f.tr.EXPECT().Open(gomock.Any()).Return(stale, nil),
		f.tr.EXPECT().Open(gomock.Any()).Return(nil, dialErr),
	)
	stale.EXPECT().SendMany(gomock.Any(), gomock.Any()).Return([]ports.TxOutcome{{Err: &domain.Error{Kind: domain.KindConnectionReset}}})
	s := f.idleLent(t, stale)
	out := s.SendMany(context.Background(), make([]ports.Transaction, 1))
	if out[0].Err != dialErr {
		t.Fatalf("SendMany error = %v; want the transport's", out[0].Err)
	}
	_, err := s.Send(context.Background(), env, body)
	wantKind(t, err, domain.KindConnectionUnhealthy)
	if s.Reusable() {
		t.Error("a session without a connection is Reusable")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	wantStatus(t, f.p, domain.PoolStatus{Total: 1, InUse: 1, MaxSize: 1})
	f.p.Put(s)
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 1}) // the slot is free at once
}

func TestReplacementOfSendThatFailsToOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	stale := f.session()
	dialErr := domain.NewError(domain.KindConnectionRefused, "dial", "refused")
	gomock.InOrder(
		f.tr.EXPECT().Open(gomock.Any()).Return(stale, nil),
		f.tr.EXPECT().Open(gomock.Any()).Return(nil, dialErr),
	)
	stale.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, &domain.Error{Kind: domain.KindConnectionReset})
	s := f.idleLent(t, stale)
	if _, err := s.Send(context.Background(), env, body); err != dialErr {
		t.Fatalf("Send error = %v; want the transport's", err)
	}
	f.p.Discard(s)
	wantStatus(t, f.p, domain.PoolStatus{MaxSize: 5})
}

func TestNoReplacementAfterClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	stale := f.session()
	f.opens(stale) // and no second Open
	reset := &domain.Error{Kind: domain.KindConnectionReset}
	stale.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, reset)
	s := f.idleLent(t, stale)
	closeDone := make(chan error, 1)
	go func() { closeDone <- f.p.Close(context.Background()) }()
	waitStatus(t, f.p, "close started", func(domain.PoolStatus) bool {
		f.p.mu.Lock()
		defer f.p.mu.Unlock()
		return f.p.closed
	})
	if _, err := s.Send(context.Background(), env, body); err != reset {
		t.Fatalf("Send error = %v; want the stale session's", err)
	}
	f.p.Put(s)
	if err := <-closeDone; err != nil {
		t.Fatal(err)
	}
}
