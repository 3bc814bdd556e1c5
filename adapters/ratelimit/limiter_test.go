package ratelimit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/adapters/ratelimit/ratelimittest"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

func newLimiter(t *testing.T, cfg ratelimit.Config) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return l
}

func TestContract(t *testing.T) {
	t.Parallel()
	ratelimittest.Contract(t, func(t *testing.T, cfg ratelimit.Config) ports.RateLimiter {
		return newLimiter(t, cfg)
	})
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give ratelimit.Config
		want bool // valid
	}{
		{"reject", ratelimit.Config{MaxEmails: 1, Window: time.Second}, true},
		{"wait with connections", ratelimit.Config{MaxEmails: 1, Window: time.Second, MaxConnections: 3, OnLimit: ratelimit.Wait}, true},
		{"wait with timeout", ratelimit.Config{MaxEmails: 1, Window: time.Second, OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: time.Second}, true},
		{"no emails", ratelimit.Config{Window: time.Second}, false},
		{"negative emails", ratelimit.Config{MaxEmails: -1, Window: time.Second}, false},
		{"no window", ratelimit.Config{MaxEmails: 1}, false},
		{"negative connections", ratelimit.Config{MaxEmails: 1, Window: time.Second, MaxConnections: -1}, false},
		{"unknown behaviour", ratelimit.Config{MaxEmails: 1, Window: time.Second, OnLimit: 9}, false},
		{"wait with timeout without timeout", ratelimit.Config{MaxEmails: 1, Window: time.Second, OnLimit: ratelimit.WaitWithTimeout}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := ratelimit.New(tt.give)
			if tt.want {
				if err != nil || l == nil {
					t.Fatalf("New: %v, %v; want a limiter", l, err)
				}
				return
			}
			if l != nil || domain.AsError(err) == nil || domain.KindOf(err) != domain.KindInvalidInput {
				t.Fatalf("New: %v, %v; want nil and a %v *domain.Error", l, err, domain.KindInvalidInput)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := ratelimit.New(ratelimit.Config{MaxConnections: -1, OnLimit: ratelimit.WaitWithTimeout})
	for _, want := range []string{"positive window", "non-negative", "positive wait timeout"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v, want it to mention %q", err, want)
		}
	}
}

func TestRefusalSaysWhatAndWhen(t *testing.T) {
	t.Parallel()
	l := newLimiter(t, ratelimit.Config{MaxEmails: 1, MaxConnections: 2, Window: time.Minute})
	for _, q := range []ports.Quota{ports.QuotaEmails, ports.QuotaConnections} {
		for l.Acquire(context.Background(), q) == nil {
		}
	}
	tests := []struct {
		give ports.Quota
		want string
	}{
		{ports.QuotaEmails, "smtp rate limit: local_rate_limit_exceeded: local limit of 1 emails per 1m0s reached; next slot in "},
		{ports.QuotaConnections, "smtp rate limit: local_rate_limit_exceeded: local limit of 2 connections per 1m0s reached; next slot in "},
	}
	for _, tt := range tests {
		err := l.Acquire(context.Background(), tt.give)
		de := domain.AsError(err)
		if de == nil || de.Op != "rate limit" || !strings.HasPrefix(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), "s") {
			t.Errorf("Acquire(%v): %v, want %q and a duration", tt.give, err, tt.want)
		}
	}
}

func TestWaitWithTimeoutRefusesAtOnceWhenTheNextWindowIsTooFar(t *testing.T) {
	t.Parallel()
	const waitTimeout = 30 * time.Minute
	l := newLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour,
		OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: waitTimeout})
	if err := l.Acquire(context.Background(), ports.QuotaEmails); err != nil {
		t.Fatalf("first Acquire: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Acquire(context.Background(), ports.QuotaEmails) }()
	select {
	case err := <-done:
		if de := domain.AsError(err); de == nil || de.Kind != domain.KindLocalRateLimit || de.RetryAfter <= waitTimeout {
			t.Fatalf("Acquire: %v, want %v with RetryAfter beyond the wait timeout", err, domain.KindLocalRateLimit)
		}
	case <-time.After(20 * time.Second): // far below the wait timeout
		t.Fatal("Acquire waited although no permit could come within its timeout")
	}
}

func TestUnlimitedQuotasPassWhateverTheContext(t *testing.T) {
	t.Parallel()
	l := newLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour, OnLimit: ratelimit.Wait})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, q := range []ports.Quota{ports.QuotaConnections, ports.Quota(7)} {
		for range 100 {
			if err := l.Acquire(ctx, q); err != nil {
				t.Fatalf("Acquire(%d): %v, want nil", q, err)
			}
		}
	}
	if err := l.Acquire(ctx, ports.QuotaEmails); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire(emails) with a cancelled context: %v, want it cancelled", err)
	}
}
