package mime

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	stdmime "mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	mrand "math/rand/v2"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// testDate is the clock of every deterministic test.
var testDate = time.Date(2026, 3, 3, 14, 5, 9, 0, time.FixedZone("CET", 3600))

// testEncoder returns an Encoder with a seeded random source and a fixed
// clock, so its output is reproducible.
func testEncoder(seed byte) *Encoder {
	return New(WithRand(mrand.NewChaCha8([32]byte{seed})), WithClock(func() time.Time { return testDate }))
}

func addr(t testing.TB, s string) domain.Address {
	t.Helper()
	a, err := domain.ParseAddress(s)
	if err != nil {
		t.Fatalf("ParseAddress(%q): %v", s, err)
	}
	return a
}

// encode prepares and writes e, checking that Size and a second WriteTo
// agree with the first write.
func encode(t testing.TB, enc *Encoder, e *domain.Email, opts ports.EncodeOptions) []byte {
	t.Helper()
	m, err := enc.Prepare(e, opts)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, buf.Len())
	}
	size, err := m.Size()
	if err != nil || size != n {
		t.Fatalf("Size() = %d, %v; WriteTo wrote %d", size, err, n)
	}
	var again bytes.Buffer
	if _, err := m.WriteTo(&again); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatalf("second WriteTo differs from the first (%v)", err)
	}
	if got := hasHighBit(buf.Bytes()); got != m.EightBit() {
		t.Fatalf("EightBit() = %v; output has 8-bit octets: %v", m.EightBit(), got)
	}
	return buf.Bytes()
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// checkLineRules returns the first way data breaks the output rules: a bare
// CR or LF, a line over 998 octets, no final CRLF, or an octet above 127
// when !allow8Bit.
func checkLineRules(data []byte, allow8Bit bool) error {
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		return errors.New("message does not end with CRLF")
	}
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		body, ok := bytes.CutSuffix(line, []byte("\r\n"))
		if !ok {
			return fmt.Errorf("line %d: bare LF or no CRLF: %q", n+1, line)
		}
		if bytes.IndexByte(body, '\r') >= 0 {
			return fmt.Errorf("line %d: bare CR", n+1)
		}
		if len(body) > hardLine {
			return fmt.Errorf("line %d: %d octets", n+1, len(body))
		}
		if !allow8Bit && hasHighBit(body) {
			return fmt.Errorf("line %d: 8-bit octet without Allow8Bit", n+1)
		}
	}
	return nil
}

// parsedPart is a leaf or multipart read back with Go's parsers.
type parsedPart struct {
	header    textproto.MIMEHeader
	mediaType string
	params    map[string]string
	children  []*parsedPart
	raw       []byte // the body as sent
	content   []byte // the body after its transfer decoding
}

func (p *parsedPart) structure() string {
	if len(p.children) == 0 {
		return p.mediaType
	}
	s := make([]string, len(p.children))
	for i, c := range p.children {
		s[i] = c.structure()
	}
	return p.mediaType + "(" + strings.Join(s, ",") + ")"
}

// leaves returns the leaf parts in order.
func (p *parsedPart) leaves() []*parsedPart {
	if len(p.children) == 0 {
		return []*parsedPart{p}
	}
	var out []*parsedPart
	for _, c := range p.children {
		out = append(out, c.leaves()...)
	}
	return out
}

// filename returns the Content-Disposition filename (RFC 2231 decoded) and
// the Content-Type name (RFC 2047 decoded).
func (p *parsedPart) filename(t testing.TB) (filename, name string) {
	t.Helper()
	if d := p.header.Get("Content-Disposition"); d != "" {
		_, params, err := stdmime.ParseMediaType(d)
		if err != nil {
			t.Fatalf("Content-Disposition %q: %v", d, err)
		}
		filename = params["filename"]
	}
	name, err := new(stdmime.WordDecoder).DecodeHeader(p.params["name"])
	if err != nil {
		t.Fatalf("name %q: %v", p.params["name"], err)
	}
	return filename, name
}

// parseMessage reads data back with net/mail, mime/multipart (raw parts),
// quotedprintable and base64.
func parseMessage(t testing.TB, data []byte) (*mail.Message, *parsedPart) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v", err)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	return msg, parsePart(t, textproto.MIMEHeader(msg.Header), body)
}

func parsePart(t testing.TB, h textproto.MIMEHeader, body []byte) *parsedPart {
	t.Helper()
	ct := h.Get("Content-Type")
	mt, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ct, err)
	}
	p := &parsedPart{header: h, mediaType: mt, params: params, raw: body}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("multipart %s: %v", mt, err)
			}
			b, err := io.ReadAll(part)
			if err != nil {
				t.Fatalf("multipart %s part: %v", mt, err)
			}
			p.children = append(p.children, parsePart(t, part.Header, b))
		}
		if len(p.children) == 0 {
			t.Fatalf("multipart %s without parts", mt)
		}
		return p
	}
	switch cte := h.Get("Content-Transfer-Encoding"); cte {
	case "7bit", "8bit":
		p.content = body
	case "quoted-printable":
		p.content, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "base64":
		lines := bytes.Split(body, []byte("\r\n"))
		for i, l := range lines {
			if len(l) > b64LineChars || (i < len(lines)-1 && len(l) != b64LineChars) {
				t.Fatalf("base64 line %d of %s has %d characters", i+1, mt, len(l))
			}
		}
		p.content, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.Join(lines, nil))))
	default:
		t.Fatalf("unexpected Content-Transfer-Encoding %q", cte)
	}
	if err != nil {
		t.Fatalf("decoding %s: %v", mt, err)
	}
	return p
}

// decodeHeader decodes RFC 2047 encoded words.
func decodeHeader(t testing.TB, s string) string {
	t.Helper()
	d, err := new(stdmime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("DecodeHeader(%q): %v", s, err)
	}
	return d
}

// wantText returns what a text body reads back as: CRLF-normalised, with a
// final CRLF when it is the whole message (single part).
func wantText(s string, single bool) string {
	b := string(normalizeNewlines(s))
	if single && b != "" && !strings.HasSuffix(b, "\r\n") {
		b += "\r\n"
	}
	return b
}

// kindOf returns the kind of err, failing unless err is a *domain.Error.
func kindOf(t testing.TB, err error) domain.Kind {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	return de.Kind
}

func bufioWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, writeBuffer) }

func itoa(i int) string { return strconv.Itoa(i) }

func mailHeaderDate(s string) (time.Time, error) { return mail.ParseDate(s) }
