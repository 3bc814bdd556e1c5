// Package pool keeps SMTP sessions open between messages and lends them to
// one caller at a time; it implements ports.Pool over a ports.Transport.
//
// Main types:
//
//   - Pool lends sessions (Get), takes them back (Put, Discard), reports
//     its state (Status) and drains (Close); make one with New.
//   - Option configures a Pool: WithLogger.
//
// Every field of Config is honoured, and its zero value is the
// specification's defaults: MaxConnections bounds the sessions open at
// once, callers beyond it wait first in, first out for at most
// AcquireTimeout; idle sessions idle longer than IdleTimeout or older than
// MaxLifetime are closed, never lent; an idle session idle longer than
// HealthCheckInterval is checked with NOOP before it is lent (unless the
// interval is negative); MinIdle sessions are kept open once the server has
// answered; and a session that has carried MaxMessagesPerConnection
// messages is closed when it comes back.
//
// A session that waited in the pool may have been dropped by the server
// meanwhile (Postfix says 421 and hangs up after smtpd_timeout). When the
// first Send or SendMany on such a session fails on the connection before
// any recipient was accepted, the pool replaces it with a fresh session and
// runs the same call once more, so the caller never sees the stale one.
//
// QUIT and RSET run off the caller's path, in goroutines the pool tracks:
// once Close returns nil no goroutine of the pool is left.
package pool
