package mime

import (
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// The Message-ID and Date of EncodeOptions are written when the Email has
// none; the Email's own win; an options Message-ID is checked as the
// Email's is, so that it cannot carry a header line of its own.
func TestEncodeOptionsFixTheMessageIDAndDate(t *testing.T) {
	when := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	opts := ports.EncodeOptions{MessageID: "fixed.1@example.com", Date: when}
	base := func() *domain.Email {
		return &domain.Email{From: addr(t, "ann@example.com"), To: []domain.Address{addr(t, "bob@example.org")},
			Subject: "s", TextBody: "hello\r\n"}
	}

	out := string(encode(t, testEncoder(1), base(), opts))
	if !strings.Contains(out, "Message-ID: <fixed.1@example.com>\r\n") || !strings.Contains(out, "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n") {
		t.Errorf("the options' Message-ID and Date are not written:\n%s", out)
	}
	m, err := testEncoder(1).Prepare(base(), opts)
	if err != nil || m.MessageID() != "fixed.1@example.com" {
		t.Errorf("MessageID() = %q, %v; want the options' one", m.MessageID(), err)
	}

	own := base()
	own.MessageID, own.Date = "own.2@example.com", testDate
	out = string(encode(t, testEncoder(1), own, opts))
	if !strings.Contains(out, "Message-ID: <own.2@example.com>\r\n") || !strings.Contains(out, "Date: "+FormatDate(testDate)+"\r\n") {
		t.Errorf("the Email's own Message-ID and Date must win:\n%s", out)
	}

	for _, bad := range []string{"no-at-sign", "a@b\r\nBcc: eve@example.net", "<x@y>"} {
		_, err := testEncoder(1).Prepare(base(), ports.EncodeOptions{MessageID: bad})
		if domain.KindOf(err) != domain.KindInvalidHeader {
			t.Errorf("Prepare with options Message-ID %q: err %v; want KindInvalidHeader", bad, err)
		}
	}
}
