package ratelimit

import (
	"context"

	"github.com/integrations/smtp/ports"
)

// LimitConnections returns a ports.Transport whose Open acquires a permit
// of ports.QuotaConnections from l and only then calls t.Open; when l
// refuses, Open returns l's error and does not dial. A nil l returns t
// itself. The result is safe for concurrent use when t and l are.
func LimitConnections(t ports.Transport, l ports.RateLimiter) ports.Transport {
	if l == nil {
		return t
	}
	return &limitedTransport{t: t, l: l}
}

type limitedTransport struct {
	t ports.Transport
	l ports.RateLimiter
}

// Open implements ports.Transport. Errors are *domain.Error.
func (c *limitedTransport) Open(ctx context.Context) (ports.Session, error) {
	if err := c.l.Acquire(ctx, ports.QuotaConnections); err != nil {
		return nil, err
	}
	return c.t.Open(ctx)
}
