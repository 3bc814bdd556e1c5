package pool

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

var _ ports.Pool = (*Pool)(nil)

// Pool lends sessions opened through a ports.Transport and keeps them open
// between callers. It is safe for concurrent use.
//
// Status counts every session the pool holds a slot for in Total: lent
// (InUse), idle (Idle), and those in between, which are in neither Idle nor
// InUse: being opened, being checked with NOOP, being reset with RSET after
// a failed transaction, being handed to a waiting caller, or being closed
// (QUIT). So Total >= Idle + InUse, and Total never exceeds MaxSize.
type Pool struct {
	t   ports.Transport
	cfg Config // defaults applied
	log ports.Logger
	now func() time.Time

	bg     context.Context // ends at Close: background Open, NOOP and RSET
	stopBg context.CancelFunc
	kick   chan struct{} // asks the maintainer to replenish MinIdle
	wg     sync.WaitGroup

	mu      sync.Mutex
	idle    []*conn   // oldest use first; lent from the end
	waiters []*waiter // first in, first out
	total   int       // slots taken: open, opening or closing sessions
	inUse   int       // lent sessions
	workers int       // pool goroutines alive
	started bool      // the maintainer runs (after the first successful Get)
	closed  bool
	drained bool          // closed, no session and no goroutine left
	done    chan struct{} // closed when drained
}

// conn is one session with what the pool knows about it. While it is lent
// only the borrower touches it; otherwise only holders of p.mu or the one
// pool goroutine working on it do.
type conn struct {
	s        ports.Session // nil once lost and not replaced
	created  time.Time
	lastUsed time.Time // when it last came back
	checked  time.Time // when it last proved alive (used, reset or NOOP)
	messages int       // messages sent on s
}

// waiter is a caller blocked in Get.
type waiter struct{ ch chan grant }

// grant is what a waiter receives: an idle session, a slot to open one in
// (c and err nil), or the error that the pool closed.
type grant struct {
	c   *conn
	err error
}

// Option configures a Pool.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	log ports.Logger
	now func() time.Time
}

// WithLogger sends connection events (a session opened; closed, with the
// reason) at INFO, replaced stale sessions at DEBUG, and failed health
// checks, resets and warm-up dials at WARN, to l. A nil l logs nothing (the
// default).
func WithLogger(l ports.Logger) Option {
	return optionFunc(func(o *options) {
		if l != nil {
			o.log = l
		}
	})
}

// withClock sets the clock that ages sessions; for tests. Timers (the
// acquire timeout and the maintenance ticker) still run on real time.
func withClock(now func() time.Time) Option {
	return optionFunc(func(o *options) { o.now = now })
}

// New returns a Pool that opens sessions through t, with cfg's defaults
// (Config.WithDefaults): values above the maxima are lowered to them, and
// MinIdle to MaxConnections. Check cfg with Config.Validate first to refuse
// them instead. New does not dial.
func New(t ports.Transport, cfg Config, opts ...Option) *Pool {
	o := options{log: nopLogger{}, now: time.Now}
	for _, opt := range opts {
		opt.apply(&o)
	}
	p := &Pool{t: t, cfg: cfg.WithDefaults(), log: o.log, now: o.now, kick: make(chan struct{}, 1), done: make(chan struct{})}
	p.bg, p.stopBg = context.WithCancel(context.Background())
	return p
}

// Status returns an exact snapshot of the pool, taken under its lock; see
// Pool for what Total counts.
func (p *Pool) Status() domain.PoolStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return domain.PoolStatus{Total: p.total, Idle: len(p.idle), InUse: p.inUse, Pending: len(p.waiters), MaxSize: p.cfg.MaxConnections}
}

// Close refuses further Gets at once, fails the callers waiting in Get,
// sends QUIT to idle sessions, and waits until every lent session has come
// back (Put or Discard) and been closed, and every pool goroutine has
// ended. It is safe to call more than once: a call after one that timed out
// waits again for what is left. Errors are *domain.Error of KindCancelled
// (KindTimeout for a deadline) when ctx ended first.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.stopBg()
		for _, w := range p.waiters {
			w.ch <- grant{err: closedError()}
		}
		p.waiters = nil
		for _, c := range p.idle {
			p.closeLocked(c, "pool closed")
		}
		p.idle = nil
		p.checkDoneLocked()
	}
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
	default:
		select {
		case <-done:
		case <-ctx.Done():
			p.mu.Lock()
			inUse, other := p.inUse, p.total-p.inUse
			p.mu.Unlock()
			return &domain.Error{
				Kind: ctxKind(ctx.Err()), Op: "pool close", Err: ctx.Err(),
				Message: strconv.Itoa(inUse) + " sessions still lent, " + strconv.Itoa(other) + " still closing",
			}
		}
	}
	p.wg.Wait() // every goroutine has left the lock for good: returns at once
	return nil
}

// checkDoneLocked marks the pool drained once it is closed and holds no
// session and no goroutine.
func (p *Pool) checkDoneLocked() {
	if p.closed && !p.drained && p.total == 0 && p.workers == 0 {
		p.drained = true
		close(p.done)
	}
}

// goLocked runs f in a goroutine the pool tracks, so that Close waits for
// it; p.mu must be held. f runs without the lock; the func it returns, when
// not nil, runs under p.mu as the goroutine's last act.
func (p *Pool) goLocked(f func() (locked func())) {
	p.workers++
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		then := f()
		p.mu.Lock()
		defer p.mu.Unlock()
		if then != nil {
			then()
		}
		p.workers--
		p.checkDoneLocked()
	}()
}

// closedError is the error of a Get refused because the pool closed.
func closedError() *domain.Error {
	return &domain.Error{Kind: domain.KindPool, Op: "pool get", Message: "pool is closed", Err: ports.ErrClosed}
}

// ctxKind is the kind of an ended context's error: KindCancelled, or
// KindTimeout for a deadline.
func ctxKind(err error) domain.Kind {
	if k := domain.KindOf(err); k != domain.KindUnknown {
		return k
	}
	return domain.KindCancelled
}

type nopLogger struct{}

func (nopLogger) Debugw(string, ...any) {}
func (nopLogger) Infow(string, ...any)  {}
func (nopLogger) Warnw(string, ...any)  {}
func (nopLogger) Errorw(string, ...any) {}
