package redis

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
)

// DefaultTimeout bounds one decision's round trip to Redis when
// Config.Timeout is zero.
const DefaultTimeout = 250 * time.Millisecond

// maxRedisKey is the longest quota name, in octets.
const maxRedisKey = 200

// URL is the address of a Redis server,
// redis://[user:password@]host:port/db, rediss:// for TLS, or
// unix://[user:password@]/path?db=N. Every rendering of it (String, %v,
// %#v, JSON, slog) shows the password as "xxxxx"; only Reveal returns it
// whole.
type URL string

// Reveal returns the URL with its password, for the Redis client only.
func (u URL) Reveal() string { return string(u) }

// String returns the URL with its password, if any, replaced by "xxxxx";
// a URL that does not parse shows as "[REDACTED]".
func (u URL) String() string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(string(u))
	if err != nil {
		return domain.Redacted
	}
	return p.Redacted()
}

// GoString keeps %#v redacted.
func (u URL) GoString() string { return fmt.Sprintf("redis.URL(%q)", u.String()) }

// Format prints the String form for every verb (and GoString for %#v).
func (u URL) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(u.GoString()))
		return
	}
	_, _ = f.Write([]byte(u.String()))
}

// MarshalJSON writes the redacted URL.
func (u URL) MarshalJSON() ([]byte, error) { return json.Marshal(u.String()) }

// LogValue makes slog print the redacted URL.
func (u URL) LogValue() slog.Value { return slog.StringValue(u.String()) }

// FailurePolicy says what the limiter does when Redis does not answer
// within the decision's timeout.
type FailurePolicy uint8

// The policies. The zero value is FailClosed.
const (
	// FailClosed refuses the permit: the caller gets a
	// KindLocalRateLimit error and nothing is sent.
	FailClosed FailurePolicy = iota
	// FailOpen decides with this process's in-memory limiter instead
	// (the same limits, counted in this process only) and logs a warning.
	FailOpen
)

// String returns "fail-closed" or "fail-open".
func (p FailurePolicy) String() string {
	switch p {
	case FailClosed:
		return "fail-closed"
	case FailOpen:
		return "fail-open"
	}
	return "unknown"
}

// ParseFailurePolicy returns the policy named s ("fail-closed",
// "closed", "fail-open" or "open"). Errors are *Error of KindInvalidInput.
func ParseFailurePolicy(s string) (FailurePolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fail-closed", "closed":
		return FailClosed, nil
	case "fail-open", "open":
		return FailOpen, nil
	}
	return 0, configError("rate limit redis: unknown failure policy " + fmt.Sprintf("%q", s) + " (want fail-closed or fail-open)")
}

// Config shares a ratelimit.Config's quotas between every process that
// uses the same Redis and the same Key: the limits of the ratelimit.Config
// count the permits of all of them together.
type Config struct {
	URL URL
	// Key names the quota, e.g. the provider account ("ses:prod" or
	// "gmail:alice@example.com"): clients with the same Key share one
	// quota, clients with different Keys do not. Empty means the client's
	// account: "user@host:port" (or "host:port" without credentials).
	Key string
	// OnUnavailable is what happens when Redis does not answer in time.
	OnUnavailable FailurePolicy
	// Timeout bounds each round trip to Redis; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// EffectiveTimeout returns Timeout, or DefaultTimeout when it is zero.
func (r Config) EffectiveTimeout() time.Duration {
	if r.Timeout == 0 {
		return DefaultTimeout
	}
	return r.Timeout
}

// String describes r with the URL's password redacted, e.g.
// "redis(url=redis://:xxxxx@cache:6379/0, key=ses:prod, fail-closed, timeout=250ms)".
func (r Config) String() string {
	return fmt.Sprintf("redis(url=%s, key=%s, %s, timeout=%s)", r.URL.String(), r.Key, r.OnUnavailable, r.EffectiveTimeout())
}

// GoString keeps %#v redacted.
func (r Config) GoString() string {
	return fmt.Sprintf("redis.Config{URL:%q, Key:%q, OnUnavailable:%q, Timeout:%s}",
		r.URL.String(), r.Key, r.OnUnavailable.String(), r.Timeout)
}

// Format prints the String form for every verb (and GoString for %#v).
func (r Config) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(r.GoString()))
		return
	}
	_, _ = f.Write([]byte(r.String()))
}

// Validate checks r and reports every problem in one error; no message
// shows the URL's password. The errors joined are *Error of
// KindInvalidInput.
func (r Config) Validate() error { return errors.Join(r.validate()...) }

func (r Config) validate() []error {
	var errs []error
	bad := func(msg string) { errs = append(errs, configError("rate limit redis: "+msg)) }
	if msg := checkRedisURL(string(r.URL)); msg != "" {
		bad(msg)
	}
	if len(r.Key) > maxRedisKey {
		bad("key is longer than 200 octets")
	}
	for _, c := range r.Key {
		if c <= ' ' || c == 0x7f {
			bad("key must be printable without spaces")
			break
		}
	}
	if r.OnUnavailable > FailOpen {
		bad("unknown failure policy")
	}
	if r.Timeout < 0 {
		bad("timeout must be non-negative")
	}
	return errs
}

// checkRedisURL returns what is wrong with s, in words that never quote
// it (it may hold a password), or "" when it is usable.
func checkRedisURL(s string) string {
	if s == "" {
		return "url is empty"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "url does not parse"
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			return "url has no host"
		}
	case "unix":
		if u.Path == "" {
			return "unix url has no socket path"
		}
	default:
		return "url scheme must be redis, rediss or unix"
	}
	return ""
}

func configError(msg string) error { return domain.NewError(domain.KindInvalidInput, "config", msg) }
