package application

import (
	"io"
	"os"
	"strconv"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// checkLimits refuses, before any connection is made, a message over the
// client-side limits of the specification's section 10.3: too many
// recipients or attachments, or more content than the size limit. The size
// limit bounds the content a message carries, before transfer encoding:
// its texts and the octets of its attachments of known size (as providers
// that accept "25 MB of attachments" count it; base64 adds a third on the
// wire, which the server's SIZE bounds). Errors are *domain.Error:
// KindInvalidInput for counts, KindMessageTooLarge for size.
func (c *Client) checkLimits(e *domain.Email) error {
	l := c.o.limits
	if n := len(e.Recipients()); n > l.MaxRecipients {
		return domain.NewError(domain.KindInvalidInput, "send", strconv.Itoa(n)+" recipients; the limit is "+strconv.Itoa(l.MaxRecipients)+" a message")
	}
	if n := len(e.Attachments) + len(e.InlineImages); n > l.MaxAttachments {
		return domain.NewError(domain.KindInvalidInput, "send", strconv.Itoa(n)+" attachments and inline images; the limit is "+strconv.Itoa(l.MaxAttachments)+" a message")
	}
	return c.checkSize(contentSize(e))
}

// checkSize refuses content of size octets over the size limit.
func (c *Client) checkSize(size int64) error {
	if limit := c.o.limits.MaxMessageSize; size > limit {
		return domain.NewError(domain.KindMessageTooLarge, "send", "message content of "+strconv.FormatInt(size, 10)+
			" octets exceeds the limit of "+strconv.FormatInt(limit, 10))
	}
	return nil
}

// contentSize is the content of e: its texts and every attachment whose
// size is known (a reader's is not).
func contentSize(e *domain.Email) int64 {
	n := int64(len(e.TextBody) + len(e.HTMLBody))
	for _, a := range e.Attachments {
		n += sourceSize(a.Content)
	}
	for _, i := range e.InlineImages {
		n += sourceSize(i.Content)
	}
	return n
}

func sourceSize(s domain.Source) int64 {
	switch s.Type() {
	case domain.SourceBytes:
		return int64(len(s.Bytes()))
	case domain.SourceFile:
		if fi, err := os.Stat(s.Path()); err == nil {
			return fi.Size()
		}
	}
	return 0
}

// countingBody counts the octets a message writes, for the result's Size
// when the server was not told it.
type countingBody struct {
	ports.Message
	n     int64
	begin func() error // when set, called before each write; an error stops it before any octet
}

func (b *countingBody) WriteTo(w io.Writer) (int64, error) {
	if b.begin != nil {
		if err := b.begin(); err != nil {
			return 0, err
		}
	}
	n, err := b.Message.WriteTo(w)
	b.n = n
	return n, err
}
