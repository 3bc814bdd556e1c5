package main

import (
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/bootstrap"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give       string
		wantN      int
		wantWindow time.Duration
		wantErr    bool
	}{
		{give: "100/1m", wantN: 100, wantWindow: time.Minute},
		{give: "10/s", wantN: 10, wantWindow: time.Second},
		{give: "5000/h", wantN: 5000, wantWindow: time.Hour},
		{give: "3/m", wantN: 3, wantWindow: time.Minute},
		{give: "7/90s", wantN: 7, wantWindow: 90 * time.Second},
		{give: "1/1h30m", wantN: 1, wantWindow: 90 * time.Minute},
		{give: " 2 / 1s ", wantN: 2, wantWindow: time.Second},
		{give: "100", wantErr: true},
		{give: "/1m", wantErr: true},
		{give: "0/1m", wantErr: true},
		{give: "-1/1m", wantErr: true},
		{give: "1.5/1m", wantErr: true},
		{give: "x/1m", wantErr: true},
		{give: "10/", wantErr: true},
		{give: "10/0s", wantErr: true},
		{give: "10/-1m", wantErr: true},
		{give: "10/d", wantErr: true},
		{give: "10/minute", wantErr: true},
		{give: "10/1m/2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			n, w, err := parseRateLimit(tt.give)
			if tt.wantErr {
				if err == nil || exitCode(err) != exitUsage {
					t.Fatalf("got %d/%v, err %v; want a usage error", n, w, err)
				}
				return
			}
			if err != nil || n != tt.wantN || w != tt.wantWindow {
				t.Fatalf("got %d/%v, err %v; want %d/%v", n, w, err, tt.wantN, tt.wantWindow)
			}
		})
	}
}

func TestRateLimitFlagsApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    rateLimitFlags
		want    *ratelimit.Config
		wantErr bool
	}{
		{name: "none", give: rateLimitFlags{}},
		{name: "reject by default", give: rateLimitFlags{spec: "2/1m"},
			want: &ratelimit.Config{MaxEmails: 2, Window: time.Minute, OnLimit: ratelimit.Reject}},
		{name: "wait", give: rateLimitFlags{spec: "2/1m", onLimit: "wait"},
			want: &ratelimit.Config{MaxEmails: 2, Window: time.Minute, OnLimit: ratelimit.Wait}},
		{name: "unknown behaviour", give: rateLimitFlags{spec: "2/1m", onLimit: "queue"}, wantErr: true},
		{name: "on-limit alone", give: rateLimitFlags{onLimit: "wait"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bootstrap.Config{}
			err := tt.give.apply(&cfg)
			if tt.wantErr {
				if exitCode(err) != exitUsage || cfg.RateLimit != nil {
					t.Fatalf("err %v, rate limit %+v; want a usage error and no limit", err, cfg.RateLimit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (cfg.RateLimit == nil) != (tt.want == nil) || tt.want != nil && *cfg.RateLimit != *tt.want {
				t.Fatalf("rate limit %+v, want %+v", cfg.RateLimit, tt.want)
			}
		})
	}
}

func TestRateLimitFlagsShared(t *testing.T) {
	t.Parallel()
	const pw = "flag-Redis-pw"
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tests := []struct {
		name    string
		give    rateLimitFlags
		want    *redislimit.Config
		wantErr string
	}{
		{name: "no redis", give: rateLimitFlags{spec: "2/1m", lookupEnv: env()}},
		{name: "flags", give: rateLimitFlags{spec: "2/1m", redisURL: "redis://127.0.0.1:6390/0", key: "acct", lookupEnv: env()},
			want: &redislimit.Config{URL: "redis://127.0.0.1:6390/0", Key: "acct"}},
		{name: "env", give: rateLimitFlags{spec: "2/1m", lookupEnv: env("SMTP_RATE_LIMIT_REDIS_URL", "redis://e:1", "SMTP_RATE_LIMIT_KEY", "ek")},
			want: &redislimit.Config{URL: "redis://e:1", Key: "ek"}},
		{name: "flags override env", give: rateLimitFlags{spec: "2/1m", key: "fk", onUnavailable: "fail-open",
			lookupEnv: env("SMTP_RATE_LIMIT_REDIS_URL", "redis://e:1", "SMTP_RATE_LIMIT_KEY", "ek")},
			want: &redislimit.Config{URL: "redis://e:1", Key: "fk", OnUnavailable: redislimit.FailOpen}},
		{name: "env without --rate-limit is ignored", give: rateLimitFlags{lookupEnv: env("SMTP_RATE_LIMIT_REDIS_URL", "redis://e:1")}},
		{name: "redis without --rate-limit", give: rateLimitFlags{redisURL: "redis://h:1", lookupEnv: env()}, wantErr: "--rate-limit-redis needs --rate-limit"},
		{name: "key without --rate-limit", give: rateLimitFlags{key: "k", lookupEnv: env()}, wantErr: "--rate-limit-key needs"},
		{name: "policy without --rate-limit", give: rateLimitFlags{onUnavailable: "fail-open", lookupEnv: env()}, wantErr: "--rate-limit-on-unavailable needs"},
		{name: "key without a url", give: rateLimitFlags{spec: "2/1m", key: "k", lookupEnv: env()}, wantErr: "need --rate-limit-redis"},
		{name: "bad policy", give: rateLimitFlags{spec: "2/1m", redisURL: "redis://h:1", onUnavailable: "maybe", lookupEnv: env()}, wantErr: "fail-closed or fail-open"},
		{name: "bad url", give: rateLimitFlags{spec: "2/1m", redisURL: "http://h:1", lookupEnv: env()}, wantErr: "scheme"},
		{name: "password on the command line", give: rateLimitFlags{spec: "2/1m", redisURL: "redis://:" + pw + "@h:1", lookupEnv: env()},
			wantErr: "SMTP_RATE_LIMIT_REDIS_URL"},
		{name: "password in the env", give: rateLimitFlags{spec: "2/1m", key: "k", lookupEnv: env("SMTP_RATE_LIMIT_REDIS_URL", "redis://:"+pw+"@h:1")},
			want: &redislimit.Config{URL: redislimit.URL("redis://:" + pw + "@h:1"), Key: "k"}},
		{name: "bad env url", give: rateLimitFlags{spec: "2/1m", lookupEnv: env("SMTP_RATE_LIMIT_REDIS_URL", "http://:"+pw+"@h")}, wantErr: "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := bootstrap.Config{}
			err := tt.give.apply(&cfg)
			if tt.wantErr != "" {
				if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), pw) {
					t.Fatalf("err %v; want a usage error naming %q, without the password", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.RateLimitRedis
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Fatalf("Redis %v, want %v", got, tt.want)
			}
		})
	}
}
