// Package redis is a ports.RateLimiter whose quotas live in Redis, so that
// every process that uses the same Redis and the same quota key shares one
// quota: a provider's per-account limit, however many replicas send.
//
// # Algorithm
//
// Each quota is a sliding-window log: a sorted set of the permits granted
// in the last Window, scored by the time Redis granted them. One Lua script,
// run atomically by Redis (EVALSHA, with EVAL the first time a server sees
// it), drops the entries older than Window, counts the rest, and either adds
// a permit or answers with the time until the oldest entry that blocks
// leaves the window. So a decision is one round trip, the clock is Redis's
// own (TIME), never the callers', and at most MaxEmails (MaxConnections)
// permits are granted in any interval of length Window: the tolerance is
// zero on Redis's clock. It is stricter than the in-memory limiter, whose
// fixed windows let up to twice the limit through across a window boundary.
// The cost is memory: one sorted-set entry (about 60 octets) per permit
// granted in the last Window.
//
// # Keys
//
// "smtp:ratelimit:{KEY}:emails:WINDOW" and
// "smtp:ratelimit:{KEY}:connections:WINDOW", where KEY is
// Config.Key and WINDOW the window in milliseconds; a key
// expires one window after its last permit. Clients that share a KEY and a
// window share the quota; clients with different windows count apart.
//
// # Behaviours
//
// Reject, Wait and WaitWithTimeout behave as in the in-memory limiter
// (package ratelimittest holds the contract both keep). A waiter sleeps
// until Redis says a slot frees and asks again; it never reserves a permit,
// so a waiter whose context ends costs nobody a permit.
//
// # When Redis does not answer
//
// Each round trip is bounded by Config.Timeout. When it
// fails, Config.OnUnavailable decides: FailClosed
// refuses with a KindLocalRateLimit error that wraps ErrUnavailable;
// FailOpen asks the fallback limiter (WithFallback: bootstrap passes
// the in-memory limiter of the same configuration) and logs a warning.
// After a failure Redis is left alone for the recheck interval (one second
// by default), so an outage costs each decision nothing more than the
// policy's own answer. FailOpens counts the decisions made by the fallback.
package redis
