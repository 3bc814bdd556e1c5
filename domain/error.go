package domain

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Error is the one error type of this module. Adapters translate every
// failure into an *Error at their boundary, so callers can classify any
// error with KindOf, IsTemporary and IsPermanent, or with errors.Is against
// a Kind (errors.Is(err, KindAuth)).
//
// Message never contains a secret: adapters build it from reply text and
// their own words, never from credentials.
type Error struct {
	Kind     Kind
	Op       string       // the step that failed: "dial", "starttls", "auth", "mail", "rcpt", "data", "build" ...
	Code     int          // SMTP reply code; 0 when the server did not reply
	Enhanced EnhancedCode // RFC 3463 code; the zero value when absent
	Message  string       // human-readable detail (server text or our own)
	Err      error        // the cause, if any
	// RetryAfter is how long until trying again can succeed, when known:
	// the time until a rate-limit slot frees (KindLocalRateLimit) or until
	// an open circuit breaker lets a trial through (KindCircuitOpen).
	RetryAfter time.Duration
}

// Error formats e as "smtp OP: KIND: MESSAGE (CODE ENHANCED): CAUSE".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("smtp")
	if e.Op != "" {
		b.WriteString(" ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Code != 0 {
		b.WriteString(" (")
		b.WriteString(strconv.Itoa(e.Code))
		if !e.Enhanced.IsZero() {
			b.WriteString(" ")
			b.WriteString(e.Enhanced.String())
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind or e's category, so that
// errors.Is(err, KindAuth) holds for every authentication error.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	if !ok {
		return false
	}
	return k == e.Kind || k == e.Kind.Category()
}

// Retryable reports whether the failed operation may be tried again: its
// Kind is retryable, or the server answered with a 4xx code (except for
// delivery-status-unknown, which is never retried blindly).
func (e *Error) Retryable() bool {
	if e.Kind == KindDeliveryUnknown {
		return false
	}
	return e.Kind.Retryable() || (e.Code >= 400 && e.Code < 500)
}

// Temporary reports whether the condition is expected to clear by itself:
// KindCircuitOpen (the breaker lets a trial through after RetryAfter),
// KindTemporaryFailure (which includes a 552 to RCPT, "too many
// recipients", per RFC 5321 section 4.5.3.1.10), a 4xx reply, or a
// retryable kind. KindDeliveryUnknown is not temporary: a caller that
// retries on Temporary could deliver the message twice.
func (e *Error) Temporary() bool {
	switch {
	case e.Kind == KindDeliveryUnknown:
		return false
	case e.Kind == KindTemporaryFailure, e.Kind == KindCircuitOpen:
		return true
	case e.Code >= 400 && e.Code < 500:
		return true
	case e.Code >= 500:
		return false
	}
	return e.Kind.Retryable()
}

// Permanent reports whether the server refused for good (a 5xx reply that
// is not KindTemporaryFailure) or the input itself is wrong (a message or
// authentication kind without a reply code). KindDeliveryUnknown is neither
// temporary nor permanent.
func (e *Error) Permanent() bool {
	switch {
	case e.Kind == KindDeliveryUnknown, e.Kind == KindTemporaryFailure:
		return false
	case e.Code >= 500 && e.Code < 600:
		return true
	case e.Code != 0:
		return false
	}
	switch e.Kind.Category() {
	case KindMessage, KindAuth:
		return true
	}
	return false
}

// Severity returns the severity of e's Kind.
func (e *Error) Severity() Severity { return e.Kind.Severity() }

// NewError returns an *Error of kind k for operation op with a message.
func NewError(k Kind, op, message string) *Error {
	return &Error{Kind: k, Op: op, Message: message}
}

// WrapError returns an *Error of kind k for op whose cause is err.
func WrapError(k Kind, op string, err error) *Error {
	return &Error{Kind: k, Op: op, Err: err}
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf returns the Kind of the first *Error in err's chain. A context
// cancellation becomes KindCancelled and a deadline KindTimeout; any other
// error is KindUnknown.
func KindOf(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	if e := AsError(err); e != nil {
		return e.Kind
	}
	switch {
	case errors.Is(err, context.Canceled):
		return KindCancelled
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	}
	return KindUnknown
}

// IsTemporary reports whether err is a temporary failure (see Error.Temporary).
func IsTemporary(err error) bool {
	if e := AsError(err); e != nil {
		return e.Temporary()
	}
	return KindOf(err) == KindTimeout
}

// IsPermanent reports whether err is a permanent failure (see Error.Permanent).
func IsPermanent(err error) bool {
	if e := AsError(err); e != nil {
		return e.Permanent()
	}
	return false
}

// IsRetryable reports whether err may be retried (see Error.Retryable).
func IsRetryable(err error) bool {
	if e := AsError(err); e != nil {
		return e.Retryable()
	}
	return false
}

// IsDeliveryUnknown reports whether err says the server may or may not have
// taken the message.
func IsDeliveryUnknown(err error) bool { return KindOf(err) == KindDeliveryUnknown }
