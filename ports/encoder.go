package ports

//go:generate mockgen -source=encoder.go -destination=../mocks/encoder_mock.go -package=mocks

import (
	"io"
	"time"

	"github.com/integrations/smtp/domain"
)

// EncodeOptions say what the receiving server supports, and may fix the
// Message-ID and Date.
type EncodeOptions struct {
	Allow8Bit bool // the server has 8BITMIME: text parts may go as 8bit
	UTF8      bool // the server has SMTPUTF8: headers may carry raw UTF-8 addresses
	// MessageID (without angle brackets) and Date are written when the
	// Email has none, so that a caller can fix them once for every attempt
	// without copying the Email; empty, the encoder makes them. A
	// MessageID is checked as Email.MessageID is (domain.CheckMessageID).
	MessageID string
	Date      time.Time
}

// Encoder turns an Email into an RFC 5322 message. Implementations must be
// safe for concurrent use.
type Encoder interface {
	// Prepare validates e and fixes everything that would otherwise differ
	// between two writes (Message-ID, Date, boundaries), so that every
	// WriteTo of the returned Message yields the same bytes. It reads no
	// attachment content. Errors are *domain.Error of a Message kind.
	Prepare(e *domain.Email, opts EncodeOptions) (Message, error)
}

// Message is a prepared message that streams itself. WriteTo may be called
// several times (a size pass, a retry); file attachments are opened anew
// each time and never held whole in memory. It is not safe for concurrent
// use.
type Message interface {
	io.WriterTo
	// MessageID returns the Message-ID, without angle brackets.
	MessageID() string
	// Size returns the exact number of octets WriteTo writes.
	Size() (int64, error)
	// EightBit reports whether the output holds bytes above 127.
	EightBit() bool
}

// CRLFWriter is an optional interface of the writer a Message is written
// to: a Message whose output has CRLF line ends only (every CR and LF it
// writes belongs to a CR LF pair, which may be split between two calls)
// may call WriteCRLF instead of Write, and the writer may then skip its
// line-end normalisation. A writer that dot-stuffs must still do so (it can
// look for a "." with one bytes.IndexByte); the promise is about line ends
// only, so a false one can make a message malformed but cannot end it
// early. The DATA writer of adapters/tcp implements it.
type CRLFWriter interface {
	io.Writer
	// WriteCRLF writes p, whose CR and LF octets all belong to CRLF pairs.
	WriteCRLF(p []byte) (int, error)
}
