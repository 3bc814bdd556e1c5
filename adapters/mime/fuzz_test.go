package mime

import (
	"bytes"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// FuzzEncodeHeader encodes arbitrary subject, display name and custom
// header bytes. Prepare either refuses them with KindInvalidHeader, or the
// output obeys the line rules and Go's parsers read the values back.
func FuzzEncodeHeader(f *testing.F) {
	f.Add("Quarterly report", "Ann Example", "plain value")
	f.Add("Grüße aus Köln 🎉", "Jörg Müller", "Wert mit Ümlaut")
	f.Add("=?utf-8?q?fake?=", `Say "hi" \ there`, "a=?b ?= c")
	f.Add(strings.Repeat("long ", 300), strings.Repeat("n", 200), strings.Repeat("x", 1200))
	f.Add("a\r\nBcc: victim@example.org", "Eve", "v\x00")
	f.Add("  padded\t ", " ", "\t")
	f.Add("caf\xe9", "\xff", "\xfe")
	f.Add(strings.Repeat("日本語", 100), strings.Repeat("é", 70), strings.Repeat("🎉 ", 50))
	f.Fuzz(func(t *testing.T, subject, name, value string) {
		from, err := domain.NewAddress(name, "ann@example.com")
		if err != nil {
			from = domain.MustParseAddress("ann@example.com")
		}
		e := &domain.Email{
			From:    from,
			To:      []domain.Address{domain.MustParseAddress("bob@example.org")},
			Subject: subject,
			Headers: []domain.Header{{Name: "X-Fuzz", Value: value}},
		}
		m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
		if err != nil {
			if k := kindOf(t, err); k != domain.KindInvalidHeader {
				t.Fatalf("Prepare error kind %v: %v", k, err)
			}
			return
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if err := checkLineRules(buf.Bytes(), false); err != nil {
			t.Fatal(err)
		}
		msg, _ := parseMessage(t, buf.Bytes())
		if got := decodeHeader(t, msg.Header.Get("Subject")); trimBlank(got) != trimBlank(subject) {
			t.Errorf("Subject = %q; want %q", got, subject)
		}
		if got := decodeHeader(t, msg.Header.Get("X-Fuzz")); trimBlank(got) != trimBlank(value) {
			t.Errorf("X-Fuzz = %q; want %q", got, value)
		}
		list, err := msg.Header.AddressList("From")
		if err != nil || len(list) != 1 {
			t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
		}
		if list[0].Name != from.Name() || list[0].Address != "ann@example.com" {
			t.Errorf("From = %q <%s>; want %q", list[0].Name, list[0].Address, from.Name())
		}
	})
}

// FuzzLineRules encodes arbitrary subject, body, filename and attachment
// bytes, with and without 8BITMIME. Prepare either refuses them with
// KindInvalidHeader or KindAttachment, or the output obeys the line rules
// and reads back: body CRLF-normalised, filename and content exact.
func FuzzLineRules(f *testing.F) {
	f.Add("subject", "Hello\nWorld\n", "report.pdf", []byte("%PDF-1.4"), false)
	f.Add("Grüße", "Grüße\r\n"+strings.Repeat("ö", 600), "résumé.pdf", []byte{0, 1, 2, 255}, true)
	f.Add("", "", "", []byte(nil), false)
	f.Add("x", "cr\rlf\nnul\x00 trailing \t\n.\n--=_\n", strings.Repeat("ü", 300), bytes.Repeat([]byte{0xa5}, 3000), true)
	f.Add("x", strings.Repeat("a", 1000)+"\n"+strings.Repeat("b", 998), `q"uo\te.txt`, []byte("\r\n\r"), false)
	f.Add("x", "body", "a\r\nb.txt", []byte("x"), false)
	f.Add("x", "body", "=?utf-8?q?x?=.txt", []byte("x"), false)
	f.Fuzz(func(t *testing.T, subject, body, filename string, data []byte, allow8Bit bool) {
		e := &domain.Email{
			From:     domain.MustParseAddress("ann@example.com"),
			To:       []domain.Address{domain.MustParseAddress("bob@example.org")},
			Subject:  subject,
			TextBody: body,
		}
		structure := "text/plain"
		if filename != "" {
			e.Attachments = []domain.Attachment{{Filename: filename, Content: domain.BytesSource(data)}}
			structure = "multipart/mixed(text/plain," + ContentTypeByFilename(filename) + ")"
		}
		opts := ports.EncodeOptions{Allow8Bit: allow8Bit}
		m, err := testEncoder(1).Prepare(e, opts)
		if err != nil {
			if k := kindOf(t, err); k != domain.KindInvalidHeader && k != domain.KindAttachment {
				t.Fatalf("Prepare error kind %v: %v", k, err)
			}
			return
		}
		var buf bytes.Buffer
		n, err := m.WriteTo(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if size, _ := m.Size(); size != n {
			t.Fatalf("Size() = %d; wrote %d", size, n)
		}
		if err := checkLineRules(buf.Bytes(), allow8Bit); err != nil {
			t.Fatal(err)
		}
		if hasHighBit(buf.Bytes()) != m.EightBit() {
			t.Fatalf("EightBit() = %v", m.EightBit())
		}
		check8Bit(t, buf.Bytes(), opts)
		verifyGo(t, encCase{opts: opts, structure: structure}, e, buf.Bytes(), m.MessageID())
	})
}
