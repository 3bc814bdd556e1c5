package pool

import (
	"context"
	"strconv"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Get lends a session: the most recently used idle one, or a new one opened
// through the transport while fewer than MaxConnections are open; otherwise
// it waits, behind the callers that came first, for at most AcquireTimeout
// and until ctx ends. Idle sessions idle longer than IdleTimeout or older
// than MaxLifetime are closed instead of lent; with health checks on, one idle
// longer than HealthCheckInterval gets a NOOP (bounded by 10 s) first, and
// one that fails it is closed and the next is tried, without an error. The
// returned session must be given back with Put or Discard.
//
// Errors are *domain.Error: KindAcquireTimeout after AcquireTimeout,
// KindCancelled (KindTimeout for a deadline) when ctx ends, KindPool
// wrapping ports.ErrClosed after Close (also for callers waiting then), or
// the transport's error when opening a session fails.
func (p *Pool) Get(ctx context.Context) (ports.Session, error) {
	front := false // a caller whose session failed its check keeps its turn
	deadline := time.Now().Add(p.cfg.AcquireTimeout)
	for {
		c, err := p.acquire(ctx, front, deadline)
		if err != nil {
			return nil, err
		}
		if c == nil { // a free slot
			return p.openFor(ctx, deadline)
		}
		if reason := p.unfit(c, p.now()); reason != "" {
			p.discard(c, reason)
			front = true
			continue
		}
		if p.cfg.healthCheck() && p.now().Sub(c.checked) > p.cfg.HealthCheckInterval {
			if err := p.noop(ctx, c); err != nil {
				p.log.Warnw("smtp pool: idle session failed its health check; closed", "error", err)
				p.discard(c, "health check failed")
				if ctx.Err() != nil {
					return nil, p.waitError(ctx.Err())
				}
				front = true
				continue
			}
			c.checked = p.now()
		}
		return p.lend(c, true)
	}
}

// acquire takes an idle session, or a free slot (nil, nil), or waits for
// one of them until deadline. With front set the caller goes ahead of the
// waiters.
func (p *Pool) acquire(ctx context.Context, front bool, deadline time.Time) (*conn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, closedError()
	}
	if err := ctx.Err(); err != nil {
		p.mu.Unlock()
		return nil, p.waitError(err)
	}
	if len(p.waiters) == 0 || front {
		if n := len(p.idle); n > 0 {
			c := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.kickLocked()
			p.mu.Unlock()
			return c, nil
		}
		if p.total < p.cfg.MaxConnections {
			p.total++
			p.mu.Unlock()
			return nil, nil
		}
	}
	w := &waiter{ch: make(chan grant, 1)}
	if front {
		p.waiters = append([]*waiter{w}, p.waiters...)
	} else {
		p.waiters = append(p.waiters, w)
	}
	p.mu.Unlock()
	return p.wait(ctx, w, deadline)
}

// wait blocks until w is granted something, deadline (AcquireTimeout after
// Get began) passes or ctx ends. A grant that races the timeout is taken;
// one that races the end of ctx is given back.
func (p *Pool) wait(ctx context.Context, w *waiter, deadline time.Time) (*conn, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case g := <-w.ch:
		return g.c, g.err
	case <-timer.C:
		p.mu.Lock()
		if p.dequeueLocked(w) {
			defer p.mu.Unlock()
			return nil, &domain.Error{
				Kind: domain.KindAcquireTimeout, Op: "pool get",
				Message: "no session free within " + p.cfg.AcquireTimeout.String() + "; " + strconv.Itoa(p.inUse) + " in use",
			}
		}
		p.mu.Unlock()
		g := <-w.ch
		return g.c, g.err
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.dequeueLocked(w) {
			// Granted meanwhile (grants are sent under p.mu): give it back.
			switch g := <-w.ch; {
			case g.err != nil:
				return nil, g.err
			case g.c != nil:
				p.releaseLocked(g.c)
			default:
				p.freeSlotLocked()
			}
		}
		return nil, p.waitErrorLocked(ctx.Err())
	}
}

