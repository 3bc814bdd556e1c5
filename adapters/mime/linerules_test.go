package mime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	mrand "math/rand/v2"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// pieces that generated text is made of: ASCII words, blanks, line breaks
// of every kind, QP-sensitive characters, multi-byte runes and long runs.
var textPieces = []string{
	"hello", "world", " ", "  ", "\t", "\r", "\n", "\r\n", "=", "=?", "?=", "--", "_", ".", "From ",
	"é", "ü", "日本", "🎉", "\u00a0", strings.Repeat("x", 90), strings.Repeat("long", 300), strings.Repeat("ö", 80),
}

// genText returns up to n pieces; without allowBreaks it leaves out
// line breaks, and tabs too for names (no control character).
func genText(r *mrand.Rand, n int, allowBreaks bool) string {
	var b strings.Builder
	for range r.IntN(n) {
		p := textPieces[r.IntN(len(textPieces))]
		if !allowBreaks && strings.ContainsAny(p, "\r\n") {
			continue
		}
		b.WriteString(p)
	}
	return b.String()
}

func genName(r *mrand.Rand) string {
	return strings.ReplaceAll(genText(r, 6, false), "\t", "")
}

func genEmail(t *testing.T, r *mrand.Rand) (*domain.Email, ports.EncodeOptions) {
	opts := ports.EncodeOptions{Allow8Bit: r.IntN(2) == 0, UTF8: r.IntN(3) == 0}
	from := "ann@example.com"
	if opts.UTF8 {
		from = "änn@bücher.example"
	}
	fromAddr, err := domain.NewAddress(genName(r), from)
	if err != nil {
		t.Fatal(err)
	}
	e := &domain.Email{
		From:     fromAddr,
		To:       []domain.Address{addr(t, "bob@example.org")},
		Subject:  genText(r, 30, false),
		TextBody: genText(r, 60, true),
	}
	for range r.IntN(4) {
		a, err := domain.NewAddress(genName(r), fmt.Sprintf("cc%d@例え.jp", r.IntN(100)))
		if err != nil {
			t.Fatal(err)
		}
		e.Cc = append(e.Cc, a)
	}
	if r.IntN(2) == 0 {
		e.HTMLBody = "<p>" + genText(r, 60, true) + "</p>"
	}
	if r.IntN(2) == 0 {
		e.Headers = append(e.Headers, domain.Header{Name: "X-Generated", Value: genText(r, 30, false)})
	}
	for i := range r.IntN(3) {
		data := make([]byte, r.IntN(3000))
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		e.Attachments = append(e.Attachments, domain.Attachment{Filename: fmt.Sprintf("%d-%s.bin", i, genName(r)), Content: domain.BytesSource(data)})
	}
	if e.HTMLBody != "" && r.IntN(2) == 0 {
		e.InlineImages = []domain.InlineImage{{ContentID: "img@x", Content: domain.BytesSource(pngData)}}
	}
	return e, opts
}

// TestLineRulesGenerated encodes many generated messages and checks each
// against the output rules (CRLF only, lines of at most 998 octets, 7-bit
// unless allowed, 8-bit octets only in 8bit text parts) and that it reads
// back as it was written.
func TestLineRulesGenerated(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for i := range 300 {
		e, opts := genEmail(t, r)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			enc := testEncoder(byte(i))
			m, err := enc.Prepare(e, opts)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			var buf bytes.Buffer
			if _, err := m.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			if err := checkLineRules(data, opts.Allow8Bit || opts.UTF8); err != nil {
				t.Fatal(err)
			}
			check8Bit(t, data, opts)
			verifyGo(t, encCase{opts: opts}, e, data, m.MessageID())
		})
	}
}

// check8Bit asserts that 8-bit octets appear only in 8bit text parts, or in
// the top header when UTF8 allows raw addresses.
func check8Bit(t *testing.T, data []byte, opts ports.EncodeOptions) {
	t.Helper()
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	if !opts.UTF8 && hasHighBit(head) {
		t.Errorf("8-bit octets in the header without UTF8")
	}
	_, root := parseMessage(t, data)
	for _, p := range root.leaves() {
		if hasHighBit(p.raw) && (!opts.Allow8Bit || p.header.Get("Content-Transfer-Encoding") != "8bit") {
			t.Errorf("8-bit octets in a %s part with %s", p.mediaType, p.header.Get("Content-Transfer-Encoding"))
		}
		for k, vs := range p.header {
			if !strings.HasPrefix(k, "Content-") {
				continue // the root leaf of a single-part message has the top header
			}
			for _, v := range vs {
				if hasHighBit([]byte(k + v)) {
					t.Errorf("8-bit octets in part header %s", k)
				}
			}
		}
	}
}

// TestHeaderLinesFold checks that generated header fields keep to 78
// characters where the content allows it: every line longer than 78 is a
// single unbreakable token.
func TestHeaderLinesFold(t *testing.T) {
	r := mrand.New(mrand.NewPCG(3, 4))
	for range 200 {
		e, opts := genEmail(t, r)
		data := encode(t, testEncoder(1), e, opts)
		head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			if len(line) <= maxLine {
				continue
			}
			_, rest, _ := strings.Cut(strings.TrimLeft(line, " "), ": ")
			if strings.HasPrefix(line, " ") {
				rest = strings.TrimLeft(line, " ")
			}
			if strings.Contains(strings.TrimSpace(rest), " ") && !strings.Contains(line, "  ") {
				t.Errorf("foldable header line of %d characters: %q", len(line), line)
			}
		}
	}
}
