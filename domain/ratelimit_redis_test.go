package domain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

const redisPassword = "s3cr3t-Redis-pw"

// TestRedisURLRedacted checks that no rendering of a URL, of the settings
// holding it, or of a configuration error about it shows the password.
func TestRedisURLRedacted(t *testing.T) {
	u := domain.RedisURL("redis://app:" + redisPassword + "@cache.internal:6379/2")
	r := domain.RedisRateLimit{URL: u, Key: "ses:prod", Timeout: time.Second}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("limit", "url", u, "shared", r)
	js, err := json.Marshal(struct{ URL domain.RedisURL }{u})
	if err != nil {
		t.Fatal(err)
	}
	bad := r
	bad.Key = "has space"
	cfg := validConfig()
	cfg.RateLimit = &domain.RateLimitConfig{MaxEmails: 1, Window: time.Second, Redis: &bad}
	renderings := map[string]string{
		"String":       u.String(),
		"%v":           fmt.Sprintf("%v", u),
		"%+v settings": fmt.Sprintf("%+v", r),
		"%#v settings": fmt.Sprintf("%#v", r),
		"%s pointer":   fmt.Sprintf("%s", &r),
		"%+v config":   fmt.Sprintf("%+v", *cfg.RateLimit),
		"json":         string(js),
		"slog":         logged.String(),
		"validate":     cfg.Validate().Error(),
	}
	for name, got := range renderings {
		if strings.Contains(got, redisPassword) {
			t.Errorf("%s shows the password: %s", name, got)
		}
	}
	if got := u.String(); got != "redis://app:xxxxx@cache.internal:6379/2" {
		t.Errorf("String = %q, want the URL with its password as xxxxx", got)
	}
	if u.Reveal() != string(u) {
		t.Errorf("Reveal = %q", u.Reveal())
	}
	if got := domain.RedisURL("redis://a:b c@h").String(); got != domain.Redacted {
		t.Errorf("unparsable URL renders as %q, want %q", got, domain.Redacted)
	}
}

func TestRedisRateLimitValidate(t *testing.T) {
	ok := domain.RedisRateLimit{URL: "redis://127.0.0.1:6379/0", Key: "acct"}
	tests := []struct {
		name   string
		modify func(*domain.RedisRateLimit)
		want   string // part of the message; "" for valid
	}{
		{name: "valid", modify: func(*domain.RedisRateLimit) {}},
		{name: "rediss", modify: func(r *domain.RedisRateLimit) { r.URL = "rediss://:pw@h:6380" }},
		{name: "unix", modify: func(r *domain.RedisRateLimit) { r.URL = "unix:///run/redis.sock?db=1" }},
		{name: "empty key is the account", modify: func(r *domain.RedisRateLimit) { r.Key = "" }},
		{name: "fail open", modify: func(r *domain.RedisRateLimit) { r.OnUnavailable = domain.RedisFailOpen }},
		{name: "empty url", modify: func(r *domain.RedisRateLimit) { r.URL = "" }, want: "url is empty"},
		{name: "scheme", modify: func(r *domain.RedisRateLimit) { r.URL = "http://h:1" }, want: "scheme"},
		{name: "no host", modify: func(r *domain.RedisRateLimit) { r.URL = "redis:///0" }, want: "no host"},
		{name: "unix without path", modify: func(r *domain.RedisRateLimit) { r.URL = "unix://" }, want: "socket path"},
		{name: "unparsable", modify: func(r *domain.RedisRateLimit) { r.URL = "redis://u:" + redisPassword + " x@h" }, want: "does not parse"},
		{name: "key with space", modify: func(r *domain.RedisRateLimit) { r.Key = "a b" }, want: "printable"},
		{name: "long key", modify: func(r *domain.RedisRateLimit) { r.Key = strings.Repeat("k", 201) }, want: "200 octets"},
		{name: "policy", modify: func(r *domain.RedisRateLimit) { r.OnUnavailable = 7 }, want: "failure policy"},
		{name: "timeout", modify: func(r *domain.RedisRateLimit) { r.Timeout = -1 }, want: "non-negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.modify(&r)
			err := r.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, domain.KindInvalidInput) {
				t.Fatalf("Validate: %v, want an invalid-input error naming %q", err, tt.want)
			}
			if strings.Contains(err.Error(), redisPassword) {
				t.Fatalf("Validate shows the password: %v", err)
			}
		})
	}
}

func TestRedisRateLimitInConfig(t *testing.T) {
	cfg := validConfig()
	cfg.RateLimit = &domain.RateLimitConfig{MaxEmails: 10, Window: time.Minute,
		Redis: &domain.RedisRateLimit{URL: "redis://h:1", Timeout: -time.Second}}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "rate limit redis: timeout") {
		t.Fatalf("Validate: %v, want the redis timeout named", err)
	}
	cfg.RateLimit.Redis.Timeout = 0
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := cfg.RateLimit.Redis.EffectiveTimeout(); got != domain.DefaultRedisTimeout {
		t.Fatalf("EffectiveTimeout = %v, want %v", got, domain.DefaultRedisTimeout)
	}
}

func TestParseRedisFailurePolicy(t *testing.T) {
	for give, want := range map[string]domain.RedisFailurePolicy{
		"fail-closed": domain.RedisFailClosed, "closed": domain.RedisFailClosed,
		"fail-open": domain.RedisFailOpen, " OPEN ": domain.RedisFailOpen,
	} {
		got, err := domain.ParseRedisFailurePolicy(give)
		if err != nil || got != want {
			t.Errorf("ParseRedisFailurePolicy(%q) = %v, %v; want %v", give, got, err, want)
		}
		if back, err := domain.ParseRedisFailurePolicy(got.String()); err != nil || back != want {
			t.Errorf("%v does not parse back: %v, %v", got, back, err)
		}
	}
	if _, err := domain.ParseRedisFailurePolicy("maybe"); !errors.Is(err, domain.KindInvalidInput) {
		t.Fatalf("ParseRedisFailurePolicy(maybe): %v, want invalid input", err)
	}
	if domain.RedisFailurePolicy(9).String() != "unknown" {
		t.Fatal("unknown policy String")
	}
}
