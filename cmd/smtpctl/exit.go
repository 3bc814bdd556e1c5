package main

import (
	"errors"

	"github.com/integrations/smtp/domain"
)

// Exit codes from sysexits.h.
const (
	exitOK          = 0
	exitUsage       = 64 // EX_USAGE: bad flags
	exitDataErr     = 65 // EX_DATAERR: bad message input; nothing was sent
	exitUnavailable = 69 // EX_UNAVAILABLE: permanent failure (5xx, a recipient rejected)
	exitSoftware    = 70 // EX_SOFTWARE: a bug
	exitTempFail    = 75 // EX_TEMPFAIL: try again later (4xx, timeout, network, status unknown)
	exitProtocol    = 76 // EX_PROTOCOL: malformed or unexpected reply
	exitNoPerm      = 77 // EX_NOPERM: authentication failed
	exitConfig      = 78 // EX_CONFIG: TLS or configuration failure
)

// usageError marks a flag problem (exit 64).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// configError marks a configuration problem found before connecting (78).
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// exitCode maps an error to its sysexits code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var ce *configError
	if errors.As(err, &ce) {
		if k := domain.KindOf(err); k.Category() == domain.KindMessage && k != domain.KindInvalidInput {
			return exitDataErr
		}
		return exitConfig
	}
	k := domain.KindOf(err)
	e := domain.AsError(err)
	code := 0
	if e != nil {
		code = e.Code
	}
	switch {
	case k == domain.KindDeliveryUnknown:
		return exitTempFail
	case k == domain.KindAuthRequired && code == 0:
		// Refused locally: no AUTH over a connection without TLS.
		return exitConfig
	case k.Category() == domain.KindAuth && code >= 400 && code < 500:
		return exitTempFail // 454, 432: try again later (RFC 4954)
	case k.Category() == domain.KindAuth:
		return exitNoPerm
	case k.Category() == domain.KindTLS:
		return exitConfig
	case k == domain.KindInvalidResponse || k == domain.KindUnexpectedResponse || k == domain.KindDesync:
		return exitProtocol
	case code >= 400 && code < 500:
		return exitTempFail
	case code >= 500:
		return exitUnavailable
	case k.Category() == domain.KindConnection, k.Category() == domain.KindTimeout, k == domain.KindServerShutdown,
		k == domain.KindCancelled, k.Category() == domain.KindPool, k == domain.KindCircuitOpen, k.Category() == domain.KindRateLimit:
		return exitTempFail
	case k == domain.KindCapabilityMismatch || k == domain.KindMessageTooLarge || k == domain.KindPermanentFailure:
		return exitUnavailable
	case k.Category() == domain.KindMessage:
		return exitDataErr
	case k.Category() == domain.KindProtocol:
		return exitProtocol
	}
	return exitSoftware
}
