// Package domain holds the pure value types of the SMTP client: Email and its
// builder, Address, Credentials, the configuration, the protocol values
// (Reply, Capabilities) and the error taxonomy (Error, Kind).
//
// It imports only the standard library and golang.org/x/net/idna. Nothing in
// it performs network I/O, logs or keeps global mutable state, so every type
// can be used from tests and adapters alike.
//
// The RFCs it follows: RFC 5321 (reply grammar and address limits),
// RFC 3463 (enhanced status codes), RFC 5322 (addresses), RFC 6531
// (internationalised addresses) and RFC 4954 (AUTH reply codes).
package domain
