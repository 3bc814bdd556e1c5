package review_test

import (
	"context"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// SendRaw promises that every Bcc field is removed from the header section.
// RFC 5322 section 4.5.3 (obs-optional: field-name *WSP ":") lets a field
// name be followed by white space before its colon, and servers parse
// "Bcc :" as a Bcc field; it is sent as it is, showing the blind
// recipients to every recipient.
func TestSendRawRemovesABccFieldWithSpaceBeforeItsColon(t *testing.T) {
	srv := smtptest.Start(t)
	c := newClient(t, config(srv, 1, 1))
	from, err := domain.ParseAddress("a@example.test")
	if err != nil {
		t.Fatal(err)
	}
	to, err := domain.ParseAddress("b@example.test")
	if err != nil {
		t.Fatal(err)
	}
	data := "From: a@example.test\r\nTo: b@example.test\r\nBcc : blind@example.test\r\nSubject: x\r\n\r\nbody\r\n"
	if _, err := c.SendRaw(context.Background(), from, []domain.Address{to}, []byte(data)); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()
	if len(m) != 1 {
		t.Fatalf("server stored %d messages; want 1", len(m))
	}
	if strings.Contains(string(m[0].Data), "blind@example.test") {
		t.Errorf("the Bcc field went out:\n%s", m[0].Data)
	}
}
