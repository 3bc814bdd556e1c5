package application

import (
	"context"

	"github.com/integrations/smtp/ports"
)

// acquire returns the batch's session when cl has one, else borrows from
// the pool or opens a session.
func (c *Client) acquire(ctx context.Context, cl *call) (ports.Session, error) {
	if cl.sticky != nil {
		return cl.sticky.get(ctx)
	}
	return c.acquireObserved(ctx)
}

func (c *Client) acquireDirect(ctx context.Context) (ports.Session, error) {
	if c.o.pool != nil {
		return c.o.pool.Get(ctx)
	}
	return c.transport.Open(ctx)
}

// release keeps a batch's session for the next message, else gives s back
// (see releaseDirect).
func (c *Client) release(ctx context.Context, cl *call, s ports.Session, err error) {
	if cl.sticky != nil && cl.sticky.s == s {
		return
	}
	c.releaseObserved(ctx, s, err)
}

// releaseDirect gives s back to the pool, or discards it when the attempt
// failed in a way that will be retried (a retried send takes a fresh
// session). Without a pool, s is closed: QUIT happens off the caller's
// path, and Close waits for it.
func (c *Client) releaseDirect(s ports.Session, err error) {
	if c.o.pool != nil {
		if err != nil && c.retryable(err) {
			c.o.pool.Discard(s)
			return
		}
		c.o.pool.Put(s)
		return
	}
	c.goBackground(func() {
		if err := s.Close(); err != nil {
			c.o.log.Debugw("smtp close after send", "error", c.o.addresses.MaskText(err.Error()))
		}
	})
}
