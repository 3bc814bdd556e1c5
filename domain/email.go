package domain

import (
	"io"
	"time"
)

// Priority is the X-Priority of a message, 1 (highest) to 5 (lowest). The
// zero value means "not set": no priority header is written.
type Priority uint8

// The five priorities of the specification.
const (
	PriorityNone    Priority = 0
	PriorityHighest Priority = 1
	PriorityHigh    Priority = 2
	PriorityNormal  Priority = 3
	PriorityLow     Priority = 4
	PriorityLowest  Priority = 5
)

// String returns "highest", "high", "normal", "low", "lowest" or "none".
func (p Priority) String() string {
	switch p {
	case PriorityHighest:
		return "highest"
	case PriorityHigh:
		return "high"
	case PriorityNormal:
		return "normal"
	case PriorityLow:
		return "low"
	case PriorityLowest:
		return "lowest"
	}
	return "none"
}

// Header is one custom header field. Email keeps them in order and a name
// may repeat.
type Header struct {
	Name  string
	Value string
}

// SourceType tells where the content of an attachment comes from.
type SourceType uint8

// The three sources of attachment content.
const (
	SourceBytes  SourceType = iota + 1 // held in memory
	SourceFile                         // a file path, opened and streamed at encode time
	SourceReader                       // an io.Reader, read once at encode time
)

// Source is the content of an attachment or inline image. A file source is
// opened by the encoder each time it writes the message, so a 25 MB file is
// never held in memory; a reader source can be read only once (a retry of a
// message built from a reader fails with KindAttachment, so prefer bytes or
// files where retries matter).
type Source struct {
	typ    SourceType
	data   []byte
	path   string
	reader io.Reader
}

// BytesSource returns a source of data (not copied; do not modify it).
func BytesSource(data []byte) Source { return Source{typ: SourceBytes, data: data} }

// FileSource returns a source that streams the file at path.
func FileSource(path string) Source { return Source{typ: SourceFile, path: path} }

// ReaderSource returns a source that reads r once.
func ReaderSource(r io.Reader) Source { return Source{typ: SourceReader, reader: r} }

// Type returns where the content comes from; 0 for the zero Source.
func (s Source) Type() SourceType { return s.typ }

// Bytes returns the data of a bytes source.
func (s Source) Bytes() []byte { return s.data }

// Path returns the path of a file source.
func (s Source) Path() string { return s.path }

// Reader returns the reader of a reader source.
func (s Source) Reader() io.Reader { return s.reader }

// Attachment is a file carried in the message. ContentType may be empty:
// the encoder then picks it from the filename's extension.
type Attachment struct {
	Filename    string
	ContentType string
	ContentID   string // set for an attachment referenced from HTML ("cid:...")
	Content     Source
}

// InlineImage is an image shown inside the HTML body and referenced there
// as "cid:" + ContentID.
type InlineImage struct {
	ContentID   string
	ContentType string
	Filename    string // optional
	Content     Source
}

// Email is a complete message ready for sending. Build one with NewEmail;
// a hand-made Email should pass Validate before it is sent (the client
// validates it again anyway).
type Email struct {
	From         Address
	Sender       Address // envelope sender and Sender header when it differs from From; zero when unset
	To           []Address
	Cc           []Address
	Bcc          []Address // envelope only: never written into the message
	ReplyTo      []Address
	Subject      string
	TextBody     string
	HTMLBody     string
	Attachments  []Attachment
	InlineImages []InlineImage
	Headers      []Header // custom headers, in order; a name may repeat
	MessageID    string   // without angle brackets; generated when empty
	InReplyTo    string   // message ID(s), without angle brackets
	References   []string // message IDs, without angle brackets
	Priority     Priority
	Date         time.Time // the encoder uses the current time when zero
}

// EnvelopeFrom returns the reverse-path: Sender when set, else From.
func (e *Email) EnvelopeFrom() Address {
	if !e.Sender.IsZero() {
		return e.Sender
	}
	return e.From
}

// Recipients returns To, Cc and Bcc in that order, each mailbox once (as
// Address.Equal tells them apart), in time linear in their number. A
// message with few recipients, the usual case, is deduplicated by
// comparing them with each other, which allocates nothing but the result.
func (e *Email) Recipients() []Address {
	n := len(e.To) + len(e.Cc) + len(e.Bcc)
	out := make([]Address, 0, n)
	if n <= smallRecipients {
		for _, list := range [...][]Address{e.To, e.Cc, e.Bcc} {
			for _, a := range list {
				if !containsMailbox(out, a) {
					out = append(out, a)
				}
			}
		}
		return out
	}
	seen := make(map[string]bool, n)
	for _, list := range [...][]Address{e.To, e.Cc, e.Bcc} {
		for _, a := range list {
			key := a.local + "@" + asciiLower(a.asciiDomain)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, a)
		}
	}
	return out
}

// smallRecipients is the most recipients Recipients compares pairwise
// rather than through a map.
const smallRecipients = 16

// containsMailbox reports whether list holds a's mailbox: the same local
// part and the same ASCII domain but for ASCII case.
func containsMailbox(list []Address, a Address) bool {
	for _, b := range list {
		if b.local == a.local && equalASCIIFold(b.asciiDomain, a.asciiDomain) {
			return true
		}
	}
	return false
}

// equalASCIIFold reports whether a and b are equal but for the case of
// ASCII letters, as comparing their asciiLower forms does.
func equalASCIIFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// NeedsSMTPUTF8 reports whether any address of the envelope or of the
// header (From, Sender, Reply-To, To, Cc, Bcc) has a non-ASCII local part:
// such a message can only go to a server that offers SMTPUTF8, as RFC 2047
// cannot encode an address (RFC 6532). A non-ASCII domain alone does not
// need it: it travels in punycode.
func (e *Email) NeedsSMTPUTF8() bool {
	for _, list := range [][]Address{{e.From, e.Sender}, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		for _, a := range list {
			if a.NeedsSMTPUTF8() {
				return true
			}
		}
	}
	return false
}
