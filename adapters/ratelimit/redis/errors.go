package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// op is the Op of every error of this package.
const op = "rate limit"

// ErrUnavailable is in the chain of the error of a permit refused because
// Redis did not answer (RedisFailClosed): errors.Is(err, ErrUnavailable).
var ErrUnavailable = errors.New("shared rate limit store unavailable")

// refusal is the KindLocalRateLimit error of a quota that is used up.
func refusal(q ports.Quota, max int, window, retryAfter time.Duration) *domain.Error {
	return &domain.Error{
		Kind: domain.KindLocalRateLimit,
		Op:   op,
		Message: "shared limit of " + strconv.Itoa(max) + " " + q.String() + " per " + window.String() +
			" reached; next slot in " + roundUp(retryAfter).String(),
		RetryAfter: retryAfter,
	}
}

// closed is the error of a permit refused because Redis did not answer.
// cause comes from the Redis client: it names the server's address, never
// its password.
func closed(q ports.Quota, retryAfter time.Duration, cause error) *domain.Error {
	return &domain.Error{
		Kind:       domain.KindLocalRateLimit,
		Op:         op,
		Message:    "no " + q.String() + " permit: the shared quota store did not answer (fail-closed)",
		Err:        errors.Join(ErrUnavailable, cause),
		RetryAfter: retryAfter,
	}
}

// roundUp rounds d up to a whole second from one second on, else to a
// whole millisecond, for messages.
func roundUp(d time.Duration) time.Duration {
	unit := time.Millisecond
	if d >= time.Second {
		unit = time.Second
	}
	if r := d % unit; r != 0 {
		d += unit - r
	}
	return d
}

// ctxError turns the error of an ended context into a *domain.Error:
// KindCancelled for a cancellation, KindTimeout for a deadline. The
// context's error stays in the chain.
func ctxError(err error) *domain.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &domain.Error{Kind: domain.KindTimeout, Op: op, Message: "context deadline exceeded before a permit was granted", Err: err}
	}
	return &domain.Error{Kind: domain.KindCancelled, Op: op, Message: "context cancelled before a permit was granted", Err: err}
}
