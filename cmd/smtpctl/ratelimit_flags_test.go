package main

import (
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
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
		want    *domain.RateLimitConfig
		wantErr bool
	}{
		{name: "none", give: rateLimitFlags{}},
		{name: "reject by default", give: rateLimitFlags{spec: "2/1m"},
			want: &domain.RateLimitConfig{MaxEmails: 2, Window: time.Minute, OnLimit: domain.RateLimitReject}},
		{name: "wait", give: rateLimitFlags{spec: "2/1m", onLimit: "wait"},
			want: &domain.RateLimitConfig{MaxEmails: 2, Window: time.Minute, OnLimit: domain.RateLimitWait}},
		{name: "unknown behaviour", give: rateLimitFlags{spec: "2/1m", onLimit: "queue"}, wantErr: true},
		{name: "on-limit alone", give: rateLimitFlags{onLimit: "wait"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := domain.DefaultConfig()
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
