// Package domain holds the mail values of the SMTP client and its error
// taxonomy: Email and its builder, Address, Credentials and Secret, message
// ids, the Check* validators of caller input, the results of a send, and
// Error with its Kind.
//
// # Errors
//
// Every failure the module reports is an *Error with a Kind (errors.Is
// matches a Kind or its category). Every error is in exactly one class,
// decided in one place from its Kind and reply code, and the predicates are
// derived from that class, so they never disagree:
//
//   - temporary (IsTemporary): trying again later can succeed: a 4xx reply,
//     KindTemporaryFailure (a 552 to RCPT included), an open circuit, and
//     without a reply code KindServerShutdown and the connection, timeout,
//     rate-limit and pool kinds; a context deadline counts as a timeout;
//   - permanent (IsPermanent): sending again unchanged fails again: a 5xx
//     reply, and without a reply code the message, authentication, TLS and
//     protocol kinds;
//   - delivery status unknown (IsDeliveryUnknown): the server may have taken
//     the message; it is never retried blindly;
//   - none: nil, an error this module did not make, KindUnknown and
//     KindCancelled (the caller cancelled; it knows whether to try again).
//
// Whether the client retries is its retry policy's decision, on top of
// this classification.
//
// It imports only the standard library, golang.org/x/net/idna and the
// module's internal/rfc5322. Nothing in it performs network I/O, logs or
// keeps global mutable state, so every type can be used from tests and
// adapters alike.
//
// The RFCs it follows: RFC 5321 (address limits), RFC 3463 (enhanced status
// codes), RFC 5322 (addresses, header fields) and RFC 6531
// (internationalised addresses).
package domain
