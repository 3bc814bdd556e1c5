package redis_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/domain"
)

const redisPassword = "s3cr3t-Redis-pw"

// TestRedisURLRedacted checks that no rendering of a URL, of the settings
// holding it, or of a configuration error about it shows the password.
func TestRedisURLRedacted(t *testing.T) {
	u := redislimit.URL("redis://app:" + redisPassword + "@cache.internal:6379/2")
	r := redislimit.Config{URL: u, Key: "ses:prod", Timeout: time.Second}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("limit", "url", u, "shared", r)
	js, err := json.Marshal(struct{ URL redislimit.URL }{u})
	if err != nil {
		t.Fatal(err)
	}
	bad := r
	bad.Key = "has space"
	limits := ratelimit.Config{MaxEmails: 1, Window: time.Second}
	_, newErr := redislimit.New(limits, bad)
	renderings := map[string]string{
		"String":       u.String(),
		"%v":           fmt.Sprintf("%v", u),
		"%+v settings": fmt.Sprintf("%+v", r),
		"%#v settings": fmt.Sprintf("%#v", r),
		"%s pointer":   fmt.Sprintf("%s", &r),
		"json":         string(js),
		"slog":         logged.String(),
		"validate":     bad.Validate().Error(),
		"new":          newErr.Error(),
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
	if got := redislimit.URL("redis://a:b c@h").String(); got != domain.Redacted {
		t.Errorf("unparsable URL renders as %q, want %q", got, domain.Redacted)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := redislimit.Config{URL: "redis://127.0.0.1:6379/0", Key: "acct"}
	tests := []struct {
		name   string
		modify func(*redislimit.Config)
		want   string // part of the message; "" for valid
	}{
		{name: "valid", modify: func(*redislimit.Config) {}},
		{name: "rediss", modify: func(r *redislimit.Config) { r.URL = "rediss://:pw@h:6380" }},
		{name: "unix", modify: func(r *redislimit.Config) { r.URL = "unix:///run/redis.sock?db=1" }},
		{name: "empty key is the account", modify: func(r *redislimit.Config) { r.Key = "" }},
		{name: "fail open", modify: func(r *redislimit.Config) { r.OnUnavailable = redislimit.FailOpen }},
		{name: "empty url", modify: func(r *redislimit.Config) { r.URL = "" }, want: "url is empty"},
		{name: "scheme", modify: func(r *redislimit.Config) { r.URL = "http://h:1" }, want: "scheme"},
		{name: "no host", modify: func(r *redislimit.Config) { r.URL = "redis:///0" }, want: "no host"},
		{name: "unix without path", modify: func(r *redislimit.Config) { r.URL = "unix://" }, want: "socket path"},
		{name: "unparsable", modify: func(r *redislimit.Config) { r.URL = "redis://u:" + redisPassword + " x@h" }, want: "does not parse"},
		{name: "key with space", modify: func(r *redislimit.Config) { r.Key = "a b" }, want: "printable"},
		{name: "long key", modify: func(r *redislimit.Config) { r.Key = strings.Repeat("k", 201) }, want: "200 octets"},
		{name: "policy", modify: func(r *redislimit.Config) { r.OnUnavailable = 7 }, want: "failure policy"},
		{name: "timeout", modify: func(r *redislimit.Config) { r.Timeout = -1 }, want: "non-negative"},
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

func TestConfigEffectiveTimeout(t *testing.T) {
	if got := (redislimit.Config{}).EffectiveTimeout(); got != redislimit.DefaultTimeout {
		t.Fatalf("EffectiveTimeout = %v, want %v", got, redislimit.DefaultTimeout)
	}
	if got := (redislimit.Config{Timeout: time.Second}).EffectiveTimeout(); got != time.Second {
		t.Fatalf("EffectiveTimeout = %v, want 1s", got)
	}
}

func TestParseFailurePolicy(t *testing.T) {
	for give, want := range map[string]redislimit.FailurePolicy{
		"fail-closed": redislimit.FailClosed, "closed": redislimit.FailClosed,
		"fail-open": redislimit.FailOpen, " OPEN ": redislimit.FailOpen,
	} {
		got, err := redislimit.ParseFailurePolicy(give)
		if err != nil || got != want {
			t.Errorf("ParseFailurePolicy(%q) = %v, %v; want %v", give, got, err, want)
		}
		if back, err := redislimit.ParseFailurePolicy(got.String()); err != nil || back != want {
			t.Errorf("%v does not parse back: %v, %v", got, back, err)
		}
	}
	if _, err := redislimit.ParseFailurePolicy("maybe"); !errors.Is(err, domain.KindInvalidInput) {
		t.Fatalf("ParseFailurePolicy(maybe): %v, want invalid input", err)
	}
	if redislimit.FailurePolicy(9).String() != "unknown" {
		t.Fatal("unknown policy String")
	}
}
