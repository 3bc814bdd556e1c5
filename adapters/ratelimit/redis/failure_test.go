package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/ratelimit/redis/redistest"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const password = "Redis-Passw0rd-9f1c"

// bound is the most a decision against a dead or hung Redis may take in
// these tests: the 200ms timeout, with a wide margin for a loaded machine.
const bound = 3 * time.Second

// timed runs Acquire and fails the test when it takes longer than bound.
func timed(t *testing.T, l ports.RateLimiter, q ports.Quota) error {
	t.Helper()
	start := time.Now()
	err := l.Acquire(context.Background(), q)
	if d := time.Since(start); d > bound {
		t.Fatalf("Acquire took %v with Redis away (timeout 200ms)", d)
	}
	return err
}

func mustBeClosed(t *testing.T, err error) {
	t.Helper()
	de := domain.AsError(err)
	switch {
	case de == nil || de.Kind != domain.KindLocalRateLimit:
		t.Fatalf("Acquire: %v, want a KindLocalRateLimit error", err)
	case !errors.Is(err, redislimit.ErrUnavailable):
		t.Fatalf("Acquire: %v, want ErrUnavailable in the chain", err)
	case de.RetryAfter <= 0:
		t.Fatalf("Acquire: RetryAfter %v, want positive", de.RetryAfter)
	case strings.Contains(err.Error(), password):
		t.Fatalf("Acquire: the error shows the password: %v", err)
	}
}

func TestFailClosed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, password)
	log, tel := &logRecorder{}, &rateLimited{}
	shared := &redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t), Timeout: 200 * time.Millisecond}
	l := limiterFor(t, srv, ratelimit.Config{MaxEmails: 100, Window: time.Hour, OnLimit: ratelimit.Wait}, shared,
		redislimit.WithLogger(log), redislimit.WithTelemetry(tel), redislimit.WithRecheckInterval(300*time.Millisecond))
	if err := timed(t, l, ports.QuotaEmails); err != nil {
		t.Fatalf("with Redis up: %v", err)
	}
	srv.Kill()
	for range 5 {
		mustBeClosed(t, timed(t, l, ports.QuotaEmails))
	}
	if l.FailOpens() != 0 || tel.count() != 5 {
		t.Fatalf("fail-opens %d, rate-limited %d; want 0 and 5", l.FailOpens(), tel.count())
	}
	if n := log.count("WARN"); n != 1 || strings.Contains(log.String(), password) {
		t.Fatalf("%d warnings (want 1, for the outage), log:\n%s", n, log)
	}
	srv.Restart()
	deadline := time.Now().Add(bound)
	for l.Acquire(context.Background(), ports.QuotaEmails) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("no permit %v after Redis came back", bound)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if log.count("INFO") != 1 {
		t.Fatalf("want one notice that Redis answers again, log:\n%s", log)
	}
}

func TestFailOpen(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, password)
	cfg := ratelimit.Config{MaxEmails: 2, MaxConnections: 1, Window: time.Hour}
	fallback, err := ratelimit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := &logRecorder{}
	// A timeout a loaded machine's Redis meets, so that the decision before
	// the kill is Redis's own; a dead Redis refuses connections at once.
	shared := &redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t), Timeout: 2 * time.Second,
		OnUnavailable: redislimit.FailOpen}
	tel := &rateLimited{}
	l := limiterFor(t, srv, cfg, shared, redislimit.WithFallback(fallback), redislimit.WithLogger(log), redislimit.WithTelemetry(tel))
	if err := timed(t, l, ports.QuotaEmails); err != nil {
		t.Fatal(err)
	}
	if n := l.FailOpens(); n != 0 {
		t.Fatalf("the decision before the kill failed open (%d); Redis did not answer within 2s", n)
	}
	srv.Kill()
	// The fallback counts on its own: two emails, one connection.
	got := decisionsTimed(t, l, "e e e c c")
	if got != "++-+-" {
		t.Fatalf("with Redis dead, fail-open decisions %q, want the fallback's ++-+-", got)
	}
	if l.FailOpens() != 5 {
		t.Fatalf("FailOpens = %d, want 5", l.FailOpens())
	}
	if n := tel.failOpens(); n != 5 {
		t.Fatalf("Telemetry.RateLimitFailOpen called %d times, want 5 (smtp_rate_limit_fail_open_total)", n)
	}
	if log.count("WARN") != 1 || !strings.Contains(log.String(), "fail-open") || strings.Contains(log.String(), password) {
		t.Fatalf("want one warning naming the policy, without the password; log:\n%s", log)
	}
}

// TestFailOpenWithoutFallback grants every permit.
func TestFailOpenWithoutFallback(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "")
	shared := &redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t), Timeout: 200 * time.Millisecond,
		OnUnavailable: redislimit.FailOpen}
	l := limiterFor(t, srv, ratelimit.Config{MaxEmails: 1, Window: time.Hour}, shared)
	srv.Kill()
	if got := decisionsTimed(t, l, "e e e"); got != "+++" || l.FailOpens() != 3 {
		t.Fatalf("decisions %q, fail-opens %d; want +++ and 3", got, l.FailOpens())
	}
}

// TestHungRedis: a Redis that accepts but never answers (SIGSTOP) costs a
// decision its timeout, once per recheck interval, whatever the behaviour.
func TestHungRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "")
	for _, onLimit := range []ratelimit.Behavior{ratelimit.Reject, ratelimit.Wait} {
		shared := &redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t), Timeout: 200 * time.Millisecond}
		l := limiterFor(t, srv, ratelimit.Config{MaxEmails: 5, Window: time.Hour, OnLimit: onLimit}, shared,
			redislimit.WithRecheckInterval(time.Hour))
		if err := timed(t, l, ports.QuotaEmails); err != nil {
			t.Fatal(err)
		}
		srv.Pause()
		start := time.Now()
		mustBeClosed(t, timed(t, l, ports.QuotaEmails))
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("the first decision against a hung Redis took %v, want about the 200ms timeout", d)
		}
		start = time.Now()
		for range 20 { // within the recheck interval: Redis is not asked
			mustBeClosed(t, timed(t, l, ports.QuotaEmails))
		}
		if d := time.Since(start); d > bound {
			t.Fatalf("20 decisions within the recheck interval took %v", d)
		}
		srv.Resume()
	}
}

// TestCallerDeadlineBeforeTimeout: a caller's deadline shorter than the
// timeout ends the decision with the caller's error, not the policy's.
func TestCallerDeadlineBeforeTimeout(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "")
	shared := &redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t), Timeout: 5 * time.Second}
	l := limiterFor(t, srv, ratelimit.Config{MaxEmails: 5, Window: time.Hour}, shared)
	if err := timed(t, l, ports.QuotaEmails); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	defer srv.Resume()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := l.Acquire(ctx, ports.QuotaEmails)
	if !errors.Is(err, domain.KindTimeout) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redislimit.ErrUnavailable) {
		t.Fatalf("Acquire: %v, want the caller's deadline", err)
	}
}

// decisionsTimed is decisions with every call bounded.
func decisionsTimed(t *testing.T, l ports.RateLimiter, steps string) string {
	t.Helper()
	var out strings.Builder
	for _, s := range strings.Fields(steps) {
		q := ports.QuotaEmails
		if s == "c" {
			q = ports.QuotaConnections
		}
		switch err := timed(t, l, q); {
		case err == nil:
			out.WriteString("+")
		case domain.KindOf(err) == domain.KindLocalRateLimit:
			out.WriteString("-")
		default:
			t.Fatalf("Acquire(%v): %v", q, err)
		}
	}
	return out.String()
}
