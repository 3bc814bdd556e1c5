package smtp

import "github.com/integrations/smtp/domain"

// Error is the one error type of the module (domain.Error): its Kind, the
// Op that failed, the server's Code and Enhanced code, and its Message.
// Find it in an error's chain with AsError.
type Error = domain.Error

// Kind classifies an error (domain.Kind). A category such as KindAuth
// matches every kind of its group: errors.Is(err, smtp.KindAuth). Package
// domain has every kind.
type Kind = domain.Kind

// The categories of Kind most often tested with errors.Is; package domain
// has the narrower kinds (domain.KindCredentialsInvalid ...).
const (
	// KindConnection: DNS, refused, reset or unreachable.
	KindConnection = domain.KindConnection
	// KindTLS: handshake, certificate, version, or no STARTTLS offered.
	KindTLS = domain.KindTLS
	// KindAuth: refused credentials, no usable mechanism, AUTH required.
	KindAuth = domain.KindAuth
	// KindMessage: an invalid address, header or attachment, or a message
	// over a limit; nothing was sent.
	KindMessage = domain.KindMessage
	// KindRateLimit: this client's rate limit or the server's.
	KindRateLimit = domain.KindRateLimit
)

// AsError returns the first *Error in err's chain, or nil (domain.AsError).
func AsError(err error) *Error { return domain.AsError(err) }

// KindOf returns the Kind of err: the Kind of its *Error, a cancelled or
// expired context's kind, or the zero Kind (domain.KindOf).
func KindOf(err error) Kind { return domain.KindOf(err) }

// IsTemporary reports whether err is expected to clear by itself: a 4xx
// reply, a timeout, a network failure, an open circuit, a rate limit
// (domain.IsTemporary). Delivery status unknown is not temporary.
func IsTemporary(err error) bool { return domain.IsTemporary(err) }

// IsPermanent reports whether the server refused for good (5xx) or the
// input is wrong (domain.IsPermanent): sending again unchanged will fail
// again.
func IsPermanent(err error) bool { return domain.IsPermanent(err) }

// IsDeliveryUnknown reports whether the connection was lost after the
// whole message was sent and before the server answered
// (domain.IsDeliveryUnknown): the message may have been taken, so sending
// it again may deliver it twice.
func IsDeliveryUnknown(err error) bool { return domain.IsDeliveryUnknown(err) }
