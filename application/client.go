package application

import (
	"context"
	"sync"

	"github.com/failsafe-go/failsafe-go"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Client sends email through a Transport (or a Pool of its sessions) and an
// Encoder. It is safe for concurrent use. Make one with New.
type Client struct {
	transport ports.Transport
	enc       ports.Encoder
	o         options
	exec      failsafe.Executor[any]
	send      ports.SendFunc // the interceptor chain around sendWithPolicies

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// New returns a Client that sends through t (or through the pool given with
// WithPool) and encodes with enc. It does not dial. Errors are
// *domain.Error of KindInvalidInput.
func New(t ports.Transport, enc ports.Encoder, opts ...Option) (*Client, error) {
	if t == nil && !hasPool(opts) {
		return nil, domain.NewError(domain.KindInvalidInput, "new client", "a transport or a pool is required")
	}
	if enc == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "new client", "an encoder is required")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	c := &Client{transport: t, enc: enc, o: o}
	c.exec, _ = newExecutor(&c.o)
	c.send = c.sendWithPolicies
	for i := len(o.interceptors) - 1; i >= 0; i-- {
		ic, next := o.interceptors[i], c.send
		c.send = func(ctx context.Context, e *domain.Email) (*domain.SendResult, error) {
			return ic.Intercept(ctx, e, next)
		}
	}
	return c, nil
}

func hasPool(opts []Option) bool {
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	return o.pool != nil
}

// enter registers a running operation; it fails once Close has begun.
func (c *Client) enter(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return domain.NewError(domain.KindInvalidInput, op, "client is closed")
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

// Close refuses new sends, waits for running ones until ctx ends, and closes
// the pool. It is safe to call twice. Errors are *domain.Error.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if already {
		return nil
	}
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return domain.WrapError(domain.KindCancelled, "close", ctx.Err())
	}
	if c.o.pool != nil {
		return c.o.pool.Close(ctx)
	}
	return nil
}

// acquire returns the batch's session when ctx carries one, else borrows
// from the pool or opens a session.
func (c *Client) acquire(ctx context.Context) (ports.Session, error) {
	if b, ok := ctx.Value(stickyKey{}).(*stickySession); ok {
		return b.get(ctx)
	}
	return c.acquireDirect(ctx)
}

func (c *Client) acquireDirect(ctx context.Context) (ports.Session, error) {
	if c.o.pool != nil {
		return c.o.pool.Get(ctx)
	}
	return c.transport.Open(ctx)
}

// release keeps a batch's session for the next message, else gives s back
// to the pool or closes it.
func (c *Client) release(ctx context.Context, s ports.Session) {
	if b, ok := ctx.Value(stickyKey{}).(*stickySession); ok && b.s == s {
		return
	}
	c.releaseDirect(s)
}

func (c *Client) releaseDirect(s ports.Session) {
	if c.o.pool != nil {
		c.o.pool.Put(s)
		return
	}
	if err := s.Close(); err != nil {
		c.o.log.Debugw("smtp close after send", "error", err)
	}
}
