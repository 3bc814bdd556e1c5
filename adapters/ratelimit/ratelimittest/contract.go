// Package ratelimittest holds the contract every ports.RateLimiter must
// keep, so that an in-process limiter and one shared through a store make
// the same decisions for the same calls.
package ratelimittest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// NewLimiter returns a new limiter for cfg whose windows start about now
// and whose counts are its own (a shared limiter uses fresh keys). It may
// call t.Fatal and register cleanups with t.Cleanup.
type NewLimiter func(t *testing.T, cfg ratelimit.Config) ports.RateLimiter

// patience bounds every wait of the contract; it is long so that a loaded
// machine passes, never to measure speed.
const patience = 20 * time.Second

// Contract runs the decisions a ports.RateLimiter must make, as parallel
// subtests of t, each with a limiter of its own from newLimiter:
//
//   - Reject, 1 email a minute: the first passes, the second is refused
//     with KindLocalRateLimit, 0 < RetryAfter <= 1m, temporary.
//   - Reject, 5 an hour: exactly 5 pass, the next three are refused.
//   - emails and connections are counted apart; MaxConnections 0 does not
//     limit connections.
//   - a context that has ended gets KindCancelled (or a KindTimeout kind for
//     a deadline) with the context's error in the chain, and takes no
//     permit, in every behaviour; so does a waiter whose context ends.
//   - WaitWithTimeout shorter than the window is refused as Reject is.
//   - Wait and WaitWithTimeout (timeout longer than the window) pass in a
//     later window: three emails at 1 per 200ms take more than 200ms.
//   - 50 concurrent callers with Reject, 10 an hour: exactly 10 pass; with
//     Wait, exactly 10 pass and the 40 others wait until their context is
//     cancelled.
func Contract(t *testing.T, newLimiter NewLimiter) {
	t.Helper()
	t.Run("reject/one per minute", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Minute})
		mustPass(t, l, ports.QuotaEmails)
		mustRefuse(t, l, ports.QuotaEmails, time.Minute)
	})
	t.Run("reject/exactly N per window", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t, ratelimit.Config{MaxEmails: 5, Window: time.Hour})
		for range 5 {
			mustPass(t, l, ports.QuotaEmails)
		}
		for range 3 {
			mustRefuse(t, l, ports.QuotaEmails, time.Hour)
		}
	})
	t.Run("quotas are independent", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t, ratelimit.Config{MaxEmails: 1, MaxConnections: 2, Window: time.Hour})
		mustPass(t, l, ports.QuotaEmails)
		mustRefuse(t, l, ports.QuotaEmails, time.Hour)
		mustPass(t, l, ports.QuotaConnections)
		mustPass(t, l, ports.QuotaConnections)
		mustRefuse(t, l, ports.QuotaConnections, time.Hour)
	})
	t.Run("unlimited connections", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour, OnLimit: ratelimit.Wait})
		for range 1000 {
			mustPass(t, l, ports.QuotaConnections)
		}
		mustPass(t, l, ports.QuotaEmails)
	})
	t.Run("ended context takes no permit", func(t *testing.T) { t.Parallel(); endedContext(t, newLimiter) })
	t.Run("waiter whose context ends", func(t *testing.T) { t.Parallel(); waiterContextEnds(t, newLimiter) })
	t.Run("wait with timeout shorter than the window", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour,
			OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: 50 * time.Millisecond})
		mustPass(t, l, ports.QuotaEmails)
		mustRefuse(t, l, ports.QuotaEmails, time.Hour)
	})
	t.Run("wait passes in a later window", func(t *testing.T) {
		t.Parallel()
		laterWindow(t, newLimiter, ratelimit.Config{OnLimit: ratelimit.Wait})
	})
	t.Run("wait with timeout passes in a later window", func(t *testing.T) {
		t.Parallel()
		laterWindow(t, newLimiter, ratelimit.Config{OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: patience})
	})
	t.Run("concurrent reject", func(t *testing.T) { t.Parallel(); concurrentReject(t, newLimiter) })
	t.Run("concurrent wait", func(t *testing.T) { t.Parallel(); concurrentWait(t, newLimiter) })
}

func endedContext(t *testing.T, newLimiter NewLimiter) {
	behaviours := []ratelimit.Config{
		{OnLimit: ratelimit.Reject},
		{OnLimit: ratelimit.Wait},
		{OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: 50 * time.Millisecond},
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, stop := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer stop()
	for _, cfg := range behaviours {
		cfg.MaxEmails, cfg.Window = 1, time.Hour
		l := newLimiter(t, cfg)
		mustEnd(t, l.Acquire(cancelled, ports.QuotaEmails), context.Canceled)
		mustEnd(t, l.Acquire(expired, ports.QuotaEmails), context.DeadlineExceeded)
		mustPass(t, l, ports.QuotaEmails) // the only permit is still there
		if cfg.OnLimit != ratelimit.Wait {
			mustRefuse(t, l, ports.QuotaEmails, time.Hour)
		}
	}
}

func waiterContextEnds(t *testing.T, newLimiter NewLimiter) {
	l := newLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour, OnLimit: ratelimit.Wait})
	mustPass(t, l, ports.QuotaEmails)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Acquire(ctx, ports.QuotaEmails) }()
	cancel()
	mustEnd(t, receive(t, done), context.Canceled)

	ctx, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	go func() { done <- l.Acquire(ctx, ports.QuotaEmails) }()
	mustEnd(t, receive(t, done), context.DeadlineExceeded)
}

