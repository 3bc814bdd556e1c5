package domain

// Kind classifies an error. Every Kind belongs to a category (see Category);
// a category is itself a Kind, so errors.Is(err, KindAuth) matches every
// authentication error, and errors.Is(err, KindCredentialsInvalid) only that
// one. The zero Kind, KindUnknown, means "not classified".
type Kind uint8

// The kinds of the specification's error taxonomy (section 6). Categories
// come first in each group.
const (
	KindUnknown Kind = iota

	KindConnection // category
	KindDNSResolution
	KindConnectionRefused
	KindConnectionTimeout
	KindConnectionReset
	KindNetworkUnreachable

	KindTLS // category
	KindTLSHandshake
	KindCertificateInvalid
	KindCertificateExpired
	KindCertificateUntrusted
	KindTLSVersion
	KindStartTLSNotSupported

	KindAuth // category
	KindCredentialsInvalid
	KindCredentialsExpired
	KindAuthMethodNotSupported
	KindAuthRequired
	KindTooManyAuthAttempts

	KindProtocol // category
	KindInvalidResponse
	KindUnexpectedResponse
	KindCommandSequence
	KindServerShutdown
	KindCapabilityMismatch
	KindTemporaryFailure // a 4xx reply not covered by a narrower kind
	KindPermanentFailure // a 5xx reply not covered by a narrower kind
	KindDesync           // surplus or unsolicited reply: the connection is unusable

	KindMessage // category
	KindInvalidFromAddress
	KindInvalidRecipientAddress
	KindMessageTooLarge
	KindInvalidHeader
	KindEncodingFailed
	KindAttachment
	KindInvalidInput // any other invalid caller input (configuration, builder use)

	KindTimeout // category
	KindConnectTimeout
	KindReadTimeout
	KindWriteTimeout
	KindCommandTimeout

	KindRateLimit // category
	KindLocalRateLimit
	KindServerRateLimit

	KindCircuitOpen // category of its own

	KindPool // category
	KindPoolExhausted
	KindAcquireTimeout
	KindConnectionUnhealthy

	KindCancelled // category of its own

	// KindDeliveryUnknown: the connection was lost after the whole message
	// was sent and before the server answered. The server may or may not
	// have taken the message: it is neither success nor a plain retryable
	// failure (a retry may deliver a duplicate).
	KindDeliveryUnknown

	kindCount
)

var kindNames = [kindCount]string{
	"unknown",
	"connection", "dns_resolution_failed", "connection_refused", "connection_timeout", "connection_reset", "network_unreachable",
	"tls", "tls_handshake_failed", "certificate_invalid", "certificate_expired", "certificate_untrusted", "tls_version_mismatch", "starttls_not_supported",
	"authentication", "credentials_invalid", "credentials_expired", "auth_method_not_supported", "authentication_required", "too_many_auth_attempts",
	"protocol", "invalid_response", "unexpected_response", "command_sequence_error", "server_shutdown", "capability_mismatch", "temporary_failure", "permanent_failure", "protocol_desync",
	"message", "invalid_from_address", "invalid_recipient_address", "message_too_large", "invalid_header", "encoding_failed", "attachment_error", "invalid_input",
	"timeout", "connect_timeout", "read_timeout", "write_timeout", "command_timeout",
	"rate_limit", "local_rate_limit_exceeded", "server_rate_limit_exceeded",
	"circuit_open",
	"pool", "pool_exhausted", "acquire_timeout", "connection_unhealthy",
	"cancelled",
	"delivery_status_unknown",
}

// String returns the snake_case name of k, such as "credentials_invalid".
func (k Kind) String() string {
	if k >= kindCount {
		return "unknown"
	}
	return kindNames[k]
}

// Error makes a Kind usable as an errors.Is target: errors.Is(err, KindTLS).
func (k Kind) Error() string { return "smtp: " + k.String() }

// ParseKind returns the Kind named s (as printed by String), or KindUnknown.
func ParseKind(s string) Kind {
	for i, n := range kindNames {
		if n == s {
			return Kind(i)
		}
	}
	return KindUnknown
}

// Category returns the group k belongs to (KindCredentialsInvalid →
// KindAuth). A category returns itself.
func (k Kind) Category() Kind {
	switch {
	case k >= KindConnection && k < KindTLS:
		return KindConnection
	case k >= KindTLS && k < KindAuth:
		return KindTLS
	case k >= KindAuth && k < KindProtocol:
		return KindAuth
	case k >= KindProtocol && k < KindMessage:
		return KindProtocol
	case k >= KindMessage && k < KindTimeout:
		return KindMessage
	case k >= KindTimeout && k < KindRateLimit:
		return KindTimeout
	case k >= KindRateLimit && k < KindCircuitOpen:
		return KindRateLimit
	case k >= KindPool && k < KindCancelled:
		return KindPool
	}
	return k
}
