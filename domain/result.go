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
	TLSVersion      string // "1.2" or "1.3"; empty without TLS
	CipherSuite     string
	Certificate     *CertificateInfo // nil without TLS
	Extensions      Extensions       // what the server advertised in its EHLO reply
	Banner          string           // the greeting text
	AuthMechanism   AuthMechanism
	AuthenticatedAs string // the username, when authenticated
}

// Extensions summarises the ESMTP extensions a server advertised in its
// EHLO reply: what a caller chooses a message's encoding by, and what a
// tool shows. The protocol adapter reads the reply itself and makes every
// protocol decision (the SIZE, BODY and SMTPUTF8 parameters, refusals) on
// its own. The zero value means a server that advertised none (HELO).
type Extensions struct {
	Size         bool     // SIZE: the server takes a declared message size
	MaxSize      int64    // the SIZE limit in octets; 0 means none stated
	EightBitMIME bool     // 8BITMIME: 8-bit text may go as it is
	SMTPUTF8     bool     // SMTPUTF8: addresses and headers may hold UTF-8
	Pipelining   bool     // PIPELINING
	Chunking     bool     // CHUNKING (BDAT)
	StartTLS     bool     // STARTTLS
	Auth         []string // every AUTH mechanism name advertised, ASCII upper-case, in the server's order
	Lines        []string // the extension lines as the server sent them (after its name), for display
}
