package ratelimit

import (
	"context"
	"time"

	"github.com/failsafe-go/failsafe-go/ratelimiter"

	"github.com/integrations/smtp/adapters/ratelimit/internal/permit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// quota counts the permits of one ports.Quota with a failsafe-go bursty
// limiter. Only TryAcquirePermit is used, never a reservation, so the
// limiter's permits never go into deficit: when none is free, one frees
// when the next window starts.
type quota struct {
	name   ports.Quota
	max    int
	window time.Duration
	rl     ratelimiter.RateLimiter[any]
	// start is read just after the limiter's own clock starts, so the
	// window starts computed from it are never earlier than the limiter's.
	start time.Time
}

func newQuota(name ports.Quota, max int, window time.Duration) *quota {
	rl := ratelimiter.NewBursty[any](uint(max), window)
	return &quota{name: name, max: max, window: window, rl: rl, start: time.Now()}
}

// untilNextWindow returns the time from now until the next window starts,
// in (0, window].
func (q *quota) untilNextWindow() time.Duration {
	return q.window - time.Since(q.start)%q.window
}

// try takes a permit if one is free, else returns the refusal.
func (q *quota) try() error {
	if q.rl.TryAcquirePermit() {
		return nil
	}
	return q.refusal(q.untilNextWindow())
}

// wait takes a permit, sleeping until a window starts while none is free,
// until ctx ends or, when deadline is not zero, until a permit could not be
// had by deadline. When the first try finds no permit it tells tel, once.
func (q *quota) wait(ctx context.Context, deadline time.Time, tel ports.Telemetry) error {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for first := true; ; first = false {
		// Measured before trying: should a window start in between, the
		// sleep is short and the next try is in the new window.
		next := q.untilNextWindow()
		if q.rl.TryAcquirePermit() {
			return nil
		}
		if first {
			tel.RateLimited(ctx, q.name)
		}
		if !deadline.IsZero() && time.Now().Add(next).After(deadline) {
			return q.refusal(q.untilNextWindow())
		}
		if timer == nil {
			timer = time.NewTimer(next)
		} else {
			timer.Reset(next)
		}
		select {
		case <-ctx.Done():
			return ctxError(ctx.Err())
		case <-timer.C:
		}
		if err := ctx.Err(); err != nil {
			return ctxError(err) // ended as the window started: take nothing
		}
	}
}

// refusal is the KindLocalRateLimit error of q with retryAfter.
func (q *quota) refusal(retryAfter time.Duration) *domain.Error {
	return permit.Refusal("local", q.name, q.max, q.window, retryAfter)
}

// ctxError is permit.CtxError.
func ctxError(err error) *domain.Error { return permit.CtxError(err) }
