package application

import (
	"context"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// SendBatch sends every message in order, over one connection while the
// server allows it (a session that is no longer reusable is replaced), each
// with the same retries and interceptors as Send. It returns one item per
// message; the error is non-nil only when the batch could not run at all
// (closed client, cancelled context before the first message).
func (c *Client) SendBatch(ctx context.Context, emails []*domain.Email) (*domain.BatchResult, error) {
	if err := c.enter("send batch"); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	if err := ctx.Err(); err != nil {
		return nil, domain.WrapError(domain.KindCancelled, "send batch", err)
	}
	start := c.o.now()
	sticky := &stickySession{c: c}
	defer sticky.close()
	ctx = context.WithValue(ctx, stickyKey{}, sticky)
	res := &domain.BatchResult{Items: make([]domain.BatchItem, len(emails)), Total: len(emails)}
	for i, e := range emails {
		if e == nil {
			res.Items[i].Err = domain.NewError(domain.KindInvalidInput, "send batch", "nil email")
		} else {
			res.Items[i].Result, res.Items[i].Err = c.send(ctx, e)
		}
		if res.Items[i].Err != nil {
			res.Failed++
		} else {
			res.Succeeded++
		}
	}
	res.Duration = c.o.now().Sub(start)
	return res, nil
}

type stickyKey struct{}

// stickySession keeps one session across the messages of a batch.
type stickySession struct {
	c *Client
	s ports.Session
}

func (b *stickySession) get(ctx context.Context) (ports.Session, error) {
	if b.s != nil && b.s.Reusable() {
		return b.s, nil
	}
	b.close()
	s, err := b.c.acquireDirect(ctx)
	if err != nil {
		return nil, err
	}
	b.s = s
	return s, nil
}

func (b *stickySession) close() {
	if b.s != nil {
		b.c.releaseDirect(b.s)
		b.s = nil
	}
}
