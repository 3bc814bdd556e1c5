package ports

//go:generate mockgen -source=transport.go -destination=../mocks/transport_mock.go -package=mocks

import (
	"context"
	"errors"
	"io"

	"github.com/integrations/smtp/domain"
)

// Transport opens sessions to one configured server. Implementations must be
// safe for concurrent use.
type Transport interface {
	// Open dials, reads the greeting, says EHLO (HELO as a fallback),
	// negotiates TLS and authenticates as configured, and returns a session
	// ready for a mail transaction. Errors are *domain.Error.
	Open(ctx context.Context) (Session, error)
}

// Envelope is the SMTP envelope of one message.
type Envelope struct {
	From     domain.Address
	To       []domain.Address
	Size     int64 // exact octets of the message (CRLF line ends, before dot-stuffing); 0 when unknown
	EightBit bool  // the body holds 8-bit data: ask for BODY=8BITMIME
	// Unscanned says that nobody knows whether the body holds 8-bit data
	// (a stream read once, as it is sent): the session asks for
	// BODY=8BITMIME when the server offers it, and sends the body as it is
	// otherwise.
	Unscanned bool
	// Measure says that Size is unknown and the body may be written once
	// more: the session measures it by its own line-end rules (see
	// CRLFWriter) before MAIL when the server takes a declared size (SIZE),
	// so that an oversized message is refused before it is sent.
	Measure bool
}

// TxResult is the outcome of a transaction the server answered positively
// for at least one recipient.
type TxResult struct {
	Accepted []domain.Address
	Rejected []domain.RejectedRecipient
	// Response is the final reply on one line, e.g. "250 2.0.0 Ok: queued
	// as 4F2A" (of the last transaction when several were needed).
	Response string
	// QueueID is the queue ID the server named in Response (Postfix
	// "queued as 4F2A", Exim "id=1abc-..."), or "" when none could be read.
	QueueID string
	// Size is the octets of the message as the session sent it (line ends
	// as CRLF, before dot-stuffing), of the last body written; 0 when no
	// body was written.
	Size int64
}

// Transaction is one message of SendMany: its envelope and its body, which
// may be written more than once and must yield the same bytes each time.
type Transaction struct {
	Envelope Envelope
	Body     io.WriterTo
	// Trace carries the span this transaction's spans belong under (its
	// message's smtp.send, when messages of several callers share one
	// SendMany); nil means SendMany's ctx. Only tracing reads it.
	Trace context.Context
}

// TxOutcome is the outcome of one transaction of SendMany: Result, Err, or
// both (some recipients got the message and a later transaction for the
// others failed, as with Send).
type TxOutcome struct {
	Result *TxResult
	Err    error
}

// ErrNotSent is in the chain of the error of a SendMany transaction that was
// never started because an earlier one left the session unusable: no byte of
// it reached the server, so it may be sent again on another session.
var ErrNotSent = errors.New("not sent")

// Session is one greeted, possibly secured and authenticated connection. It
// is not safe for concurrent use: one goroutine at a time, as a pool hands
// it out.
type Session interface {
	// Send runs a whole mail transaction: MAIL, one RCPT per recipient, DATA
	// (or BDAT) and body, then the final reply, pipelined when the server
	// allows it. Recipients the server refuses are reported in TxResult and
	// the others still get the message; when none is accepted Send resets
	// the transaction and returns an error. body may be written more than
	// once (a server that limits recipients per transaction with 452 gets
	// the rest in a further transaction) and must yield the same bytes each
	// time. Errors are *domain.Error; KindDeliveryUnknown when the
	// connection was lost after the body and before the final reply.
	Send(ctx context.Context, env Envelope, body io.WriterTo) (*TxResult, error)
	// SendMany runs txs in order, each as Send would, and returns one
	// outcome per transaction in the same order. Every envelope is checked
	// before anything is sent: a transaction that fails the checks gets its
	// error, no byte of it is sent, and the others go ahead. With PIPELINING
	// the next transaction's MAIL, RCPT and DATA follow the previous body's
	// final dot in the same write (RFC 2920), so that a message costs one
	// round trip. A transaction refused by the server does not stop the
	// others. After a failure that leaves the session unusable (I/O, 421,
	// desync, delivery status unknown, a body that failed half-way) the
	// transactions not yet started fail with a retryable error that wraps
	// ErrNotSent (KindConnection, or the context's kind when the context
	// ended). Errors are *domain.Error.
	SendMany(ctx context.Context, txs []Transaction) []TxOutcome
	// Verify sends VRFY and returns the server's positive reply on one
	// line, e.g. "252 2.1.5 Cannot VRFY user". Errors are *domain.Error.
	Verify(ctx context.Context, address string) (string, error)
	// Noop sends NOOP, a cheap health check. Errors are *domain.Error.
	Noop(ctx context.Context) error
	// Reset sends RSET. Errors are *domain.Error.
	Reset(ctx context.Context) error
	// Info describes the connection: TLS state, capabilities, banner, user.
	Info() domain.ConnectionInfo
	// Reusable reports whether another transaction may use this session
	// (false after a 421, a protocol desync or an I/O error).
	Reusable() bool
	// Close sends QUIT when the connection is usable and closes it. It is
	// safe to call twice.
	Close() error
}

// Transcript receives every protocol line of a session, secrets already
// redacted, for verbose output and debugging. It must be safe for
// concurrent use.
type Transcript interface {
	// Line records one line; sent is true for client lines.
	Line(sent bool, line string)
}
