package pool

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// session is what Get lends: it delegates to the pooled session, counts
// the messages sent on it, remembers whether the last transaction failed,
// and replaces a session that went stale in the pool (see Send). Like every
// ports.Session it is not safe for concurrent use. Once given back, every
// method but Info, Reusable and Close fails with KindConnectionUnhealthy.
type session struct {
	p *Pool
	c *conn
	// replayable is set until the first call on a session lent from the
	// idle list: that call may meet a connection the server dropped.
	replayable bool
	failed     bool // the last transaction failed: RSET before the next
	returned   atomic.Bool
}

var _ ports.Session = (*session)(nil)

// live returns the pooled session, or an error when there is none to use.
func (s *session) live(op string) (ports.Session, error) {
	switch {
	case s.returned.Load():
		return nil, domain.NewError(domain.KindConnectionUnhealthy, op, "session was given back to the pool")
	case s.c.s == nil:
		return nil, domain.NewError(domain.KindConnectionUnhealthy, op, "session was lost and could not be replaced")
	}
	return s.c.s, nil
}

// Send implements ports.Session.Send. When it is the first call on a
// session that waited in the pool and it fails on the connection (a
// connection kind, KindServerShutdown or KindConnectionUnhealthy) with no
// result, the stale session is closed, a fresh one is opened in its slot
// and the same Send runs on it once; its outcome, or the error of opening
// it, is returned. Never after KindDeliveryUnknown or an accepted
// recipient: nothing is sent twice. Errors are *domain.Error.
func (s *session) Send(ctx context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
	real, err := s.live("mail")
	if err != nil {
		return nil, err
	}
	replayable := s.replayable
	s.replayable = false
	s.c.messages++
	res, err := real.Send(ctx, env, body)
	if replayable && res == nil && stale(err) && ctx.Err() == nil {
		switch fresh, ferr := s.replace(ctx, err); {
		case ferr != nil:
			s.failed = true
			return nil, ferr
		case fresh != nil:
			s.c.messages++
			res, err = fresh.Send(ctx, env, body)
		}
	}
	s.failed = err != nil
	return res, err
}

// SendMany implements ports.Session.SendMany, replacing a stale session as
// Send does when no transaction got a result, none is of
// KindDeliveryUnknown, and every failure is a connection failure or one of
// the checks made before anything is sent. Errors are *domain.Error.
func (s *session) SendMany(ctx context.Context, txs []ports.Transaction) []ports.TxOutcome {
	real, err := s.live("mail")
	if err != nil {
		out := make([]ports.TxOutcome, len(txs))
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	replayable := s.replayable
	s.replayable = false
	s.c.messages += len(txs)
	out := real.SendMany(ctx, txs)
	if replayable && staleMany(out) && ctx.Err() == nil {
		switch fresh, ferr := s.replace(ctx, out[0].Err); {
		case ferr != nil:
			s.failed = true
			for i := range out {
				out[i] = ports.TxOutcome{Err: ferr}
			}
			return out
		case fresh != nil:
			s.c.messages += len(txs)
			out = fresh.SendMany(ctx, txs)
		}
	}
	s.failed = false
	for _, o := range out {
		s.failed = s.failed || o.Err != nil
	}
	return out
}

// replace closes the stale session (in the background: it is dead, Close
// has no QUIT to wait for) and opens a fresh one in its slot. After Close
// of the pool there is no replacement: it returns nil, nil. cause is the
// stale session's failure, for the log.
func (s *session) replace(ctx context.Context, cause error) (ports.Session, error) {
	p, c := s.p, s.c
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, nil
	}
	old := c.s
	p.goLocked(func() func() {
		_ = old.Close()
		return nil
	})
	p.mu.Unlock()
	p.log.Debugw("smtp pool: idle session went stale; replacing it", "error", cause)
	fresh, err := p.open(ctx)
	if err != nil {
		c.s = nil
		return nil, err
	}
	now := p.now()
	*c = conn{s: fresh, created: now, lastUsed: now, checked: now}
	return fresh, nil
}

// stale reports whether err says the connection was gone before anything
// was accepted: a connection kind, a 421 (KindServerShutdown) or a session
// already known unusable. Timeouts and delivery-status-unknown are not.
func stale(err error) bool {
	if err == nil || errors.Is(err, domain.KindDeliveryUnknown) {
		return false
	}
	k := domain.KindOf(err)
	return k.Category() == domain.KindConnection || k == domain.KindServerShutdown || k == domain.KindConnectionUnhealthy
}

// staleMany reports whether the outcomes of a SendMany say the session was
// stale: nothing delivered, and every failure a stale one or one of the
// checks made before any byte is sent (no reply code, a message kind or a
// capability mismatch), at least one of them stale.
func staleMany(out []ports.TxOutcome) bool {
	seen := false
	for _, o := range out {
		switch {
		case o.Result != nil || o.Err == nil || errors.Is(o.Err, domain.KindDeliveryUnknown):
			return false
		case stale(o.Err):
			seen = true
		case !checkFailure(o.Err):
			return false
		}
	}
	return seen
}

// checkFailure reports whether err is a refusal made before any byte was
// sent.
func checkFailure(err error) bool {
	e := domain.AsError(err)
	return e != nil && e.Code == 0 && (e.Kind.Category() == domain.KindMessage || e.Kind == domain.KindCapabilityMismatch)
}

// Verify implements ports.Session.Verify. Errors are *domain.Error.
func (s *session) Verify(ctx context.Context, address string) (string, error) {
	real, err := s.live("vrfy")
	if err != nil {
		return "", err
	}
	s.replayable = false
	return real.Verify(ctx, address)
}

// Noop implements ports.Session.Noop. Errors are *domain.Error.
func (s *session) Noop(ctx context.Context) error {
	real, err := s.live("noop")
	if err != nil {
		return err
	}
	s.replayable = false
	return real.Noop(ctx)
}

// Reset implements ports.Session.Reset; a successful RSET spares the
// session the pool's own. Errors are *domain.Error.
func (s *session) Reset(ctx context.Context) error {
	real, err := s.live("rset")
	if err != nil {
		return err
	}
	s.replayable = false
	err = real.Reset(ctx)
	s.failed = err != nil
	return err
}

// Info implements ports.Session.Info; the zero value once given back.
func (s *session) Info() domain.ConnectionInfo {
	if real, err := s.live("info"); err == nil {
		return real.Info()
	}
	return domain.ConnectionInfo{}
}

// Reusable implements ports.Session.Reusable; false once given back.
func (s *session) Reusable() bool {
	real, err := s.live("reusable")
	return err == nil && real.Reusable()
}

// Close closes the pooled session (QUIT); the caller still gives it back
// with Put or Discard, which frees its slot. It does nothing once given
// back. Errors are *domain.Error.
func (s *session) Close() error {
	if real, err := s.live("quit"); err == nil {
		return real.Close()
	}
	return nil
}
