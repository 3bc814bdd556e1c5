// Package review holds regression tests from an adversarial review of the
// client service (application, adapters/pool, adapters/ratelimit): each
// drives the public API through bootstrap against the in-process smtptest
// server, or a pool over hand-written sessions, and states the outcome the
// caller must get.
package review
