package ratelimit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go/ratelimiter"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// watchedContext closes asked the first time Done is called: the wait loop
// calls it only once it has failed to take a permit and goes to sleep.
type watchedContext struct {
	context.Context
	once  sync.Once
	asked chan struct{}
}

func (c *watchedContext) Done() <-chan struct{} {
	c.once.Do(func() { close(c.asked) })
	return c.Context.Done()
}

// inDeficit reports whether rl has handed out more permits than its window
// holds (a reservation for a later window), without taking one.
func inDeficit(rl ratelimiter.RateLimiter[any]) bool {
	return rl.TryReservePermits(0, 0) != 0
}

func TestInDeficitSeesAReservation(t *testing.T) {
	t.Parallel()
	rl := ratelimiter.NewBursty[any](1, time.Hour)
	if inDeficit(rl) {
		t.Fatal("a fresh limiter is in deficit")
	}
	rl.ReservePermit()
	rl.ReservePermit() // one for the next window
	if !inDeficit(rl) {
		t.Fatal("a reservation for the next window is not seen")
	}
}

func TestSleepingWaiterWhoseContextEndsTakesNoPermit(t *testing.T) {
	t.Parallel()
	l, err := New(Config{MaxEmails: 1, Window: time.Hour, OnLimit: Wait})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Acquire(context.Background(), ports.QuotaEmails); err != nil {
		t.Fatal(err)
	}
	inner, cancel := context.WithCancel(context.Background())
	ctx := &watchedContext{Context: inner, asked: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- l.Acquire(ctx, ports.QuotaEmails) }()

	<-ctx.asked // the waiter found no permit and sleeps
	cancel()
	if err := <-done; domain.KindOf(err) != domain.KindCancelled || !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire: %v, want %v wrapping context.Canceled", err, domain.KindCancelled)
	}
	if inDeficit(l.emails.rl) {
		t.Fatal("the cancelled waiter took a permit of a later window")
	}
}

func TestRetryAfterIsTheTimeToTheNextWindow(t *testing.T) {
	t.Parallel()
	const window = time.Hour
	l, err := New(Config{MaxEmails: 1, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Acquire(context.Background(), ports.QuotaEmails)
	before := time.Since(l.emails.start)
	err = l.Acquire(context.Background(), ports.QuotaEmails)
	after := time.Since(l.emails.start)
	de := domain.AsError(err)
	if de == nil || de.RetryAfter < window-after || de.RetryAfter > window-before {
		t.Fatalf("Acquire: %v, want RetryAfter in [%v, %v]", err, window-after, window-before)
	}
}
