package mime

import (
	"time"
	"unicode/utf8"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

var (
	xPriority  = [...]string{"", "1 (Highest)", "2 (High)", "3 (Normal)", "4 (Low)", "5 (Lowest)"}
	importance = [...]string{"", "high", "high", "normal", "low", "low"}
)

// checkEmail adds to Email.Validate what the encoder relies on: header
// names and values are checked again (a caller may have changed e since it
// was validated) and every header text and filename must be valid UTF-8.
// Errors are *domain.Error.
func checkEmail(e *domain.Email) error {
	if !utf8.ValidString(e.Subject) {
		return newError(domain.KindInvalidHeader, "Subject is not valid UTF-8")
	}
	for _, h := range e.Headers {
		if err := domain.CheckHeaderName(h.Name); err != nil {
			return err
		}
		if err := domain.CheckHeaderValue(h.Name, h.Value); err != nil {
			return err
		}
		if !utf8.ValidString(h.Value) {
			return newError(domain.KindInvalidHeader, "header "+h.Name+" is not valid UTF-8")
		}
	}
	for _, list := range [][]domain.Address{{e.From, e.Sender}, e.To, e.Cc, e.ReplyTo} {
		for _, a := range list {
			if err := domain.CheckHeaderValue("display name", a.Name()); err != nil {
				return err
			}
			if !utf8.ValidString(a.Name()) {
				return newError(domain.KindInvalidHeader, "display name is not valid UTF-8")
			}
		}
	}
	for _, a := range e.Attachments {
		if !utf8.ValidString(a.Filename) {
			return newError(domain.KindAttachment, "attachment filename "+quote(a.Filename)+" is not valid UTF-8")
		}
	}
	for _, img := range e.InlineImages {
		if !utf8.ValidString(img.Filename) {
			return newError(domain.KindAttachment, "inline image filename "+quote(img.Filename)+" is not valid UTF-8")
		}
	}
	return nil
}

// topHeader appends the message header fields to buf, without the content
// fields of the root part. Bcc is never written. Errors are *domain.Error.
func topHeader(buf []byte, e *domain.Email, id string, date time.Time, opts ports.EncodeOptions) ([]byte, error) {
	h := headerWriter{buf: buf}
	h.date(date)
	lists := []struct {
		name string
		list []domain.Address
	}{
		{"From", []domain.Address{e.From}},
		{"Sender", nil},
		{"To", e.To},
		{"Cc", e.Cc},
		{"Reply-To", e.ReplyTo},
	}
	if !e.Sender.IsZero() && !e.Sender.Equal(e.From) { // a Sender equal to From says nothing
		lists[1].list = []domain.Address{e.Sender}
	}
	for _, l := range lists {
		if len(l.list) == 0 {
			continue
		}
		if err := h.addressList(l.name, l.list, opts.UTF8); err != nil {
			return nil, err
		}
	}
	if e.Subject != "" {
		h.field("Subject")
		h.text(e.Subject, maxLine-len("Subject: "))
		h.end()
	}
	h.simpleID("Message-ID", id)
	if e.InReplyTo != "" {
		h.simpleID("In-Reply-To", e.InReplyTo)
	}
	if len(e.References) > 0 {
		h.messageIDList("References", e.References)
	}
	if p := e.Priority; p > domain.PriorityNone && p <= domain.PriorityLowest {
		h.simple("X-Priority", xPriority[p])
		h.simple("Importance", importance[p])
	}
	for _, c := range e.Headers {
		h.field(c.Name)
		h.text(c.Value, hardLine-len(c.Name)-len(": "))
		h.end()
	}
	h.simple("MIME-Version", "1.0")
	return h.buf, nil
}
