package redis

import (
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/integrations/smtp/ports"
)

// DefaultRecheckInterval is how long a Limiter leaves Redis alone after a
// round trip failed, deciding by its failure policy meanwhile.
const DefaultRecheckInterval = time.Second

// Option adjusts a Limiter.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	client    goredis.UniversalClient
	fallback  ports.RateLimiter
	log       ports.Logger
	telemetry ports.Telemetry
	recheck   time.Duration
}

// WithClient makes the Limiter use c instead of a client of its own made
// from the URL; Close leaves c open. A nil c changes nothing.
func WithClient(c goredis.UniversalClient) Option {
	return optionFunc(func(o *options) {
		if c != nil {
			o.client = c
		}
	})
}

// WithFallback is the limiter that decides when Redis does not answer and
// the policy is FailOpen; bootstrap passes the in-memory
// limiter of the same configuration. Without one, failing open grants the
// permit.
func WithFallback(l ports.RateLimiter) Option {
	return optionFunc(func(o *options) { o.fallback = l })
}

// WithLogger receives the warnings of an unreachable Redis (at most one
// every few seconds while it lasts) and the notice that it answers again.
func WithLogger(l ports.Logger) Option {
	return optionFunc(func(o *options) {
		if l != nil {
			o.log = l
		}
	})
}

// WithTelemetry records every permit refused or waited for
// (Telemetry.RateLimited).
func WithTelemetry(t ports.Telemetry) Option {
	return optionFunc(func(o *options) {
		if t != nil {
			o.telemetry = t
		}
	})
}

// WithRecheckInterval sets how long Redis is left alone after a failed
// round trip (DefaultRecheckInterval when d is not positive).
func WithRecheckInterval(d time.Duration) Option {
	return optionFunc(func(o *options) {
		if d > 0 {
			o.recheck = d
		}
	})
}

// nopLogger drops everything.
type nopLogger struct{}

func (nopLogger) Debugw(string, ...any) {}
func (nopLogger) Infow(string, ...any)  {}
func (nopLogger) Warnw(string, ...any)  {}
func (nopLogger) Errorw(string, ...any) {}
