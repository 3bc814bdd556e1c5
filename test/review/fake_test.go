package review_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// fakeTransport opens fakeSessions and counts the open ones.
type fakeTransport struct {
	open    atomic.Int32 // opened and not closed
	peak    atomic.Int32 // most open at once
	opened  atomic.Int32
	openErr func() error // when set and it returns an error, Open fails with it
	// send, when set, is every new session's send.
	send func(env ports.Envelope, body io.WriterTo) (*ports.TxResult, error)
	mu   sync.Mutex
	all  []*fakeSession
}

func (t *fakeTransport) Open(ctx context.Context) (ports.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, domain.WrapError(domain.KindCancelled, "dial", err)
	}
	if t.openErr != nil {
		if err := t.openErr(); err != nil {
			return nil, err
		}
	}
	n := t.open.Add(1)
	for {
		p := t.peak.Load()
		if n <= p || t.peak.CompareAndSwap(p, n) {
			break
		}
	}
	t.opened.Add(1)
	s := &fakeSession{t: t, send: t.send}
	t.mu.Lock()
	t.all = append(t.all, s)
	t.mu.Unlock()
	return s, nil
}

// fakeSession accepts every message; send, when set, decides instead.
type fakeSession struct {
	t      *fakeTransport
	mu     sync.Mutex
	closed bool
	broken bool
	users  atomic.Int32 // goroutines inside a method: must stay <= 1
	racy   atomic.Bool  // set when two goroutines used it at once
	send   func(env ports.Envelope, body io.WriterTo) (*ports.TxResult, error)
}

func (s *fakeSession) enter() func() {
	if s.users.Add(1) > 1 {
		s.racy.Store(true)
	}
	return func() { s.users.Add(-1) }
}

func (s *fakeSession) Send(ctx context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
	defer s.enter()()
	if s.send != nil {
		return s.send(env, body)
	}
	return accept(env, body, io.Discard)
}

// accept writes body to w and accepts every recipient.
func accept(env ports.Envelope, body io.WriterTo, w io.Writer) (*ports.TxResult, error) {
	if _, err := body.WriteTo(w); err != nil {
		return nil, err
	}
	return &ports.TxResult{Accepted: env.To, Response: "250 ok"}, nil
}

func (s *fakeSession) SendMany(ctx context.Context, txs []ports.Transaction) []ports.TxOutcome {
	out := make([]ports.TxOutcome, len(txs))
	for i, tx := range txs {
		out[i].Result, out[i].Err = s.Send(ctx, tx.Envelope, tx.Body)
	}
	return out
}

func (s *fakeSession) Verify(context.Context, string) (string, error) { return "", nil }
func (s *fakeSession) Noop(context.Context) error                     { defer s.enter()(); return nil }
func (s *fakeSession) Reset(context.Context) error                    { defer s.enter()(); return nil }
func (s *fakeSession) Info() domain.ConnectionInfo                    { return domain.ConnectionInfo{} }

func (s *fakeSession) Reusable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed && !s.broken
}

func (s *fakeSession) Close() error {
	defer s.enter()()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.t.open.Add(-1)
	}
	return nil
}
