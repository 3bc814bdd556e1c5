package application

import (
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Option configures a Client at New.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	log          ports.Logger
	pool         ports.Pool
	retry        domain.RetryConfig
	breaker      domain.CircuitBreakerConfig
	interceptors []ports.Interceptor
	allow8Bit    bool
	now          func() time.Time
	host         string
	port         int
}

func defaultOptions() options {
	d := domain.DefaultConfig()
	return options{log: nopLogger{}, retry: d.Retry, breaker: d.CircuitBreaker, now: time.Now}
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

// WithPool borrows sessions from p instead of opening one per send.
func WithPool(p ports.Pool) Option { return optionFunc(func(o *options) { o.pool = p }) }

// WithRetry sets the retry policy; MaxAttempts 1 disables retries.
func WithRetry(c domain.RetryConfig) Option { return optionFunc(func(o *options) { o.retry = c }) }

// WithCircuitBreaker sets the circuit breaker; Enabled false disables it.
func WithCircuitBreaker(c domain.CircuitBreakerConfig) Option {
	return optionFunc(func(o *options) { o.breaker = c })
}

// WithInterceptors wraps every send; the first is outermost.
func WithInterceptors(i ...ports.Interceptor) Option {
	return optionFunc(func(o *options) { o.interceptors = append(o.interceptors, i...) })
}

// With8BitMIME lets text parts go as 8bit when the server has 8BITMIME.
func With8BitMIME(allow bool) Option { return optionFunc(func(o *options) { o.allow8Bit = allow }) }

// WithClock replaces time.Now (for tests).
func WithClock(now func() time.Time) Option {
	return optionFunc(func(o *options) {
		if now != nil {
			o.now = now
		}
	})
}

// WithServer names the server in ConnectionInfo and logs.
func WithServer(host string, port int) Option {
	return optionFunc(func(o *options) { o.host, o.port = host, port })
}

type nopLogger struct{}

func (nopLogger) Debugw(string, ...any) {}
func (nopLogger) Infow(string, ...any)  {}
func (nopLogger) Warnw(string, ...any)  {}
func (nopLogger) Errorw(string, ...any) {}