// laterWindow checks that with one email per 200ms three emails pass and
// take more than one window: the third is at least two windows after the
// window in which the first call was made.
func laterWindow(t *testing.T, newLimiter NewLimiter, cfg ratelimit.Config) {
	cfg.MaxEmails, cfg.Window = 1, 200*time.Millisecond
	l := newLimiter(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	done := make(chan error, 3)
	start := time.Now()
	go func() {
		for range 3 {
			done <- l.Acquire(ctx, ports.QuotaEmails)
		}
	}()
	for i := range 3 {
		if err := receive(t, done); err != nil {
			t.Fatalf("Acquire %d: %v, want nil", i+1, err)
		}
	}
	if elapsed := time.Since(start); elapsed < cfg.Window {
		t.Fatalf("three emails at one per %v passed in %v", cfg.Window, elapsed)
	}
}

func concurrentReject(t *testing.T, newLimiter NewLimiter) {
	const callers, max = 50, 10
	l := newLimiter(t, ratelimit.Config{MaxEmails: max, Window: time.Hour})
	results := make(chan error, callers)
	gate := make(chan struct{})
	for range callers {
		go func() {
			<-gate
			results <- l.Acquire(context.Background(), ports.QuotaEmails)
		}()
	}
	close(gate)
	passed := 0
	for range callers {
		err := receive(t, results)
		if err == nil {
			passed++
			continue
		}
		if domain.KindOf(err) != domain.KindLocalRateLimit {
			t.Errorf("Acquire: %v, want nil or %v", err, domain.KindLocalRateLimit)
		}
	}
	if passed != max {
		t.Fatalf("%d of %d concurrent callers passed a limit of %d", passed, callers, max)
	}
}

func concurrentWait(t *testing.T, newLimiter NewLimiter) {
	const callers, max = 50, 10
	l := newLimiter(t, ratelimit.Config{MaxEmails: max, Window: time.Hour, OnLimit: ratelimit.Wait})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	results := make(chan error, callers)
	for range callers {
		go func() { results <- l.Acquire(ctx, ports.QuotaEmails) }()
	}
	for i := range max {
		if err := receive(t, results); err != nil {
			t.Fatalf("result %d: %v, want the first %d to pass", i+1, err, max)
		}
	}
	cancel()
	for range callers - max {
		mustEnd(t, receive(t, results), context.Canceled)
	}
}

func mustPass(t *testing.T, l ports.RateLimiter, q ports.Quota) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := l.Acquire(ctx, q); err != nil {
		t.Fatalf("Acquire(%v): %v, want nil", q, err)
	}
}

// mustRefuse checks that l refuses q now as Reject does.
func mustRefuse(t *testing.T, l ports.RateLimiter, q ports.Quota, window time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	err := l.Acquire(ctx, q)
	var de *domain.Error
	switch {
	case !errors.As(err, &de):
		t.Fatalf("Acquire(%v): %v, want a *domain.Error", q, err)
	case de.Kind != domain.KindLocalRateLimit:
		t.Fatalf("Acquire(%v): kind %v, want %v (%v)", q, de.Kind, domain.KindLocalRateLimit, err)
	case de.RetryAfter <= 0 || de.RetryAfter > window:
		t.Fatalf("Acquire(%v): RetryAfter %v, want in (0, %v]", q, de.RetryAfter, window)
	case !domain.IsTemporary(err) || !errors.Is(err, domain.KindRateLimit):
		t.Fatalf("Acquire(%v): %v is not a temporary rate-limit error", q, err)
	}
}

// mustEnd checks err is the *domain.Error of a context that ended with
// cause: KindCancelled for context.Canceled, a KindTimeout kind for
// context.DeadlineExceeded.
func mustEnd(t *testing.T, err, cause error) {
	t.Helper()
	want := domain.KindCancelled
	if errors.Is(cause, context.DeadlineExceeded) {
		want = domain.KindTimeout
	}
	if domain.AsError(err) == nil || !errors.Is(err, want) || !errors.Is(err, cause) {
		t.Fatalf("Acquire: %v, want a *domain.Error of %v wrapping %v", err, want, cause)
	}
}

func receive(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(patience):
		t.Fatalf("no result in %v", patience)
		return nil
	}
}
