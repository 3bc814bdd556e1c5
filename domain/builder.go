package domain

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// EmailBuilder builds an Email fluently. Each method records its problem
// instead of failing, and Build reports them all at once. A builder is not
// safe for concurrent use; the zero value is not usable, call NewEmail.
type EmailBuilder struct {
	e          Email
	errs       []error
	fromFailed bool // From was given but did not parse: "From is required" would repeat it
	rcptFailed bool // a recipient did not parse: likewise for "a recipient is required"
}

// NewEmail starts an empty message.
func NewEmail() *EmailBuilder { return &EmailBuilder{} }

func (b *EmailBuilder) addr(kind Kind, field, s string) (Address, bool) {
	a, err := ParseAddress(s)
	if err != nil {
		// The cause already quotes the address and says what is wrong.
		b.errs = append(b.errs, &Error{Kind: kind, Op: "build", Message: field, Err: err})
		return Address{}, false
	}
	return a, true
}

func (b *EmailBuilder) list(dst *[]Address, field string, addrs []string) *EmailBuilder {
	for _, s := range addrs {
		a, ok := b.addr(KindInvalidRecipientAddress, field, s)
		if !ok {
			b.rcptFailed = b.rcptFailed || field != "Reply-To"
			continue
		}
		*dst = append(*dst, a)
	}
	return b
}

// From sets the author ("Name <a@b>" or "a@b").
func (b *EmailBuilder) From(addr string) *EmailBuilder {
	if a, ok := b.addr(KindInvalidFromAddress, "From", addr); ok {
		b.e.From = a
	} else {
		b.fromFailed = true
	}
	return b
}

// Sender sets the Sender header and envelope sender, when it differs from
// From.
func (b *EmailBuilder) Sender(addr string) *EmailBuilder {
	if a, ok := b.addr(KindInvalidFromAddress, "Sender", addr); ok {
		b.e.Sender = a
	}
	return b
}

// To adds one or more To recipients.
func (b *EmailBuilder) To(addrs ...string) *EmailBuilder { return b.list(&b.e.To, "To", addrs) }

// Cc adds one or more Cc recipients.
func (b *EmailBuilder) Cc(addrs ...string) *EmailBuilder { return b.list(&b.e.Cc, "Cc", addrs) }

// Bcc adds one or more Bcc recipients (envelope only, never in the message).
func (b *EmailBuilder) Bcc(addrs ...string) *EmailBuilder { return b.list(&b.e.Bcc, "Bcc", addrs) }

// ReplyTo adds Reply-To addresses.
func (b *EmailBuilder) ReplyTo(addrs ...string) *EmailBuilder {
	return b.list(&b.e.ReplyTo, "Reply-To", addrs)
}

// FromAddress sets an already parsed author.
func (b *EmailBuilder) FromAddress(a Address) *EmailBuilder { b.e.From = a; return b }

// ToAddress adds already parsed To recipients.
func (b *EmailBuilder) ToAddress(a ...Address) *EmailBuilder { b.e.To = append(b.e.To, a...); return b }

// Subject sets the subject; non-ASCII text is encoded by the encoder.
func (b *EmailBuilder) Subject(s string) *EmailBuilder { b.e.Subject = s; return b }

// Text sets the plain-text body.
func (b *EmailBuilder) Text(body string) *EmailBuilder { b.e.TextBody = body; return b }

// HTML sets the HTML body.
func (b *EmailBuilder) HTML(body string) *EmailBuilder { b.e.HTMLBody = body; return b }

// AttachFile attaches the file at path under its base name. The file is
// checked now but read only when the message is written, in bounded memory.
// contentType may be "" to infer it from the extension.
func (b *EmailBuilder) AttachFile(path, contentType string) *EmailBuilder {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		b.errs = append(b.errs, &Error{Kind: KindAttachment, Op: "build", Message: "attachment " + quoteForError(path) + " cannot be read", Err: errors.Unwrap(err)})
		return b
	case !st.Mode().IsRegular():
		b.errs = append(b.errs, &Error{Kind: KindAttachment, Op: "build", Message: "attachment " + quoteForError(path) + " is not a regular file"})
		return b
	}
	b.e.Attachments = append(b.e.Attachments, Attachment{Filename: filepath.Base(path), ContentType: contentType, Content: FileSource(path)})
	return b
}

