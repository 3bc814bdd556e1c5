package ports

//go:generate mockgen -source=ratelimit.go -destination=../mocks/ratelimit_mock.go -package=mocks

import "context"

// Quota names what a RateLimiter counts.
type Quota uint8

// The quotas of the specification's section 7.1.3.
const (
	QuotaEmails      Quota = iota // messages handed to the server
	QuotaConnections              // new connections opened
)

// String returns "emails" or "connections".
func (q Quota) String() string {
	if q == QuotaConnections {
		return "connections"
	}
	return "emails"
}

// RateLimiter grants permits of a quota per window, in this process or
// shared between processes (a store every instance reaches).
// Implementations must be safe for concurrent use.
type RateLimiter interface {
	// Acquire takes one permit of q, as the limiter's behaviour says:
	// Reject fails at once when none is free, with a *domain.Error of
	// KindLocalRateLimit whose RetryAfter is the time until one frees;
	// Wait blocks until one frees or ctx ends; WaitWithTimeout blocks at
	// most its timeout, then fails as Reject does. A quota the limiter does
	// not limit always succeeds. Errors are *domain.Error (KindCancelled or
	// a timeout kind when ctx ends first).
	Acquire(ctx context.Context, q Quota) error
}
