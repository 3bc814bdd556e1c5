package application

import (
	"io"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Option configures a Client at New.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// DefaultCoalesce is how many concurrent Send calls at most go together in
// one pipelined group on a pooled session (WithCoalescing).
const DefaultCoalesce = 64

type options struct {
	log          ports.Logger
	pool         ports.Pool
	limiter      ports.RateLimiter
	limits       Limits
	retry        RetryPolicy
	breaker      BreakerConfig
	interceptors []ports.Interceptor
	allow8Bit    bool
	coalesce     int
	telemetry    ports.Telemetry
	addresses    domain.AddressPolicy
	closers      []io.Closer
	now          func() time.Time
}

func defaultOptions() options {
	return options{log: nopLogger{}, coalesce: DefaultCoalesce, telemetry: ports.NopTelemetry{}, now: time.Now}
}

// WithLogger sends the client's structured logs to l (a *zap.SugaredLogger
// fits). Nothing is logged by default.
func WithLogger(l ports.Logger) Option {
	return optionFunc(func(o *options) {
		if l != nil {
			o.log = l
		}
	})
}

// WithTelemetry reports every message (an smtp.send span with its
// acquire and release spans, retries, the send metrics) to t. Nothing is
// reported by default.
func WithTelemetry(t ports.Telemetry) Option {
	return optionFunc(func(o *options) {
		if t != nil {
			o.telemetry = t
		}
	})
}

// WithAddressPolicy sets how the client's log lines show addresses and the
// error texts they quote (domain.AddressLocalPart by default).
func WithAddressPolicy(p domain.AddressPolicy) Option {
	return optionFunc(func(o *options) { o.addresses = p })
}

// WithCloser makes Close close c once, after the pool: something the
// wiring made for this client alone, such as a rate limiter's connections
// to its store.
func WithCloser(c io.Closer) Option {
	return optionFunc(func(o *options) {
		if c != nil {
			o.closers = append(o.closers, c)
		}
	})
}

// WithPool borrows sessions from p instead of opening one per send; the
// client closes p in Close. Concurrent Send calls that find every session
// busy then go together on the next free one (see WithCoalescing).
func WithPool(p ports.Pool) Option { return optionFunc(func(o *options) { o.pool = p }) }

// WithRateLimiter takes one permit of ports.QuotaEmails for every message
// before it is sent (retries of it take none), as l's behaviour says
// (reject, wait, wait with a timeout). Limit new connections by wrapping the
// Transport instead. No limit by default.
func WithRateLimiter(l ports.RateLimiter) Option {
	return optionFunc(func(o *options) { o.limiter = l })
}

// WithLimits sets the client-side limits of message size, recipients and
// attachments, checked before any connection is made; zero fields take the
// defaults of Limits (the defaults without this option).
func WithLimits(l Limits) Option {
	return optionFunc(func(o *options) { o.limits = l })
}

// WithRetry sets the retry policy; a zero field takes its default (the
// specification's policy without this option) and MaxAttempts 1 disables
// retries.
func WithRetry(c RetryPolicy) Option { return optionFunc(func(o *options) { o.retry = c }) }

// WithCircuitBreaker sets the circuit breaker; a zero field takes its
// default (the specification's breaker, on, without this option) and
// Disabled turns it off.
func WithCircuitBreaker(c BreakerConfig) Option {
	return optionFunc(func(o *options) { o.breaker = c })
}

// WithInterceptors wraps every send; the first is outermost.
func WithInterceptors(i ...ports.Interceptor) Option {
	return optionFunc(func(o *options) { o.interceptors = append(o.interceptors, i...) })
}

// With8BitMIME lets text parts go as 8bit when the server has 8BITMIME.
func With8BitMIME(allow bool) Option { return optionFunc(func(o *options) { o.allow8Bit = allow }) }

// WithCoalescing bounds how many messages of concurrent Send calls go
// together, pipelined, in one ports.Session.SendMany when they wait for a
// pooled session (DefaultCoalesce). 1 sends each message on its own. It has
// effect only with WithPool.
func WithCoalescing(n int) Option {
	return optionFunc(func(o *options) { o.coalesce = max(n, 1) })
}

// WithClock replaces time.Now (for tests).
func WithClock(now func() time.Time) Option {
	return optionFunc(func(o *options) {
		if now != nil {
			o.now = now
		}
	})
}

// logging reports whether a logger was given: the fields of a line that
// nobody reads are not built.
func (o *options) logging() bool {
	_, nop := o.log.(nopLogger)
	return !nop
}

type nopLogger struct{}

func (nopLogger) Debugw(string, ...any) {}
func (nopLogger) Infow(string, ...any)  {}
func (nopLogger) Warnw(string, ...any)  {}
func (nopLogger) Errorw(string, ...any) {}
