package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

// TestConfigValidateLimits covers the rules on retries, the pool, the
// client-side limits and the rate limit: each case changes one field of a
// valid configuration and wants exactly one problem (or none), named in
// the message.
func TestConfigValidateLimits(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*domain.Config)
		want   string // a part of the one error's message; "" for a valid config
	}{
		{"retry max delay below initial delay", func(c *domain.Config) {
			c.Retry.InitialDelay, c.Retry.MaxDelay = 2*time.Second, time.Second
		}, "below the initial delay"},
		{"retry max delay equal to initial delay", func(c *domain.Config) {
			c.Retry.InitialDelay, c.Retry.MaxDelay = time.Second, time.Second
		}, ""},
		{"retry max delay zero: no cap", func(c *domain.Config) { c.Retry.MaxDelay = 0 }, ""},
		{"retry negative delay", func(c *domain.Config) { c.Retry.InitialDelay = -time.Second }, "non-negative"},
		{"retry multiplier 0.5", func(c *domain.Config) { c.Retry.Multiplier = 0.5 }, "multiplier must be at least 1"},
		{"retry multiplier 0 means 2", func(c *domain.Config) { c.Retry.Multiplier = 0 }, ""},
		{"retry multiplier 1", func(c *domain.Config) { c.Retry.Multiplier = 1 }, ""},
		{"retry error code 200", func(c *domain.Config) { c.Retry.RetryOn.ErrorCodes = []int{421, 200} }, "retry error code 200"},
		{"retry error code 600", func(c *domain.Config) { c.Retry.RetryOn.ErrorCodes = []int{600} }, "retry error code 600"},
		{"retry error codes 4xx and 5xx", func(c *domain.Config) { c.Retry.RetryOn.ErrorCodes = []int{400, 554, 599} }, ""},
		{"pool max connections 20", func(c *domain.Config) { c.Pool.MaxConnections = 20 }, ""},
		{"pool max connections 21", func(c *domain.Config) { c.Pool.MaxConnections = 21 }, "at most 20"},
		{"pool idle timeout 30m", func(c *domain.Config) { c.Pool.IdleTimeout = 30 * time.Minute }, ""},
		{"pool idle timeout 31m", func(c *domain.Config) { c.Pool.IdleTimeout = 31 * time.Minute }, "30m maximum"},
		{"pool max lifetime 4h", func(c *domain.Config) { c.Pool.MaxLifetime = 4 * time.Hour }, ""},
		{"pool max lifetime 5h", func(c *domain.Config) { c.Pool.MaxLifetime = 5 * time.Hour }, "4h maximum"},
		{"pool negative duration", func(c *domain.Config) { c.Pool.AcquireTimeout = -1 }, "durations must be non-negative"},
		{"pool min idle above the default max", func(c *domain.Config) { c.Pool.MaxConnections, c.Pool.MinIdle = 0, 6 }, "min idle"},
		{"pool negative messages per connection", func(c *domain.Config) { c.Pool.MaxMessagesPerConnection = -1 }, "non-negative"},
		{"message size at the maximum", func(c *domain.Config) { c.Limits.MaxMessageSize = domain.MaxMessageSizeLimit }, ""},
		{"message size above the maximum", func(c *domain.Config) { c.Limits.MaxMessageSize = domain.MaxMessageSizeLimit + 1 }, "25 MiB maximum"},
		{"recipients at the maximum", func(c *domain.Config) { c.Limits.MaxRecipients = 100 }, ""},
		{"recipients above the maximum", func(c *domain.Config) { c.Limits.MaxRecipients = 101 }, "maximum of 100"},
		{"attachments at the maximum", func(c *domain.Config) { c.Limits.MaxAttachments = 50 }, ""},
		{"attachments above the maximum", func(c *domain.Config) { c.Limits.MaxAttachments = 51 }, "maximum of 50"},
		{"negative limit", func(c *domain.Config) { c.Limits.MaxRecipients = -1 }, "limits must be non-negative"},
		{"zero limits take the defaults", func(c *domain.Config) { c.Limits = domain.Limits{} }, ""},
		{"rate limit wait-with-timeout without a timeout", func(c *domain.Config) {
			c.RateLimit = &domain.RateLimitConfig{MaxEmails: 10, Window: time.Minute, OnLimit: domain.RateLimitWaitWithTimeout}
		}, "needs a positive wait timeout"},
		{"rate limit wait-with-timeout with a timeout", func(c *domain.Config) {
			c.RateLimit = &domain.RateLimitConfig{MaxEmails: 10, Window: time.Minute, OnLimit: domain.RateLimitWaitWithTimeout, WaitTimeout: time.Second}
		}, ""},
		{"rate limit wait without a timeout", func(c *domain.Config) {
			c.RateLimit = &domain.RateLimitConfig{MaxEmails: 10, Window: time.Minute, OnLimit: domain.RateLimitWait}
		}, ""},
		{"rate limit unknown behaviour", func(c *domain.Config) {
			c.RateLimit = &domain.RateLimitConfig{MaxEmails: 10, Window: time.Minute, OnLimit: 9}
		}, "unknown rate limit behaviour"},
		{"rate limit negative connections", func(c *domain.Config) {
			c.RateLimit = &domain.RateLimitConfig{MaxEmails: 10, Window: time.Minute, MaxConnections: -1}
		}, "connections must be non-negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.modify(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if got := kindsOf(err); len(got) != 1 || got[0] != domain.KindInvalidInput {
				t.Fatalf("Validate() kinds = %v, want one KindInvalidInput (%v)", got, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestValidateWithProvider(t *testing.T) {
	pinned := validConfig()
	pinned.Credentials = domain.Credentials{}
	pinned.AuthMechanism = domain.AuthXOAuth2
	if err := pinned.ValidateWithProvider(); err != nil {
		t.Errorf("ValidateWithProvider(pinned XOAUTH2, no credentials) = %v", err)
	}
	if err := pinned.Validate(); err == nil || !strings.Contains(err.Error(), "auth mechanism XOAUTH2 set without credentials") {
		t.Errorf("Validate(pinned XOAUTH2, no credentials) = %v", err)
	}

	plain := pinned
	plain.TLSMode = domain.TLSNone
	err := plain.ValidateWithProvider()
	if got := kindsOf(err); len(got) != 1 || got[0] != domain.KindInvalidInput || !strings.Contains(err.Error(), "without TLS") {
		t.Errorf("ValidateWithProvider(TLS none, no AllowInsecureAuth) = %v", err)
	}
	plain.AllowInsecureAuth = true
	if err := plain.ValidateWithProvider(); err != nil {
		t.Errorf("ValidateWithProvider(TLS none, AllowInsecureAuth) = %v", err)
	}

	// The other rules still hold with a provider.
	bad := pinned
	bad.Port = 0
	if err := bad.ValidateWithProvider(); !errors.Is(err, domain.KindInvalidInput) {
		t.Errorf("ValidateWithProvider(port 0) = %v", err)
	}
	mismatch := validConfig()
	mismatch.AuthMechanism = domain.AuthXOAuth2 // with password credentials
	if err := mismatch.ValidateWithProvider(); err == nil || !strings.Contains(err.Error(), "cannot use password credentials") {
		t.Errorf("ValidateWithProvider(XOAUTH2 with a password) = %v", err)
	}
}

func TestValidateRefusesAnInertCircuitBreaker(t *testing.T) {
	for name, b := range map[string]domain.CircuitBreakerConfig{
		"enabled without threshold": {Enabled: true, RecoveryTimeout: time.Second},
		"negative recovery":         {Enabled: true, FailureThreshold: 5, RecoveryTimeout: -time.Second},
		"negative window":           {FailureThreshold: 5, FailureWindow: -time.Second},
	} {
		cfg := domain.DefaultConfig()
		cfg.Host, cfg.Port = "mail.example.com", 587
		cfg.CircuitBreaker = b
		if err := cfg.Validate(); domain.KindOf(err) != domain.KindInvalidInput || !strings.Contains(err.Error(), "circuit breaker") {
			t.Errorf("%s: Validate() = %v; want an invalid-input error about the circuit breaker", name, err)
		}
	}
	cfg := domain.DefaultConfig()
	cfg.Host, cfg.Port = "mail.example.com", 587
	cfg.CircuitBreaker = domain.CircuitBreakerConfig{}
	if err := cfg.Validate(); err != nil {
		t.Errorf("a disabled breaker: Validate() = %v", err)
	}
}
