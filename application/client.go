package application

import (
	"context"
	"errors"
	"sync"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// ErrClosed is in the chain of the error of every call made after Close
// began: errors.Is(err, application.ErrClosed).
var ErrClosed = ports.ErrClosed

// Client sends email through a Pool of sessions (or a Transport, one
// session per send) and an Encoder. It is safe for concurrent use. Make one
// with New.
type Client struct {
	transport ports.Transport
	enc       ports.Encoder
	o         options
	exec      failsafe.Executor[any]
	breaker   circuitbreaker.CircuitBreaker[any] // nil when disabled
	co        *coalescer                         // nil without a pool or with coalescing off

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup // running calls
	bg     sync.WaitGroup // background work: groups in flight, sessions closing
	done   chan struct{}  // closed once every running call has returned after Close began
	shutMu sync.Mutex
	shut   bool // the pool was closed
}

// New returns a Client that sends through the pool given with WithPool, or
// through t with a session per send, and encodes with enc. It does not
// dial. Errors are *domain.Error of KindInvalidInput.
func New(t ports.Transport, enc ports.Encoder, opts ...Option) (*Client, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	if t == nil && o.pool == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "new client", "a transport or a pool is required")
	}
	if enc == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "new client", "an encoder is required")
	}
	o.limits, o.retry, o.breaker = o.limits.WithDefaults(), o.retry.WithDefaults(), o.breaker.WithDefaults()
	c := &Client{transport: t, enc: enc, o: o}
	c.exec, c.breaker = newExecutor(&c.o)
	if o.pool != nil && o.coalesce > 1 {
		c.co = &coalescer{c: c, max: o.coalesce}
	}
	return c, nil
}

// enter registers a running operation; it fails once Close has begun.
func (c *Client) enter(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &domain.Error{Kind: domain.KindInvalidInput, Op: op, Message: "client is closed", Err: ErrClosed}
	}
	c.wg.Add(1)
	return nil
}

// PoolStatus returns the pool's snapshot, or the zero status without a pool.
func (c *Client) PoolStatus() domain.PoolStatus {
	if c.o.pool == nil {
		return domain.PoolStatus{}
	}
	return c.o.pool.Status()
}

// Close refuses new calls (they fail with ErrClosed), waits for running
// ones until ctx ends, then closes the pool: idle sessions get QUIT, lent
// ones are closed when they come back. It is safe to call again, and a call
// after one that ran out of time finishes the job. Errors are *domain.Error.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	if c.done == nil {
		c.done = make(chan struct{})
		go func() {
			c.wg.Wait()
			c.bg.Wait()
			close(c.done)
		}()
	}
	done := c.done
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return domain.WrapError(domain.KindCancelled, "close", ctx.Err())
	}
	c.shutMu.Lock()
	defer c.shutMu.Unlock()
	if c.shut {
		return nil
	}
	if c.o.pool != nil {
		if err := c.o.pool.Close(ctx); err != nil {
			return err
		}
	}
	c.shut = true
	var errs []error
	for _, cl := range c.o.closers {
		if err := cl.Close(); err != nil {
			errs = append(errs, domain.WrapError(domain.KindConnection, "close", err))
		}
	}
	return errors.Join(errs...)
}

// goBackground runs f off the caller's path; Close waits for it.
func (c *Client) goBackground(f func()) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		f()
	}()
}
