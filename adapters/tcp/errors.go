package tcp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/integrations/smtp/domain"
)

// ctxError turns the error of an ended context into a *domain.Error:
// KindCancelled for a cancellation, KindCommandTimeout for a deadline. The
// context's error stays in the chain, so errors.Is(err, context.Canceled)
// holds.
func ctxError(op string, err error) *domain.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &domain.Error{Kind: domain.KindCommandTimeout, Op: op, Message: "the deadline of the call passed", Err: err}
	}
	return &domain.Error{Kind: domain.KindCancelled, Op: op, Message: "the call was cancelled", Err: err}
}

// ioError classifies a failed read (write false) or write on an established
// connection. A *domain.Error passes through with op set.
func ioError(op string, write bool, err error) *domain.Error {
	if de := domain.AsError(err); de != nil {
		return withOp(de, op)
	}
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Op == "remote error":
		// A TLS alert after the handshake: with TLS 1.3 a server that
		// refuses the client certificate says so at the first read.
		return &domain.Error{Kind: domain.KindTLSHandshake, Op: op, Message: alertMessage(oe.Err), Err: err}
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		if write {
			return &domain.Error{Kind: domain.KindWriteTimeout, Op: op, Message: "write timed out", Err: err}
		}
		return &domain.Error{Kind: domain.KindReadTimeout, Op: op, Message: "no reply in time", Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.ErrClosedPipe),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED):
		return &domain.Error{Kind: domain.KindConnectionReset, Op: op, Message: "connection closed", Err: err}
	}
	return &domain.Error{Kind: domain.KindConnection, Op: op, Err: err}
}

// alertMessage explains a TLS alert the server sent (crypto/tls reports it
// as a *net.OpError "remote error" whose text is all there is).
func alertMessage(alert error) string {
	text := "TLS alert"
	if alert != nil {
		text = alert.Error()
	}
	switch text {
	case "tls: certificate required", "tls: bad certificate", "tls: unknown certificate authority",
		"tls: certificate unknown", "tls: certificate revoked", "tls: certificate expired", "tls: unsupported certificate":
		return "the server refused the client certificate, or requires one (" + text + ")"
	}
	return "the server ended the TLS session (" + text + ")"
}

// dialError classifies a failed dial that was not caused by a context.
func dialError(err error) *domain.Error {
	if de := domain.AsError(err); de != nil {
		return withOp(de, "dial")
	}
	var dnsErr *net.DNSError
	var ne net.Error
	k := domain.KindConnection
	switch {
	case errors.As(err, &dnsErr):
		k = domain.KindDNSResolution
	case errors.Is(err, syscall.ECONNREFUSED):
		k = domain.KindConnectionRefused
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		k = domain.KindNetworkUnreachable
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		k = domain.KindConnectTimeout
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF):
		k = domain.KindConnectionReset
	}
	return &domain.Error{Kind: k, Op: "dial", Err: err}
}

// withOp returns e with its Op replaced, leaving e itself untouched.
func withOp(e *domain.Error, op string) *domain.Error {
	if e.Op == op {
		return e
	}
	c := *e
	c.Op = op
	return &c
}

// replyError maps a reply that is not the one expected: a negative reply
// through negativeReplyError, any other through KindUnexpectedResponse.
func replyError(stage smtpStage, r *smtpReply) *domain.Error {
	if e := negativeReplyError(stage, r); e != nil {
		return e
	}
	return &domain.Error{
		Kind: domain.KindUnexpectedResponse, Op: string(stage), Code: r.Code, Enhanced: r.Enhanced,
		Message: "unexpected reply: " + r.Text(),
	}
}

// deliveryUnknown wraps the failure that ended a session between the end of
// the message and the server's verdict.
func deliveryUnknown(err error) *domain.Error {
	return &domain.Error{
		Kind:    domain.KindDeliveryUnknown,
		Op:      string(stageBody),
		Message: "connection lost after the message was sent and before the server answered; it may or may not have been delivered",
		Err:     err,
	}
}

// scrubError returns err with the secrets of sc removed from its text: the
// Message of a *domain.Error is scrubbed in a copy, and a cause whose text
// shows a secret is wrapped so that its text is scrubbed while errors.Is
// and errors.As still reach it. With a nil sc, or nothing to scrub, err
// comes back as it is.
func scrubError(sc *domain.Scrubber, err error) error {
	if sc == nil || err == nil {
		return err
	}
	de, ok := err.(*domain.Error)
	if !ok {
		return scrubCause(sc, err)
	}
	msg, cause := sc.Scrub(de.Message), scrubCause(sc, de.Err)
	if msg == de.Message && cause == de.Err {
		return de
	}
	c := *de
	c.Message, c.Err = msg, cause
	return &c
}

// scrubCause wraps err in a scrubbedError when its text shows a secret.
func scrubCause(sc *domain.Scrubber, err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if clean := sc.Scrub(text); clean != text {
		return &scrubbedError{text: clean, err: err}
	}
	return err
}

// scrubbedError shows a scrubbed text in place of the text of err, which
// stays in the chain.
type scrubbedError struct {
	text string
	err  error
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }

// refreshError makes the failure of CredentialProvider.Refresh an error of
// an auth kind: a cancellation or deadline of ctx as ctxError, an auth-kind
// *domain.Error as it is, anything else as KindAuth wrapping it. Its text
// is scrubbed of the refused secret.
func refreshError(ctx context.Context, sc *domain.Scrubber, err error) error {
	op := string(stageAuth)
	if cerr := ctx.Err(); cerr != nil {
		return ctxError(op, cerr)
	}
	if de := domain.AsError(err); de != nil && de.Kind.Category() == domain.KindAuth {
		return scrubError(sc, de)
	}
	return scrubError(sc, &domain.Error{Kind: domain.KindAuth, Op: op,
		Message: "the server refused the credentials and refreshing them failed", Err: err})
}

// refusedCredentials makes the refusal of a token a KindCredentialsInvalid
// error (a 5xx after the OAuth error challenge may carry another code);
// again says that it was refused after a refresh too.
func refusedCredentials(err error, again bool) error {
	de, ok := err.(*domain.Error)
	if !ok {
		return err
	}
	c := *de
	c.Kind = domain.KindCredentialsInvalid
	if again {
		c.Message += " (refused again after the credentials were refreshed)"
	}
	return &c
}
