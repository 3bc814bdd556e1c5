package mime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// TestPrepareRejects feeds hand-made Email values with CR, LF, NUL and
// other bad input in every field that reaches a header, and checks that
// Prepare returns an *domain.Error of the right kind and no message, so
// nothing can be written.
func TestPrepareRejects(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-file.pdf")
	tests := []struct {
		name string
		give func(e *domain.Email)
		opts ports.EncodeOptions
		want domain.Kind
	}{
		{"subject CRLF", func(e *domain.Email) { e.Subject = "hi\r\nBcc: victim@example.org" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"subject LF", func(e *domain.Email) { e.Subject = "hi\nthere" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"subject CR", func(e *domain.Email) { e.Subject = "hi\rthere" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"subject NUL", func(e *domain.Email) { e.Subject = "hi\x00" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"subject invalid UTF-8", func(e *domain.Email) { e.Subject = "caf\xe9" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header name CRLF", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-A\r\nBcc", Value: "v"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header name colon", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-A:", Value: "v"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header name space", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X A", Value: "v"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header name empty", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "", Value: "v"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header name non-ASCII", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-Ü", Value: "v"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header name reserved", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "bcc", Value: "v@example.org"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header value CRLF", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-A", Value: "v\r\nBcc: x@example.org"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header value LF", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-A", Value: "v\nx"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header value NUL", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-A", Value: "v\x00"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"header value invalid UTF-8", func(e *domain.Email) { e.Headers = []domain.Header{{Name: "X-A", Value: "\xff"}} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"message ID CRLF", func(e *domain.Email) { e.MessageID = "a\r\n@b" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"in-reply-to space", func(e *domain.Email) { e.InReplyTo = "a b@c" }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"references bracket", func(e *domain.Email) { e.References = []string{"a>@b"} }, ports.EncodeOptions{}, domain.KindInvalidHeader},
		{"filename CRLF", func(e *domain.Email) { e.Attachments = []domain.Attachment{att("a\r\nX: y.txt")} }, ports.EncodeOptions{}, domain.KindAttachment},
		{"filename NUL", func(e *domain.Email) { e.Attachments = []domain.Attachment{att("a\x00.txt")} }, ports.EncodeOptions{}, domain.KindAttachment},
		{"filename invalid UTF-8", func(e *domain.Email) { e.Attachments = []domain.Attachment{att("\xfe.txt")} }, ports.EncodeOptions{}, domain.KindAttachment},
		{"filename empty", func(e *domain.Email) { e.Attachments = []domain.Attachment{att("")} }, ports.EncodeOptions{}, domain.KindAttachment},
		{"inline filename invalid UTF-8", func(e *domain.Email) {
			e.InlineImages = []domain.InlineImage{{ContentID: "i", Filename: "\xfe", Content: domain.BytesSource(pngData)}}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content type CRLF", func(e *domain.Email) {
			a := att("a.txt")
			a.ContentType = "text/plain\r\nBcc: x@example.org"
			e.Attachments = []domain.Attachment{a}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content type invalid", func(e *domain.Email) {
			a := att("a.txt")
			a.ContentType = "not a type"
			e.Attachments = []domain.Attachment{a}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content type multipart", func(e *domain.Email) {
			a := att("a.txt")
			a.ContentType = "multipart/mixed; boundary=x"
			e.Attachments = []domain.Attachment{a}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content type message", func(e *domain.Email) {
			a := att("a.eml")
			a.ContentType = "message/rfc822"
			e.Attachments = []domain.Attachment{a}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"inline content type CRLF", func(e *domain.Email) {
			e.InlineImages = []domain.InlineImage{{ContentID: "i", ContentType: "image/png\r\nX: y", Content: domain.BytesSource(pngData)}}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content ID CRLF", func(e *domain.Email) {
			e.InlineImages = []domain.InlineImage{{ContentID: "i\r\nX: y", Content: domain.BytesSource(pngData)}}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content ID brackets", func(e *domain.Email) {
			a := att("a.png")
			a.ContentID = "<i>"
			e.Attachments = []domain.Attachment{a}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"content ID twice", func(e *domain.Email) {
			img := domain.InlineImage{ContentID: "i", Content: domain.BytesSource(pngData)}
			e.InlineImages = []domain.InlineImage{img, img}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"no content", func(e *domain.Email) { e.Attachments = []domain.Attachment{{Filename: "a.txt"}} }, ports.EncodeOptions{}, domain.KindAttachment},
		{"nil reader", func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a.txt", Content: domain.ReaderSource(nil)}}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"missing file", func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a.pdf", Content: domain.FileSource(missing)}}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"directory as file", func(e *domain.Email) {
			e.Attachments = []domain.Attachment{{Filename: "a.pdf", Content: domain.FileSource(dir)}}
		}, ports.EncodeOptions{}, domain.KindAttachment},
		{"priority out of range", func(e *domain.Email) { e.Priority = 9 }, ports.EncodeOptions{}, domain.KindInvalidInput},
		{"no From", func(e *domain.Email) { e.From = domain.Address{} }, ports.EncodeOptions{}, domain.KindInvalidFromAddress},
		{"no recipient", func(e *domain.Email) { e.To = nil }, ports.EncodeOptions{}, domain.KindInvalidRecipientAddress},
		{"non-ASCII local part without SMTPUTF8", func(e *domain.Email) {
			e.To = []domain.Address{domain.MustParseAddress("用户@example.org")}
		}, ports.EncodeOptions{}, domain.KindEncodingFailed},
		{"several problems keep the first kind", func(e *domain.Email) {
			e.Subject = "a\nb"
			e.Attachments = []domain.Attachment{att("x\ny")}
		}, ports.EncodeOptions{}, domain.KindInvalidHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			e.TextBody = "body"
			tt.give(e)
			m, err := testEncoder(1).Prepare(e, tt.opts)
			if err == nil {
				t.Fatalf("Prepare succeeded; want %v", tt.want)
			}
			if m != nil {
				t.Errorf("Prepare returned a message with its error")
			}
			if got := kindOf(t, err); got != tt.want {
				t.Errorf("kind = %v; want %v (%v)", got, tt.want, err)
			}
			if !errors.Is(err, domain.KindMessage) {
				t.Errorf("error %v is not in the message category", err)
			}
		})
	}
}

func att(name string) domain.Attachment {
	return domain.Attachment{Filename: name, Content: domain.BytesSource([]byte("x"))}
}

func TestPrepareNilEmail(t *testing.T) {
	m, err := New().Prepare(nil, ports.EncodeOptions{})
	if m != nil || kindOf(t, err) != domain.KindInvalidInput {
		t.Errorf("Prepare(nil) = %v, %v; want KindInvalidInput", m, err)
	}
}

// TestDisplayNameInjectionImpossible records why there is no display-name
// row above: Address has unexported fields and every constructor refuses
// control characters, so no Email can carry such a name.
func TestDisplayNameInjectionImpossible(t *testing.T) {
	for _, name := range []string{"Eve\r\nBcc: x@example.org", "Eve\n", "Eve\x00"} {
		if _, err := domain.NewAddress(name, "eve@example.org"); err == nil {
			t.Errorf("NewAddress(%q) accepted a control character", name)
		}
		if _, err := domain.MustParseAddress("eve@example.org").WithName(name); err == nil {
			t.Errorf("WithName(%q) accepted a control character", name)
		}
	}
}

func TestMissingFileErrorNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "quarterly-report.pdf")
	e := base(t)
	e.Attachments = []domain.Attachment{{Filename: "r.pdf", Content: domain.FileSource(path)}}
	_, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if kindOf(t, err) != domain.KindAttachment || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v; want KindAttachment naming %s", err, path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v does not wrap os.ErrNotExist", err)
	}
}
