package mime

import (
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

var _ ports.Encoder = (*Encoder)(nil)

// Encoder prepares domain.Email values as MIME messages. It is safe for
// concurrent use; the zero value is not usable, call New.
type Encoder struct {
	mu   sync.Mutex // guards rand, which need not be safe for concurrent use
	rand io.Reader
	now  func() time.Time
}

// Option configures an Encoder.
type Option interface{ apply(*Encoder) }

type optionFunc func(*Encoder)

func (f optionFunc) apply(e *Encoder) { f(e) }

// WithRand sets the source of randomness for Message-IDs and boundaries
// (crypto/rand by default). Tests pass a seeded reader for reproducible
// output; a nil r keeps the default.
func WithRand(r io.Reader) Option {
	return optionFunc(func(e *Encoder) {
		if r != nil {
			e.rand = r
		}
	})
}

// WithClock sets the clock that dates messages without a Date (time.Now by
// default); a nil now keeps the default.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(e *Encoder) {
		if now != nil {
			e.now = now
		}
	})
}

// New returns an Encoder.
func New(opts ...Option) *Encoder {
	e := &Encoder{rand: rand.Reader, now: time.Now}
	for _, o := range opts {
		o.apply(e)
	}
	return e
}

// Prepare validates e (Email.Validate, then the encoder's own checks),
// fixes the Message-ID and Date (the Email's, else those of opts, else new
// ones) and the boundaries, encodes the text bodies and
// stats file attachments (it reads no attachment content). It writes
// nothing and keeps no reference to e, only to attachment data, paths and
// readers (see the package documentation for Size and reader sources).
// Errors are *domain.Error of a Message kind: KindInvalidHeader,
// KindAttachment, KindInvalidFromAddress, KindInvalidRecipientAddress,
// KindInvalidInput or KindEncodingFailed.
func (enc *Encoder) Prepare(e *domain.Email, opts ports.EncodeOptions) (ports.Message, error) {
	if e == nil {
		return nil, newError(domain.KindInvalidInput, "nil email")
	}
	if err := firstError(e.Validate()); err != nil {
		return nil, err
	}
	if err := checkEmail(e); err != nil {
		return nil, err
	}

	var b builder
	root, err := b.tree(e, opts)
	if err != nil {
		return nil, err
	}

	id, date := e.MessageID, e.Date
	if id == "" && opts.MessageID != "" {
		if err := domain.CheckMessageID(opts.MessageID); err != nil {
			return nil, newError(domain.KindInvalidHeader, "EncodeOptions.MessageID: "+err.Error())
		}
		id = opts.MessageID
	}
	if date.IsZero() {
		date = opts.Date
	}
	if id == "" || date.IsZero() || root.sub != "" { // else nothing of enc is needed
		enc.mu.Lock()
		if id == "" {
			id, err = domain.MessageIDFrom(enc.rand, e.From.ASCIIDomain())
		}
		if err == nil {
			err = assignBoundaries(root, enc.rand)
		}
		if date.IsZero() {
			date = enc.now()
		}
		enc.mu.Unlock()
		if err != nil {
			return nil, asEncodingError(err)
		}
	}

	m := &message{id: id, sources: b.sources}
	header, err := topHeader(make([]byte, 0, sizeHint(e, root)), e, id, date, opts)
	if err != nil {
		return nil, err
	}
	r := renderer{segs: m.seg[:0]}
	m.segs = r.message(header, root)
	if m.eightBit, err = checkLines(m.segs); err != nil {
		return nil, err
	}
	m.size = totalSize(m.segs)
	return m, nil
}

// sizeHint guesses the octets of the fixed segment that starts a message:
// the header fields and, for a single small text part, its body. It only
// sizes a buffer.
func sizeHint(e *domain.Email, root *part) int {
	n := 320 + 3*len(e.Subject) + 64*(len(e.To)+len(e.Cc)+len(e.ReplyTo)) + len(e.InReplyTo)
	for _, h := range e.Headers {
		n += len(h.Name) + 3*len(h.Value)
	}
	for _, r := range e.References {
		n += len(r) + 3
	}
	if root.sub == "" && root.src == nil && len(root.body) < smallBody {
		n += len(root.body)
	}
	if root.sub == "" && root.lf != "" && len(root.lf) < smallBody {
		n += len(root.lf) + len(root.lf)/16 // its LFs become CRLF
	}
	return n
}

// totalSize returns the octets segs yield, or -1 when a source does not
// know its length.
func totalSize(segs []segment) int64 {
	var n int64
	for _, s := range segs {
		if s.src == nil {
			n += int64(len(s.static) + s.lfSize)
			continue
		}
		if s.src.length < 0 {
			return -1
		}
		n += base64Size(s.src.length)
	}
	return n
}

// firstError returns the only problem Validate found, or for several the
// first one's kind wrapping them all.
func firstError(err error) error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	first := domain.AsError(errs[0])
	if len(errs) == 1 && first != nil {
		return first
	}
	k := domain.KindInvalidInput
	if first != nil {
		k = first.Kind
	}
	return wrapError(k, "invalid email", err)
}

func asEncodingError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return wrapError(domain.KindEncodingFailed, "reading the random source", err)
}
