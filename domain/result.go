package domain

import "time"

// RejectedRecipient is a recipient the server refused.
type RejectedRecipient struct {
	Address  string       `json:"address"`
	Code     int          `json:"code"`
	Enhanced EnhancedCode `json:"-"`
	Message  string       `json:"message"`
}

// SendResult is the outcome of a message the server took: at least one
// recipient was accepted and the final reply was positive.
type SendResult struct {
	MessageID string              // the Message-ID written into the message, without angle brackets
	ServerID  string              // the queue ID the server reported, when it could be read
	Accepted  []string            // recipients the server accepted
	Rejected  []RejectedRecipient // recipients the server refused
	Response  string              // the final reply, e.g. "250 2.0.0 Ok: queued as 4F2A"
	Size      int64               // octets of the message as sent (before dot-stuffing)
	Duration  time.Duration
}

// BatchItem is the outcome of one message of a batch: Result or Err is set.
type BatchItem struct {
	Result *SendResult
	Err    error
}

// BatchResult is the outcome of a batch, with one item per input message in
// input order.
type BatchResult struct {
	Items     []BatchItem
	Total     int
	Succeeded int
	Failed    int
	Duration  time.Duration
}

// PoolStatus is a snapshot of a connection pool.
type PoolStatus struct {
	Total   int // open connections
	Idle    int
	InUse   int
	Pending int // callers waiting for a connection
	MaxSize int
}

// CertificateInfo describes the server's leaf certificate.
type CertificateInfo struct {
	Subject  string
	Issuer   string
	NotAfter time.Time
	DNSNames []string
}

// ConnectionInfo describes an established, greeted session.
type ConnectionInfo struct {
	Host            string
	Port            int
	TLS             bool
	TLSVersion      TLSVersion
	CipherSuite     string
	Certificate     *CertificateInfo // nil without TLS
	Capabilities    Capabilities
	Banner          string // the greeting text
	AuthMechanism   AuthMechanism
	AuthenticatedAs string // the username, when authenticated
}

// TransferEncoding is a MIME Content-Transfer-Encoding.
type TransferEncoding uint8

// The transfer encodings of RFC 2045.
const (
	Encoding7Bit TransferEncoding = iota
	Encoding8Bit
	EncodingQuotedPrintable
	EncodingBase64
)

// String returns the header value: "7bit", "8bit", "quoted-printable" or
// "base64".
func (t TransferEncoding) String() string {
	switch t {
	case Encoding8Bit:
		return "8bit"
	case EncodingQuotedPrintable:
		return "quoted-printable"
	case EncodingBase64:
		return "base64"
	}
	return "7bit"
}
