package pool

import (
	"errors"
	"strconv"
	"time"

	"github.com/integrations/smtp/domain"
)

// Config sizes the pool (specification sections 10.3 and 10.4.2). A zero
// field takes the specification's default; as with net.Dialer.KeepAlive,
// a negative MinIdle or HealthCheckInterval turns that feature off.
type Config struct {
	// MaxConnections bounds the sessions open at once (default 5, at most
	// MaxConnectionsLimit).
	MaxConnections int
	// MinIdle sessions are kept open and idle once the server has answered
	// (default 1, at most MaxConnections; negative keeps none).
	MinIdle int
	// AcquireTimeout is the longest wait for a session, then
	// KindAcquireTimeout (default 30 s).
	AcquireTimeout time.Duration
	// IdleTimeout closes a session idle longer than this (default 5 min,
	// at most 30 min).
	IdleTimeout time.Duration
	// MaxLifetime closes a session older than this when it comes back
	// (default 1 h, at most 4 h).
	MaxLifetime time.Duration
	// HealthCheckInterval: an idle session idle longer than this gets a
	// NOOP before it is lent, and in the background (default 1 min;
	// negative sends no NOOP).
	HealthCheckInterval time.Duration
	// MaxMessagesPerConnection closes a session after that many messages
	// (servers such as Gmail cap it); 0 means no cap.
	MaxMessagesPerConnection int
}

// The limits and defaults of the specification's section 10.3.
const (
	MaxConnectionsLimit = 20               // sessions per host at most
	MaxIdleTimeout      = 30 * time.Minute // IdleTimeout at most
	MaxLifetimeLimit    = 4 * time.Hour    // MaxLifetime at most
)

// The defaults of a zero Config field.
const (
	defaultMaxConnections      = 5
	defaultMinIdle             = 1
	defaultAcquireTimeout      = 30 * time.Second
	defaultIdleTimeout         = 5 * time.Minute
	defaultMaxLifetime         = time.Hour
	defaultHealthCheckInterval = time.Minute
)

// Validate reports every problem of c at once (errors.Join of
// *domain.Error of KindInvalidInput). It does not rewrite c: a value over
// a maximum is an error, not lowered.
func (c Config) Validate() error {
	var errs []error
	bad := func(msg string) { errs = append(errs, domain.NewError(domain.KindInvalidInput, "config", "pool "+msg)) }
	if c.MaxConnections < 0 || c.MaxMessagesPerConnection < 0 {
		bad("sizes must be non-negative")
	}
	if c.MaxConnections > MaxConnectionsLimit {
		bad("max connections is " + strconv.Itoa(c.MaxConnections) + "; at most " + strconv.Itoa(MaxConnectionsLimit) + " per host")
	}
	if n := c.MaxConnections; n > 0 && c.MinIdle > n || n == 0 && c.MinIdle > defaultMaxConnections {
		bad("min idle must be at most max connections")
	}
	if c.AcquireTimeout < 0 || c.IdleTimeout < 0 || c.MaxLifetime < 0 {
		bad("durations must be non-negative")
	}
	if c.IdleTimeout > MaxIdleTimeout {
		bad("idle timeout " + c.IdleTimeout.String() + " is above the 30m maximum")
	}
	if c.MaxLifetime > MaxLifetimeLimit {
		bad("max lifetime " + c.MaxLifetime.String() + " is above the 4h maximum")
	}
	return errors.Join(errs...)
}

// WithDefaults returns c with every zero field set to its default, values
// above a maximum lowered to it, MinIdle at most MaxConnections, and a
// negative MinIdle as 0. A negative HealthCheckInterval stays negative.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v, limit time.Duration) {
		if *d <= 0 {
			*d = v
		}
		if limit > 0 && *d > limit {
			*d = limit
		}
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = defaultMaxConnections
	}
	c.MaxConnections = min(c.MaxConnections, MaxConnectionsLimit)
	if c.MinIdle == 0 {
		c.MinIdle = defaultMinIdle
	}
	c.MinIdle = min(max(c.MinIdle, 0), c.MaxConnections)
	c.MaxMessagesPerConnection = max(c.MaxMessagesPerConnection, 0)
	def(&c.AcquireTimeout, defaultAcquireTimeout, 0)
	def(&c.IdleTimeout, defaultIdleTimeout, MaxIdleTimeout)
	def(&c.MaxLifetime, defaultMaxLifetime, MaxLifetimeLimit)
	if c.HealthCheckInterval == 0 {
		c.HealthCheckInterval = defaultHealthCheckInterval
	}
	return c
}

// healthCheck reports whether idle sessions get a NOOP.
func (c Config) healthCheck() bool { return c.HealthCheckInterval > 0 }

// sweepInterval is how often the maintainer sweeps idle sessions: the
// health check interval, or its default when health checks are off.
func (c Config) sweepInterval() time.Duration {
	if c.HealthCheckInterval > 0 {
		return c.HealthCheckInterval
	}
	return defaultHealthCheckInterval
}