// AttachBytes attaches data under filename. contentType may be "".
func (b *EmailBuilder) AttachBytes(filename, contentType string, data []byte) *EmailBuilder {
	b.e.Attachments = append(b.e.Attachments, Attachment{Filename: filename, ContentType: contentType, Content: BytesSource(data)})
	return b
}

// AttachReader attaches what r yields under filename, read once when the
// message is written. contentType may be "".
func (b *EmailBuilder) AttachReader(filename, contentType string, r io.Reader) *EmailBuilder {
	if r == nil {
		b.errs = append(b.errs, &Error{Kind: KindAttachment, Op: "build", Message: "attachment " + quoteForError(filename) + " has a nil reader"})
		return b
	}
	b.e.Attachments = append(b.e.Attachments, Attachment{Filename: filename, ContentType: contentType, Content: ReaderSource(r)})
	return b
}

// InlineImage adds an image for the HTML body, referenced there as
// "cid:"+contentID. contentType may be "" only when filename-less data is
// an image the encoder can sniff.
func (b *EmailBuilder) InlineImage(contentID, contentType string, data []byte) *EmailBuilder {
	b.e.InlineImages = append(b.e.InlineImages, InlineImage{ContentID: contentID, ContentType: contentType, Content: BytesSource(data)})
	return b
}

// InlineFile adds an inline image streamed from the file at path.
func (b *EmailBuilder) InlineFile(contentID, path, contentType string) *EmailBuilder {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		b.errs = append(b.errs, &Error{Kind: KindAttachment, Op: "build", Message: "inline image " + quoteForError(path) + " cannot be read", Err: errors.Unwrap(err)})
		return b
	case !st.Mode().IsRegular():
		b.errs = append(b.errs, &Error{Kind: KindAttachment, Op: "build", Message: "inline image " + quoteForError(path) + " is not a regular file"})
		return b
	}
	b.e.InlineImages = append(b.e.InlineImages, InlineImage{ContentID: contentID, ContentType: contentType, Filename: filepath.Base(path), Content: FileSource(path)})
	return b
}

// Header adds a custom header; a name may be added more than once.
func (b *EmailBuilder) Header(name, value string) *EmailBuilder {
	b.e.Headers = append(b.e.Headers, Header{Name: name, Value: value})
	return b
}

// MessageID sets the Message-ID (without angle brackets); it is generated
// at the sender's domain when not set.
func (b *EmailBuilder) MessageID(id string) *EmailBuilder { b.e.MessageID = id; return b }

// InReplyTo sets In-Reply-To (a message ID without angle brackets).
func (b *EmailBuilder) InReplyTo(id string) *EmailBuilder { b.e.InReplyTo = id; return b }

// References adds message IDs (without angle brackets) to References.
func (b *EmailBuilder) References(ids ...string) *EmailBuilder {
	b.e.References = append(b.e.References, ids...)
	return b
}

// Priority sets X-Priority and Importance.
func (b *EmailBuilder) Priority(p Priority) *EmailBuilder { b.e.Priority = p; return b }

// Date sets the Date header; the time of encoding is used otherwise.
func (b *EmailBuilder) Date(t time.Time) *EmailBuilder { b.e.Date = t; return b }

// Build validates the message and returns it, or every problem found by the
// builder and by Email.Validate, joined (errors.Join); each is an *Error. A
// From or recipient that failed to parse is reported once, not again as
// missing. The Email returned shares nothing with the builder, so the
// builder may go on to build another message.
func (b *EmailBuilder) Build() (*Email, error) {
	errs := append([]error(nil), b.errs...)
	errs = append(errs, b.e.problems(b.fromFailed, b.rcptFailed)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e := b.e
	e.To = slices.Clone(e.To)
	e.Cc = slices.Clone(e.Cc)
	e.Bcc = slices.Clone(e.Bcc)
	e.ReplyTo = slices.Clone(e.ReplyTo)
	e.Attachments = slices.Clone(e.Attachments)
	e.InlineImages = slices.Clone(e.InlineImages)
	e.Headers = slices.Clone(e.Headers)
	e.References = slices.Clone(e.References)
	return &e, nil
}
