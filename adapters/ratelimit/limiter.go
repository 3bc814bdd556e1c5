package ratelimit

import (
	"context"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit/internal/permit"
	"github.com/integrations/smtp/ports"
)

// op is the Op of every error of this package.
const op = permit.Op

var _ ports.RateLimiter = (*Limiter)(nil)

// Limiter is an in-process ports.RateLimiter: MaxEmails permits of
// ports.QuotaEmails and MaxConnections permits of ports.QuotaConnections in
// each window. Make one with New; it is safe for concurrent use.
type Limiter struct {
	emails      *quota
	connections *quota // nil when connections are not limited
	onLimit     Behavior
	waitTimeout time.Duration
	tel         ports.Telemetry
}

// Option configures a Limiter made by New.
type Option func(*Limiter)

// WithTelemetry makes the Limiter report to t, with t.RateLimited once per
// Acquire, every permit it refuses or makes the caller wait for (whether
// the wait ends with the permit, a refusal or the caller's context ending).
// A permit granted at once is not reported. A nil t reports nothing.
func WithTelemetry(t ports.Telemetry) Option {
	return func(l *Limiter) {
		if t != nil {
			l.tel = t
		}
	}
}

// New returns a Limiter for cfg. MaxEmails and Window must be positive,
// MaxConnections non-negative (0 means connections are not limited), and
// WaitTimeout positive when OnLimit is WaitWithTimeout (Config.Validate). The
// windows start now. Errors are *domain.Error of KindInvalidInput.
func New(cfg Config, opts ...Option) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Limiter{
		emails:      newQuota(ports.QuotaEmails, cfg.MaxEmails, cfg.Window),
		onLimit:     cfg.OnLimit,
		waitTimeout: cfg.WaitTimeout,
		tel:         ports.NopTelemetry{},
	}
	for _, o := range opts {
		o(l)
	}
	if cfg.MaxConnections > 0 {
		l.connections = newQuota(ports.QuotaConnections, cfg.MaxConnections, cfg.Window)
	}
	return l, nil
}

// Acquire implements ports.RateLimiter. A quota this Limiter does not limit
// (connections when MaxConnections is 0, or an unknown quota) succeeds at
// once, whatever ctx says. Otherwise a context that has already ended gets
// its error and takes no permit, nor does a caller whose context ends while
// it waits. With WaitWithTimeout a caller that the next window
// could not serve within the wait timeout is refused at once rather than
// after the timeout. Errors are *domain.Error: KindLocalRateLimit with
// RetryAfter in (0, Window] when refused; KindCancelled or KindTimeout
// (a deadline) wrapping ctx.Err() when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, q ports.Quota) error {
	qt := l.quota(q)
	if qt == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return ctxError(err)
	}
	switch l.onLimit {
	case Wait:
		return qt.wait(ctx, time.Time{}, l.tel)
	case WaitWithTimeout:
		return qt.wait(ctx, time.Now().Add(l.waitTimeout), l.tel)
	}
	err := qt.try()
	if err != nil {
		l.tel.RateLimited(ctx, q)
	}
	return err
}

// quota returns the counter of q, or nil when q is not limited.
func (l *Limiter) quota(q ports.Quota) *quota {
	switch q {
	case ports.QuotaEmails:
		return l.emails
	case ports.QuotaConnections:
		return l.connections
	}
	return nil
}
