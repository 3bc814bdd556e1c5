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
// recipients or attachments, or content that cannot fit the size limit
// even before encoding (base64 then adds a third). Errors are
// *domain.Error: KindInvalidInput for counts, KindMessageTooLarge for size.
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

// checkSize refuses a message of size octets over the size limit.
func (c *Client) checkSize(size int64) error {
	if max := c.o.limits.MaxMessageSize; size > max {
		return domain.NewError(domain.KindMessageTooLarge, "send", "message of "+strconv.FormatInt(size, 10)+
			" octets exceeds the limit of "+strconv.FormatInt(max, 10))
	}
	return nil
}

// contentSize is a lower bound of the encoded size of e: its texts and the
// encoded (base64) size of every attachment whose size is known.
func contentSize(e *domain.Email) int64 {
	n := int64(len(e.TextBody) + len(e.HTMLBody))
	for _, a := range e.Attachments {
		n += base64Size(sourceSize(a.Content))
	}
	for _, i := range e.InlineImages {
		n += base64Size(sourceSize(i.Content))
	}
	return n
}

func base64Size(n int64) int64 { return (n + 2) / 3 * 4 }

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
	n int64
}

func (b *countingBody) WriteTo(w io.Writer) (int64, error) {
	n, err := b.Message.WriteTo(w)
	b.n = n
	return n, err
}