// dequeueLocked removes w from the waiters; false when it was not there
// (it has been granted something).
func (p *Pool) dequeueLocked(w *waiter) bool {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// healthCheckTimeout bounds the NOOP of a session checked on acquire.
const healthCheckTimeout = 10 * time.Second

// noop checks c. The check does not end with the caller's context (a
// coalesced caller whose message another caller took stops waiting, and a
// healthy session must not be closed for that), only with Close and
// healthCheckTimeout.
func (p *Pool) noop(ctx context.Context, c *conn) error {
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthCheckTimeout)
	defer cancel()
	stop := context.AfterFunc(p.bg, cancel)
	defer stop()
	return c.s.Noop(nctx)
}

// opened is the outcome of opening a session in a free slot.
type opened struct {
	s   ports.Session
	err error
}

// openFor opens a session in the free slot the caller holds and lends it.
// The opening does not end with ctx: a caller that leaves while the
// session is being opened (a coalesced caller whose message another caller
// took, a deadline) hands it over, and it goes to the next waiter or to the
// idle sessions when it is ready, instead of being thrown away half-open.
// It is bounded by Close and by AcquireTimeout past the end of the
// caller's wait (twice AcquireTimeout from the start of Get at most).
func (p *Pool) openFor(ctx context.Context, deadline time.Time) (ports.Session, error) {
	octx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline.Add(p.cfg.AcquireTimeout))
	stopAtClose := context.AfterFunc(p.bg, cancel)
	done := make(chan opened, 1)
	p.mu.Lock()
	p.goLocked(func() func() {
		defer cancel()
		defer stopAtClose()
		s, err := p.open(octx)
		done <- opened{s, err}
		return nil
	})
	p.mu.Unlock()
	select {
	case r := <-done:
		if r.err != nil {
			p.mu.Lock()
			p.freeSlotLocked()
			p.mu.Unlock()
			return nil, r.err
		}
		now := p.now()
		return p.lend(&conn{s: r.s, created: now, lastUsed: now, checked: now}, false)
	case <-ctx.Done():
	}
	p.mu.Lock()
	p.goLocked(func() func() {
		r := <-done
		return func() { // under p.mu
			if r.err != nil {
				p.freeSlotLocked()
				return
			}
			now := p.now()
			p.releaseLocked(&conn{s: r.s, created: now, lastUsed: now, checked: now})
		}
	})
	err := p.waitErrorLocked(ctx.Err())
	p.mu.Unlock()
	return nil, err
}

// open opens a session through the transport.
func (p *Pool) open(ctx context.Context) (ports.Session, error) {
	s, err := p.t.Open(ctx)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, domain.NewError(domain.KindConnection, "pool get", "the transport returned no session")
	}
	p.log.Infow("smtp connection opened")
	return s, nil
}

// lend hands c to the caller, wrapped; fromIdle says it waited in the pool.
// The first successful Get starts the maintainer.
func (p *Pool) lend(c *conn, fromIdle bool) (ports.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.closeLocked(c, "pool closed")
		return nil, closedError()
	}
	p.inUse++
	if !p.started {
		p.started = true
		p.goLocked(p.maintain)
	}
	return &session{p: p, c: c, replayable: fromIdle}, nil
}

// unfit says why an idle session may not be lent at now ("" when it may).
func (p *Pool) unfit(c *conn, now time.Time) string {
	switch {
	case now.Sub(c.lastUsed) > p.cfg.IdleTimeout:
		return "idle timeout"
	case now.Sub(c.created) > p.cfg.MaxLifetime:
		return "max lifetime"
	}
	return ""
}

// waitError reports the end of ctx while a caller waited.
func (p *Pool) waitError(err error) *domain.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErrorLocked(err)
}

func (p *Pool) waitErrorLocked(err error) *domain.Error {
	k, msg := ctxKind(err), "cancelled while waiting for a session"
	if k != domain.KindCancelled {
		msg = "context deadline passed while waiting for a session"
	}
	return &domain.Error{Kind: k, Op: "pool get", Message: msg + "; " + strconv.Itoa(p.inUse) + " in use", Err: err}
}
