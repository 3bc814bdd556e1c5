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
// error with KindOf, or with errors.Is against a Kind (errors.Is(err,
// KindAuth)).
//
// Every error is in exactly one class, decided by its Kind and its reply
// Code in one place: temporary (IsTemporary: trying again later can
// succeed), permanent (IsPermanent: sending again unchanged fails again) or
// delivery status unknown (IsDeliveryUnknown: the server may have taken the
// message; never retried blindly). A nil error, an error this module did
// not make, KindUnknown and KindCancelled (the caller's own decision) are in
// none. The three predicates are derived from that one class, so they never
// disagree. Whether the client itself retries is its retry policy's choice
// on top of this (package application).
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

// IsTemporary reports whether err is temporary: trying again later can
// succeed. A 4xx reply, KindTemporaryFailure (which includes a 552 to RCPT,
// "too many recipients", RFC 5321 section 4.5.3.1.10), an open circuit
// (KindCircuitOpen: the breaker lets a trial through after RetryAfter), and,
// without a reply code, the connection, timeout, rate-limit and pool kinds
// and KindServerShutdown. A context deadline (context.DeadlineExceeded, even
// not wrapped in an *Error) is a timeout, so it is temporary.
func IsTemporary(err error) bool { return classify(err) == classTemporary }

// IsPermanent reports whether err is permanent: sending again unchanged
// will fail again. A 5xx reply other than KindTemporaryFailure, and, without
// a reply code, the message, authentication, TLS and protocol kinds (bad
// input, refused credentials, a certificate or TLS setup that does not
// work, a server that breaks the protocol).
func IsPermanent(err error) bool { return classify(err) == classPermanent }

// IsDeliveryUnknown reports whether err says the server may or may not have
// taken the message (KindDeliveryUnknown): it is neither temporary nor
// permanent, and never retried blindly, since a retry may deliver the
// message twice.
func IsDeliveryUnknown(err error) bool { return classify(err) == classDeliveryUnknown }

// class is the one classification of an error from which IsTemporary,
// IsPermanent and IsDeliveryUnknown are derived, so at most one of them
// holds for any error.
type class uint8

const (
	classNone            class = iota // nil, a foreign error, KindUnknown, KindCancelled
	classTemporary                    // trying again later can succeed
	classPermanent                    // sending again unchanged fails again
	classDeliveryUnknown              // the server may have taken the message
)

// classify returns the class of err from its Kind (KindOf) and, for an
// *Error, its reply code: the kind's own class where the kind says more than
// the code (delivery unknown, KindTemporaryFailure, an open circuit), else
// the code's (4xx temporary, 5xx permanent), else the kind's category's.
func classify(err error) class {
	k, code := KindOf(err), 0
	if e := AsError(err); e != nil {
		code = e.Code
	}
	switch {
	case k == KindDeliveryUnknown:
		return classDeliveryUnknown
	case k == KindTemporaryFailure, k == KindCircuitOpen:
		return classTemporary
	case code >= 400 && code < 500:
		return classTemporary
	case code >= 500 && code < 600:
		return classPermanent
	case k == KindServerShutdown:
		return classTemporary
	}
	switch k.Category() {
	case KindConnection, KindTimeout, KindRateLimit, KindPool:
		return classTemporary
	case KindTLS, KindAuth, KindMessage, KindProtocol:
		return classPermanent
	}
	return classNone // KindUnknown, KindCancelled: the caller knows whether to try again
}
