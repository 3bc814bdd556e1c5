// Package permit holds what the rate limiters of adapters/ratelimit share:
// the errors of a refused or abandoned permit.
package permit

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Op is the Op of every rate-limit error.
const Op = "rate limit"

// Refusal is the KindLocalRateLimit error of quota q, limited to max per
// window, whose next slot frees in retryAfter; scope says whose limit it is
// ("local", "shared").
func Refusal(scope string, q ports.Quota, max int, window, retryAfter time.Duration) *domain.Error {
	return &domain.Error{
		Kind: domain.KindLocalRateLimit,
		Op:   Op,
		Message: scope + " limit of " + strconv.Itoa(max) + " " + q.String() + " per " + window.String() +
			" reached; next slot in " + RoundUp(retryAfter).String(),
		RetryAfter: retryAfter,
	}
}

// RoundUp rounds d up to a whole second from one second on, else to a
// whole millisecond, for messages.
func RoundUp(d time.Duration) time.Duration {
	unit := time.Millisecond
	if d >= time.Second {
		unit = time.Second
	}
	if r := d % unit; r != 0 {
		d += unit - r
	}
	return d
}

// CtxError turns the error of an ended context into a *domain.Error:
// KindCancelled for a cancellation, KindTimeout for a deadline (as
// domain.KindOf classifies a bare context error). The context's error
// stays in the chain.
func CtxError(err error) *domain.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &domain.Error{Kind: domain.KindTimeout, Op: Op, Message: "context deadline exceeded before a permit was granted", Err: err}
	}
	return &domain.Error{Kind: domain.KindCancelled, Op: Op, Message: "context cancelled before a permit was granted", Err: err}
}
