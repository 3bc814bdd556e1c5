package redis

import (
	"errors"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit/internal/permit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// op is the Op of every error of this package.
const op = permit.Op

// ErrUnavailable is in the chain of the error of a permit refused because
// Redis did not answer (FailClosed): errors.Is(err, ErrUnavailable).
var ErrUnavailable = errors.New("shared rate limit store unavailable")

// refusal is the KindLocalRateLimit error of a quota that is used up.
func refusal(q ports.Quota, max int, window, retryAfter time.Duration) *domain.Error {
	return permit.Refusal("shared", q, max, window, retryAfter)
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

// ctxError is permit.CtxError.
func ctxError(err error) *domain.Error { return permit.CtxError(err) }
