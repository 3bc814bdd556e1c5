package bootstrap

import (
	"os"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
)

// The environment variables ApplyEnv reads.
const (
	// EnvRateLimitRedisURL shares the rate limit through the Redis at this
	// URL (redis://[user:password@]host:port/db, rediss:// or unix://).
	EnvRateLimitRedisURL = "SMTP_RATE_LIMIT_REDIS_URL"
	// EnvRateLimitKey names the shared quota (default: the account,
	// "user@host:port").
	EnvRateLimitKey = "SMTP_RATE_LIMIT_KEY"
	// EnvRateLimitRedisOnUnavailable is fail-closed (the default) or
	// fail-open.
	EnvRateLimitRedisOnUnavailable = "SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE"
	// EnvRateLimitRedisTimeout bounds each round trip to Redis (a Go
	// duration such as 250ms).
	EnvRateLimitRedisTimeout = "SMTP_RATE_LIMIT_REDIS_TIMEOUT"
)

// ApplyEnv sets the shared-quota settings of cfg.RateLimit.Redis from the
// environment: SMTP_RATE_LIMIT_REDIS_URL, SMTP_RATE_LIMIT_KEY,
// SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE and SMTP_RATE_LIMIT_REDIS_TIMEOUT.
// A variable that is set (and not empty) overrides the field of the
// configuration; the others are left alone. They share a rate limit that
// is configured: without cfg.RateLimit, ApplyEnv changes nothing.
// cfg.RateLimit is copied, never changed in place. Errors name the
// variable, never the URL, and are *domain.Error of KindInvalidInput.
func ApplyEnv(cfg *domain.Config) error { return ApplyEnvFrom(cfg, os.LookupEnv) }

// ApplyEnvFrom is ApplyEnv reading the variables with lookup (os.LookupEnv
// or a test's map).
func ApplyEnvFrom(cfg *domain.Config, lookup func(string) (string, bool)) error {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	url, key, policy, timeout := get(EnvRateLimitRedisURL), get(EnvRateLimitKey),
		get(EnvRateLimitRedisOnUnavailable), get(EnvRateLimitRedisTimeout)
	if cfg.RateLimit == nil || url == "" && key == "" && policy == "" && timeout == "" {
		return nil
	}
	if url == "" && cfg.RateLimit.Redis == nil {
		return envError(EnvRateLimitRedisURL + " is needed with " + strings.Join(setNames(lookup,
			EnvRateLimitKey, EnvRateLimitRedisOnUnavailable, EnvRateLimitRedisTimeout), ", "))
	}
	var shared domain.RedisRateLimit
	if cfg.RateLimit.Redis != nil {
		shared = *cfg.RateLimit.Redis
	}
	if url != "" {
		shared.URL = domain.RedisURL(url)
	}
	if key != "" {
		shared.Key = key
	}
	if policy != "" {
		p, err := domain.ParseRedisFailurePolicy(policy)
		if err != nil {
			return envError(EnvRateLimitRedisOnUnavailable + " must be fail-closed or fail-open")
		}
		shared.OnUnavailable = p
	}
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if err != nil || d <= 0 {
			return envError(EnvRateLimitRedisTimeout + " must be a positive duration such as 250ms")
		}
		shared.Timeout = d
	}
	if err := shared.Validate(); err != nil {
		return envError("the shared rate limit from the environment: " + err.Error())
	}
	rl := *cfg.RateLimit
	rl.Redis = &shared
	cfg.RateLimit = &rl
	return nil
}

// setNames returns those of names that are set and not empty.
func setNames(lookup func(string) (string, bool), names ...string) []string {
	var out []string
	for _, n := range names {
		if v, _ := lookup(n); strings.TrimSpace(v) != "" {
			out = append(out, n)
		}
	}
	return out
}

func envError(msg string) error { return domain.NewError(domain.KindInvalidInput, "environment", msg) }
