// Package ratelimit is the in-process rate limiter: it implements
// ports.RateLimiter from a Config, counting each quota
// (emails, connections) with a failsafe-go bursty rate limiter, which grants
// MaxEmails (MaxConnections) permits in each fixed window of Window that
// starts when the Limiter is made.
//
// Main types and functions:
//
//   - Limiter, made by New, grants permits as the configuration's
//     behaviour says: Reject, Wait or WaitWithTimeout.
//   - LimitConnections decorates a ports.Transport so that every Open takes
//     a connection permit first.
//   - WithTelemetry, an option of New, reports each permit refused or
//     waited for to ports.Telemetry.RateLimited, for both quotas (the
//     connection permits LimitConnections takes included).
//
// Waiting callers never reserve a permit ahead of time: they sleep until the
// next window starts and then try again, so a caller whose context ends
// while it waits costs nobody a permit. Waiters are not served in arrival
// order.
//
// The limits are those of this process only; a limiter shared by several
// instances needs a store they all reach (the contract such a limiter must
// keep is in package ratelimittest). Every failure is a *domain.Error.
package ratelimit
