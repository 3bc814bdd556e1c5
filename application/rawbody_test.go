package application

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/integrations/smtp/domain"
)

// rawReaders are the ways the tests feed a message to rawBody: whole, one
// octet at a time, in halves, in odd chunks, and with io.EOF on the last data.
var rawReaders = []struct {
	name string
	wrap func([]byte) io.Reader
}{
	{"in memory", func(p []byte) io.Reader { return inMemory{bytes.NewReader(p), p} }},
	{"whole", func(p []byte) io.Reader { return bytes.NewReader(p) }}, // seekable and small: read whole
	{"whole, not seekable", func(p []byte) io.Reader { return onlyReader{bytes.NewReader(p)} }},
	{"one octet", func(p []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(p)) }},
	{"halves", func(p []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(p)) }},
	{"chunks of 7", func(p []byte) io.Reader { return &chunkReader{p: p, n: 7} }},
	{"data with EOF", func(p []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(p)) }},
}

// inMemory marks a message for newRawBodyBytes.
type inMemory struct {
	*bytes.Reader
	data []byte
}

// newRawBodyOf is newRawBodyBytes for inMemory, newRawBody for the others.
func newRawBodyOf(src io.Reader) (*rawBody, error) {
	if m, ok := src.(inMemory); ok {
		return newRawBodyBytes(m.data)
	}
	return newRawBody(src)
}

// chunkReader reads p at most n octets at a time.
type chunkReader struct {
	p []byte
	n int
}

func (r *chunkReader) Read(b []byte) (int, error) {
	if len(r.p) == 0 {
		return 0, io.EOF
	}
	k := copy(b[:min(len(b), r.n)], r.p)
	r.p = r.p[k:]
	return k, nil
}

// writeRaw makes a rawBody of src and writes it once.
func writeRaw(t *testing.T, src io.Reader) (*rawBody, []byte, error) {
	t.Helper()
	b, err := newRawBodyOf(src)
	if err != nil {
		t.Fatalf("newRawBody: %v", err)
	}
	var out crlfChecker
	n, err := b.WriteTo(&out)
	if n != int64(out.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, out.Len())
	}
	if out.broken != nil {
		t.Fatalf("WriteCRLF got a bare line end: %q", out.broken)
	}
	return b, out.Bytes(), err
}

// crlfChecker is a ports.CRLFWriter that holds WriteCRLF to its promise.
type crlfChecker struct {
	bytes.Buffer
	calls  int    // of WriteCRLF
	broken []byte // the first p of WriteCRLF with a bare CR or LF
}

func (c *crlfChecker) WriteCRLF(p []byte) (int, error) {
	c.calls++
	for i, ch := range p {
		bare := ch == '\r' && (i+1 == len(p) || p[i+1] != '\n') || ch == '\n' && (i == 0 || p[i-1] != '\r')
		if bare && c.broken == nil {
			c.broken = bytes.Clone(p)
		}
	}
	return c.Write(p)
}

func TestRawBodyUsesWriteCRLF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give []byte
		some bool // some of it goes through WriteCRLF
		none bool // none of it does
	}{
		{name: "CRLF", give: boundaryMessage(100000, 100, "\r\n"), some: true},
		{name: "LF", give: boundaryMessage(100000, 100, "\n"), none: true},
		{name: "CRLF with one bare LF", give: []byte("S: s\r\n\r\na\r\nb\nc\r\n")}, // depends on the reads
	}
	for _, tt := range tests {
		for _, r := range rawReaders {
			b, err := newRawBodyOf(r.wrap(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			var w crlfChecker
			if _, err := b.WriteTo(&w); err != nil {
				t.Fatal(err)
			}
			if tt.some && w.calls == 0 || tt.none && w.calls > 0 || w.broken != nil {
				t.Errorf("%s, %s: %d calls of WriteCRLF, broken promise %q", tt.name, r.name, w.calls, w.broken)
			}
			if want, _ := refCheckRaw(tt.give); !bytes.Equal(w.Bytes(), want) {
				t.Errorf("%s, %s: output differs", tt.name, r.name)
			}
		}
	}
}

func has8bitSlow(p []byte) bool {
	for _, c := range p {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func TestRawBodyOutput(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, give, want string }{
		{name: "no bcc", give: "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n", want: "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n"},
		{name: "bcc first", give: "Bcc: c@z\r\nFrom: a@x\r\n\r\nbody\r\n", want: "From: a@x\r\n\r\nbody\r\n"},
		{name: "bcc in the middle", give: "From: a@x\r\nBcc: c@z\r\nTo: b@y\r\n\r\nbody\r\n", want: "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n"},
		{name: "bcc last", give: "From: a@x\r\nBcc: c@z\r\n\r\nbody\r\n", want: "From: a@x\r\n\r\nbody\r\n"},
		{name: "folded bcc", give: "From: a@x\r\nBcc: c@z,\r\n d@z,\r\n\te@z\r\nTo: b@y\r\n\r\nbody\r\n", want: "From: a@x\r\nTo: b@y\r\n\r\nbody\r\n"},
		{name: "two bcc fields, any case", give: "BCC: c@z\r\nFrom: a@x\r\nbcc: d@z\r\n e@z\r\n\r\nx\r\n", want: "From: a@x\r\n\r\nx\r\n"},
		{name: "only bcc", give: "Bcc: c@z\r\n", want: ""},
		{name: "bcc in the body stays", give: "From: a@x\r\n\r\nBcc: c@z\r\n d@z\r\n", want: "From: a@x\r\n\r\nBcc: c@z\r\n d@z\r\n"},
		{name: "names that only start like bcc stay; white space before the colon is still Bcc", give: "Bccx: 1\r\nBcc : 2\r\nX-Bcc: 3\r\nResent-Bcc: 4\r\n\r\n", want: "Bccx: 1\r\nX-Bcc: 3\r\n\r\n"},
		{name: "a continuation first stays", give: " x\r\nBcc: y\r\n\r\n", want: " x\r\n\r\n"},
		{name: "bare LF", give: "Bcc: c@z\nFrom: a@x\n\nbody\n", want: "From: a@x\n\nbody\n"},
		{name: "bare CR", give: "From: a@x\rBcc: c@z\r d@z\rTo: b@y\r\rbody\rBcc: d\r", want: "From: a@x\rTo: b@y\r\rbody\rBcc: d\r"},
		{name: "mixed", give: "From: a@x\r\nBcc: c@z\n d@z\rTo: b@y\n\r\nbody\rmore\nend\r\n", want: "From: a@x\r\nTo: b@y\n\r\nbody\rmore\nend\r\n"},
		{name: "CR CR LF is a bare CR and a CRLF", give: "A: b\r\r\nBcc: c\r\n\r\n", want: "A: b\r\r\nBcc: c\r\n\r\n"},
		{name: "no final line end", give: "From: a@x\r\n\r\nbody", want: "From: a@x\r\n\r\nbody"},
		{name: "header only, no final line end", give: "Subject: s", want: "Subject: s"},
		{name: "bcc at the end without line end", give: "Subject: s\r\nBcc: c@z", want: "Subject: s\r\n"},
		{name: "empty header section", give: "\r\nBcc: c@z\r\nbody\r\n", want: "\r\nBcc: c@z\r\nbody\r\n"},
		{name: "empty body", give: "From: a@x\r\nBcc: c@z\r\n\r\n", want: "From: a@x\r\n\r\n"},
		{name: "header without empty line", give: "From: a@x\r\nBcc: c@z\r\n", want: "From: a@x\r\n"},
		{name: "dots stay for the session to stuff", give: "S: s\r\n\r\n.\r\n..x\r\n", want: "S: s\r\n\r\n.\r\n..x\r\n"},
		{name: "8-bit", give: "Subject: \xc3\xa9\r\nBcc: \xff\r\n\r\nb\xc3\xbc\r\n", want: "Subject: \xc3\xa9\r\n\r\nb\xc3\xbc\r\n"},
		{name: "8-bit only in a bcc", give: "Bcc: \xff\r\n\r\nascii\r\n", want: "\r\nascii\r\n"},
		{name: "line ends only", give: "\n\r\r\n\n", want: "\n\r\r\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			give := []byte(tt.give)
			// The yardstick: the old functions, on the message as the wire
			// sees it when a bare CR would fool their LF-only split.
			if hasBareCR(give) {
				ref, err := refCheckRaw(crlf(give))
				if err != nil || !bytes.Equal(ref, crlf([]byte(tt.want))) {
					t.Fatalf("table disagrees with the reference: %q, %v", ref, err)
				}
			} else if ref, err := refCheckRaw(give); err != nil || string(ref) != tt.want {
				t.Fatalf("table disagrees with the reference: %q, %v", ref, err)
			}
			for _, r := range rawReaders {
				b, out, err := writeRaw(t, r.wrap(give))
				if err != nil || string(out) != tt.want {
					t.Fatalf("%s: WriteTo = %q, %v; want %q", r.name, out, err, tt.want)
				}
				if size, _ := b.Size(); size != int64(len(out)) {
					t.Errorf("%s: Size = %d; want the %d octets written", r.name, size, len(out))
				}
				if b.EightBit() != has8bitSlow(out) {
					t.Errorf("%s: EightBit = %v", r.name, b.EightBit())
				}
			}
		})
	}
}

func TestRawBodyRefusesLines(t *testing.T) {
	t.Parallel()
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name      string
		written   string // what goes out before the refused line
		bad, rest string // the refused line and what follows it
		wantMsg   string // "" when nothing is refused
	}{
		{name: "header line of 998", written: "X: " + a(995) + "\r\n\r\nb\r\n"},
		{name: "header line of 999", written: "From: a@x\r\n", bad: "X: " + a(996) + "\r\n", rest: "\r\nb\r\n",
			wantMsg: "line 2 is 999 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "body line of 998", written: "S: s\r\n\r\n" + a(998) + "\r\n" + a(998)},
		{name: "body line of 999", written: "S: s\r\n\r\nok\r\n", bad: a(999) + "\r\n", rest: "ok\r\n",
			wantMsg: "line 4 is 999 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "last line of 999 without line end", written: "S: s\n\n", bad: a(999),
			wantMsg: "line 3 is 999 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "body line of 999 with a bare LF", written: "S: s\n\nok\n", bad: a(999) + "\n",
			wantMsg: "line 4 is 999 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "long line ended by a bare CR", written: "S: s\r\n\r\n", bad: a(1500) + "\r", rest: "x\r\n",
			wantMsg: "line 3 is 1500 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "bare CRs cut a long run into lines", written: "S: s\r\n\r\n" + a(700) + "\r" + a(800) + "\r\n"},
		{name: "the long line after a bare CR", written: "S: s\r\n\r\n" + a(200) + "\r", bad: a(1300) + "\r\n",
			wantMsg: "line 4 is 1300 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "long bcc line", written: "From: a@x\r\n", bad: "Bcc: " + a(1000) + "\r\n", rest: "\r\n",
			wantMsg: "line 2 is 1005 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "long continuation of a bcc", written: "From: a@x\r\n", bad: "Bcc: c@z\r\n " + a(1000) + "\r\n", rest: "\r\n",
			wantMsg: "line 3 is 1001 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "NUL in the header", written: "From: a@x\r\n", bad: "X: \x00\r\n", rest: "\r\nbody\r\n", wantMsg: "line 2 holds a NUL octet"},
		{name: "NUL in the body", written: "S: s\r\n\r\nok\rok\n", bad: "a\x00b\r\n", rest: "ok\r\n", wantMsg: "line 5 holds a NUL octet"},
		{name: "NUL at the end", written: "S: s\r\n\r\n", bad: "\x00", wantMsg: "line 3 holds a NUL octet"},
		{name: "long and NUL on one line: long first", written: "S: s\r\n\r\n", bad: "\x00" + a(999) + "\r\n",
			wantMsg: "line 3 is 1000 octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)"},
		{name: "NUL before a long line", written: "S: s\r\n\r\n", bad: "\x00\r\n", rest: a(1200) + "\r\n", wantMsg: "line 3 holds a NUL octet"},
		{name: "NUL after a bare CR on a long run", written: "S: s\r\n\r\n" + a(10) + "\r", bad: "\x00" + a(20) + "\r\n", rest: a(2000),
			wantMsg: "line 4 holds a NUL octet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			give := []byte(tt.written + tt.bad + tt.rest)
			_, rerr := refCheckRaw(give)
			if de := domain.AsError(rerr); (rerr == nil) != (tt.wantMsg == "") || (de != nil && de.Message != tt.wantMsg) {
				t.Fatalf("table disagrees with the reference: %v", rerr)
			}
			for _, r := range rawReaders {
				b, out, err := writeRaw(t, r.wrap(give))
				want := tt.written
				if i := strings.Index(want, "Bcc"); i >= 0 && tt.wantMsg == "" {
					t.Fatal("a Bcc in written") // the table keeps them out for simplicity
				}
				if string(out) != want {
					t.Errorf("%s: wrote %q; want %q", r.name, out, want)
				}
				if tt.wantMsg == "" {
					if err != nil {
						t.Errorf("%s: %v", r.name, err)
					}
					continue
				}
				if de := domain.AsError(err); de == nil || de.Kind != domain.KindInvalidInput || de.Message != tt.wantMsg {
					t.Errorf("%s: err = %v; want invalid input %q", r.name, err, tt.wantMsg)
				}
				if size, _ := b.Size(); size != 0 {
					t.Errorf("%s: Size after a failed write = %d", r.name, size)
				}
			}
		})
	}
}

// boundaryMessage is a message of about 140 KB whose line of lineLen octets
// starts at offset at, with line ends eol.
func boundaryMessage(at, lineLen int, eol string) []byte {
	m := []byte("From: a@x" + eol + "Bcc: hidden@z" + eol + " more@z" + eol + eol)
	filler := strings.Repeat("f", 60) + eol
	for len(m)+len(filler) <= at {
		m = append(m, filler...)
	}
	m = append(m, strings.Repeat("s", at-len(m))...) // a short line up to at
	m = append(m, eol...)
	m = append(m, strings.Repeat("L", lineLen)+eol...)
	for len(m) < 140<<10 {
		m = append(m, "tail \xc3\xa9"+eol...)
	}
	return m
}

func TestRawBodyBufferBoundaries(t *testing.T) {
	t.Parallel()
	var shifts []int
	for d := -2; d <= 2; d++ {
		shifts = append(shifts, rawBufferSize+d, rawBufferSize-998+d, 2*rawBufferSize-500+d)
	}
	for _, eol := range []string{"\r\n", "\n", "\r"} {
		for _, lineLen := range []int{998, 999} {
			for _, at := range shifts {
				give := boundaryMessage(at-len(eol), lineLen, eol)
				want, werr := refCheckRaw(crlf(give))
				for _, r := range rawReaders {
					if r.name == "one octet" || r.name == "chunks of 7" { // slow for 140 KB; the others vary the cuts enough
						continue
					}
					b, out, err := writeRaw(t, r.wrap(give))
					if werr != nil {
						if de := domain.AsError(err); de == nil || de.Message != domain.AsError(werr).Message {
							t.Fatalf("%q %d at %d, %s: err = %v; want %v", eol, lineLen, at, r.name, err, werr)
						}
						if !bytes.HasPrefix(want, crlf(out)) && !bytes.HasPrefix(refStripBcc(crlf(give)), crlf(out)) {
							t.Fatalf("%q %d at %d, %s: wrote what the message does not start with", eol, lineLen, at, r.name)
						}
						continue
					}
					if err != nil || !bytes.Equal(crlf(out), want) {
						t.Fatalf("%q %d at %d, %s: output differs (err %v)", eol, lineLen, at, r.name, err)
					}
					if size, _ := b.Size(); size != int64(len(out)) {
						t.Fatalf("%q %d at %d, %s: Size = %d; want %d", eol, lineLen, at, r.name, size, len(out))
					}
				}
			}
		}
	}
}

func TestRawBodyMessageID(t *testing.T) {
	t.Parallel()
	big := "X-Pad: " + strings.Repeat("p", 900) + "\r\n"
	tests := []struct{ name, give, want string }{
		{name: "plain", give: "From: a@x\r\nMessage-ID: <id.1@x>\r\n\r\nbody\r\n", want: "id.1@x"},
		{name: "any case, no space", give: "message-id:<id.2@x>\n\n", want: "id.2@x"},
		{name: "folded", give: "Message-ID:\r\n <id.3@x>\r\nTo: b@y\r\n\r\n", want: "id.3@x"},
		{name: "folded twice with bare LF", give: "Message-Id:\n \n\t<id.4@x>\nTo: b@y\n\n", want: "id.4@x"},
		{name: "the first of two", give: "Message-ID: <a@x>\r\nMessage-ID: <b@x>\r\n\r\n", want: "a@x"},
		{name: "last field, no empty line", give: "From: a@x\r\nMessage-ID: <id.5@x>", want: "id.5@x"},
		{name: "only in the body", give: "From: a@x\r\n\r\nMessage-ID: <no@x>\r\n", want: ""},
		{name: "none", give: "From: a@x\r\n\r\n", want: ""},
		{name: "after 60 KiB of header", give: strings.Repeat(big, 60<<10/len(big)) + "Message-ID: <far@x>\r\n\r\nb\r\n", want: "far@x"},
		{name: "beyond the 64 KiB peek", give: strings.Repeat(big, 70<<10/len(big)) + "Message-ID: <too.far@x>\r\n\r\nb\r\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if ref, ok := refMessageID([]byte(tt.give)); ok && len(tt.give) < rawPeekSize && ref != tt.want {
				t.Fatalf("table disagrees with net/mail: %q", ref)
			}
			for _, r := range rawReaders {
				b, err := newRawBodyOf(r.wrap([]byte(tt.give)))
				if err != nil {
					t.Fatal(err)
				}
				if got := b.MessageID(); got != tt.want {
					t.Errorf("%s: MessageID = %q; want %q", r.name, got, tt.want)
				}
			}
		})
	}
}

func TestRawBodyPeeksTheHeaderOnly(t *testing.T) {
	t.Parallel()
	give := []byte("From: a@x\r\nMessage-ID: <p@x>\r\n\r\n" + strings.Repeat("body\r\n", 20000) + "\xc3\xa9\r\n")
	src := &countingReader{r: iotest.OneByteReader(bytes.NewReader(give))}
	b, err := newRawBody(src)
	if err != nil {
		t.Fatal(err)
	}
	if src.n != int64(len("From: a@x\r\nMessage-ID: <p@x>\r\n\r\n")) {
		t.Errorf("the peek read %d octets; want the header section", src.n)
	}
	if size, _ := b.Size(); size != 0 || b.EightBit() {
		t.Errorf("before a write: Size %d, EightBit %v; want 0, false (the peek saw no 8-bit octet)", size, b.EightBit())
	}
	if _, err := b.WriteTo(io.Discard); err != nil {
		t.Fatal(err)
	}
	if size, _ := b.Size(); size != int64(len(give)) || !b.EightBit() {
		t.Errorf("after a write: Size %d, EightBit %v; want %d, true", size, b.EightBit(), len(give))
	}
}

func TestRawBodyEightBitBeforeWrite(t *testing.T) {
	t.Parallel()
	b, err := newRawBody(bytes.NewReader([]byte("Subject: \xc3\xa9\r\n\r\nx\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !b.EightBit() {
		t.Error("EightBit before a write ignores the peeked header")
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestRawBodyRewriteSeekable(t *testing.T) {
	t.Parallel()
	msg := "From: a@x\r\nBcc: c@z\r\n\r\n" + strings.Repeat("line\r\n", 30000)
	want := "From: a@x\r\n\r\n" + strings.Repeat("line\r\n", 30000)
	path := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(path, []byte("junk"+msg), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(4, io.SeekStart); err != nil { // the message starts where the file stands
		t.Fatal(err)
	}
	for name, src := range map[string]io.Reader{"bytes.Reader": strings.NewReader(msg), "file": f, "in memory": inMemory{data: []byte(msg)}} {
		b, err := newRawBodyOf(src)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			var out bytes.Buffer
			if _, err := b.WriteTo(&out); err != nil {
				t.Fatalf("%s, write %d: %v", name, i+1, err)
			}
			if out.String() != want {
				t.Fatalf("%s, write %d: output differs", name, i+1)
			}
			if size, _ := b.Size(); size != int64(len(want)) {
				t.Fatalf("%s, write %d: Size = %d", name, i+1, size)
			}
		}
		if !b.replayable() {
			t.Errorf("%s: a seekable message is not replayable", name)
		}
	}
}

func TestRawBodyRewriteNonSeekable(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe() // an *os.File that cannot seek
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		_, _ = pw.WriteString("From: a@x\r\n\r\nbody\r\n")
		_ = pw.Close()
	}()
	for name, src := range map[string]io.Reader{"reader": iotest.HalfReader(strings.NewReader("S: s\r\n\r\nbody\r\n")), "pipe": pr} {
		b, err := newRawBody(src)
		if err != nil {
			t.Fatal(err)
		}
		if !b.replayable() {
			t.Errorf("%s: not replayable before the first write", name)
		}
		if _, err := b.WriteTo(io.Discard); err != nil {
			t.Fatalf("%s: first write: %v", name, err)
		}
		if b.replayable() {
			t.Errorf("%s: replayable after the first write", name)
		}
		var out bytes.Buffer
		n, err := b.WriteTo(&out)
		if de := domain.AsError(err); de == nil || de.Kind != domain.KindInvalidInput || !strings.Contains(de.Message, "written only once") {
			t.Errorf("%s: second write: %v; want invalid input, written only once", name, err)
		}
		if n != 0 || out.Len() != 0 {
			t.Errorf("%s: second write wrote %d octets", name, out.Len())
		}
	}
}

func TestRawBodyEmpty(t *testing.T) {
	t.Parallel()
	for _, src := range []io.Reader{strings.NewReader(""), iotest.DataErrReader(strings.NewReader(""))} {
		if _, err := newRawBody(src); domain.KindOf(err) != domain.KindInvalidInput {
			t.Errorf("newRawBody(empty) = %v; want invalid input", err)
		}
	}
	if _, err := newRawBodyBytes(nil); domain.KindOf(err) != domain.KindInvalidInput {
		t.Errorf("newRawBodyBytes(nil) = %v; want invalid input", err)
	}
}

var errSource = errors.New("disk on fire")

func TestRawBodySourceFails(t *testing.T) {
	t.Parallel()
	header := "From: a@x\r\n\r\n"
	tests := []struct {
		name    string
		src     io.Reader
		inPeek  bool
		wantErr error
	}{
		{name: "in the peek", src: io.MultiReader(strings.NewReader("From: a@x\r\n"), iotest.ErrReader(errSource)), inPeek: true, wantErr: errSource},
		{name: "in the body", src: io.MultiReader(strings.NewReader(header+"part"), iotest.ErrReader(errSource)), wantErr: errSource},
		{name: "a timeout", src: iotest.TimeoutReader(strings.NewReader(header + strings.Repeat("x\r\n", 40000))), wantErr: iotest.ErrTimeout},
		{name: "no progress", src: io.MultiReader(strings.NewReader(header), emptyReader{}), wantErr: io.ErrNoProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := newRawBody(tt.src)
			if !tt.inPeek {
				if err != nil {
					t.Fatal(err)
				}
				_, err = b.WriteTo(io.Discard)
			}
			if domain.KindOf(err) != domain.KindEncodingFailed || !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v; want encoding failed wrapping %v", err, tt.wantErr)
			}
		})
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// failingWriter takes n octets, then fails.
type failingWriter struct{ n int }

var errSink = errors.New("connection gone")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errSink
	}
	w.n -= len(p)
	return len(p), nil
}

func TestRawBodyWriterFails(t *testing.T) {
	t.Parallel()
	msg := "From: a@x\r\nBcc: b@y\r\nTo: c@z\r\n\r\n" + strings.Repeat("body\r\n", 50000)
	for _, at := range []int{0, 5, 20, 100000} {
		b, err := newRawBody(strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		n, err := b.WriteTo(&failingWriter{n: at})
		if err != errSink { // the writer's own error, for the session to classify
			t.Errorf("at %d: err = %v; want the writer's", at, err)
		}
		if n != int64(at) {
			t.Errorf("at %d: WriteTo returned %d", at, n)
		}
	}
}

func FuzzRawBody(f *testing.F) {
	for _, s := range []string{
		"From: a@x\r\nBcc: c@z,\r\n d@z\r\nTo: b@y\r\n\r\nBcc: stays\r\n",
		"bcc: c\nSubject: s\n\nx\n", "A\rBcc: b\r\rc", "Message-ID:\r\n <i@x>\r\n\r\n", "S: s\r\n\r\n\x00",
		"S: s\r\n\r\n" + strings.Repeat("a", 999) + "\r\n", "\r\n\r\n", "x", ".\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, give []byte) {
		if len(give) == 0 {
			if _, err := newRawBody(bytes.NewReader(give)); domain.KindOf(err) != domain.KindInvalidInput {
				t.Fatalf("empty: %v", err)
			}
			return
		}
		b, out, err := writeRaw(t, bytes.NewReader(give))
		if cb, cout, cerr := writeChecked(t, give); (cerr == nil) != (err == nil) {
			t.Fatalf("check then write: %v; one write: %v", cerr, err)
		} else if cerr == nil && !bytes.Equal(cout.Bytes(), out) {
			t.Fatalf("check then write: %q; one write: %q", cout.Bytes(), out)
		} else if cerr == nil && cb.size != int64(len(out)) {
			t.Fatalf("check then write: Size %d; want %d", cb.size, len(out))
		}
		for _, src := range []io.Reader{iotest.OneByteReader(bytes.NewReader(give)), inMemory{data: give}, onlyReader{bytes.NewReader(give)}} {
			b1, out1, err1 := writeRaw(t, src)
			if !bytes.Equal(out, out1) || (err == nil) != (err1 == nil) || b1.MessageID() != b.MessageID() {
				t.Fatalf("%T changes the result: %q, %v / %q, %v", src, out, err, out1, err1)
			}
		}
		ref, rerr := refCheckRaw(give)
		wire := refStripBcc(crlf(give)) // the old path on the message as the server sees it
		if rerr != nil {
			de, rde := domain.AsError(err), domain.AsError(rerr)
			if de == nil || de.Kind != domain.KindInvalidInput || de.Message != rde.Message {
				t.Fatalf("err = %v; want %v", err, rerr)
			}
			if !bytes.HasPrefix(wire, crlf(out)) || (len(out) > 0 && !bytes.ContainsAny(out[len(out)-1:], "\r\n")) {
				t.Fatalf("wrote %q before refusing; not whole lines of %q", out, wire)
			}
			return
		}
		if err != nil {
			t.Fatalf("WriteTo: %v; the reference took it", err)
		}
		if !bytes.Equal(crlf(out), wire) {
			t.Fatalf("on the wire %q; want %q", crlf(out), wire)
		}
		if !hasBareCR(give) && !bytes.Equal(out, ref) {
			t.Fatalf("output %q; want %q", out, ref)
		}
		if size, _ := b.Size(); size != int64(len(out)) {
			t.Fatalf("Size = %d; want %d", size, len(out))
		}
		if b.EightBit() != has8bitSlow(out) {
			t.Fatalf("EightBit = %v", b.EightBit())
		}
		if id, ok := refMessageID(give); ok && !hasBareCR(give) && b.MessageID() != id {
			t.Fatalf("MessageID = %q; net/mail says %q", b.MessageID(), id)
		}
	})
}

// The reference: the multi-pass functions SendRaw used before rawBody
// (checkRaw, stripBcc, normalizedSize and the Message-ID of newRawMessage),
// copied here so that the tests keep their yardstick when raw.go changes.

func refCheckRaw(data []byte) ([]byte, error) {
	line := 1
	for rest := data; len(rest) > 0; line++ {
		end := bytes.IndexAny(rest, "\r\n")
		if end < 0 {
			end = len(rest)
		}
		if end > 998 {
			return nil, domain.NewError(domain.KindInvalidInput, "send raw", fmt.Sprintf("line %d is %d octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)", line, end))
		}
		if bytes.IndexByte(rest[:end], 0) >= 0 {
			return nil, domain.NewError(domain.KindInvalidInput, "send raw", fmt.Sprintf("line %d holds a NUL octet", line))
		}
		rest = rest[end:]
		if len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' {
			rest = rest[2:]
		} else if len(rest) > 0 {
			rest = rest[1:]
		}
	}
	return refStripBcc(data), nil
}

func refStripBcc(data []byte) []byte {
	out := make([]byte, 0, len(data))
	found, dropping := false, false
	for rest := data; len(rest) > 0; {
		end := bytes.IndexByte(rest, '\n') + 1
		if end == 0 {
			end = len(rest)
		}
		line := rest[:end]
		rest = rest[end:]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			out = append(append(out, line...), rest...)
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			dropping = isBccField(line) // the rule under test is the field name; the reference keeps the rest simple
			found = found || dropping
		}
		if !dropping {
			out = append(out, line...)
		}
	}
	if !found {
		return data
	}
	return out
}

func refNormalizedSize(data []byte) int64 {
	n := int64(len(data))
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			} else {
				n++
			}
		case '\n':
			n++
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' && data[len(data)-1] != '\r' {
		n += 2
	}
	return n
}

func refMessageID(data []byte) (string, bool) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", false
	}
	return strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>"), true
}

// crlf turns every line end into CRLF, as the session does on the wire.
func crlf(p []byte) []byte {
	out := make([]byte, 0, len(p)+len(p)/16)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(p) && p[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// hasBareCR reports whether p holds a CR that no LF follows.
func hasBareCR(p []byte) bool {
	for i, c := range p {
		if c == '\r' && (i+1 == len(p) || p[i+1] != '\n') {
			return true
		}
	}
	return false
}

// writeChecked makes a rawBody of data, checks it as SendRaw does, and
// writes it to a crlfChecker.
func writeChecked(t *testing.T, data []byte) (*rawBody, *crlfChecker, error) {
	t.Helper()
	b, err := newRawBodyBytes(data)
	if err != nil {
		t.Fatalf("newRawBodyBytes: %v", err)
	}
	if err := b.check(); err != nil {
		return b, nil, err
	}
	if !b.verified {
		t.Fatal("check passed but the message is not verified")
	}
	var out crlfChecker
	n, err := b.WriteTo(&out)
	if n != int64(out.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, out.Len())
	}
	if out.broken != nil {
		t.Fatalf("WriteCRLF got a bare line end: %q", out.broken)
	}
	return b, &out, err
}

// verifiedMessages are messages for the verified path: the output table's,
// line-end mixes around the places where the body is cut, and dots.
func verifiedMessages() map[string][]byte {
	m := map[string][]byte{
		"generated":              rawMessageOf(600 << 10),
		"over rawWriteSize":      rawMessageOf(rawWriteSize + 300<<10),
		"CRLF at the boundary":   boundaryMessage(rawBufferSize-1, 998, "\r\n"),
		"LF":                     boundaryMessage(rawBufferSize+7, 100, "\n"),
		"CR":                     boundaryMessage(rawBufferSize+7, 100, "\r"),
		"a bare LF half-way":     append(rawMessageOf(300<<10), "bare\nend\r\n"...),
		"a bare CR half-way":     bytes.Replace(rawMessageOf(300<<10), []byte("\r\n"), []byte("\r"), 1),
		"dots":                   []byte("S: s\r\n\r\n.\r\n..x\r\na.b\r\n" + strings.Repeat("line\r\n", 40000) + ".\r\n.."),
		"no line end at the end": []byte("S: s\r\nBcc: x\r\n\r\n" + strings.Repeat("abc\r\n", 70000) + "end"),
		"no body":                []byte("S: s\r\nBcc: x\r\n y\r\n"),
	}
	for i, give := range []string{
		"From: a@x\r\nBcc: c@z,\r\n d@z,\r\n\te@z\r\nTo: b@y\r\n\r\nbody\r\n", "Bcc: c@z\nFrom: a@x\n\nbody\n",
		"From: a@x\rBcc: c@z\r d@z\rTo: b@y\r\rbody\rBcc: d\r", "From: a@x\r\nBcc: c@z\n d@z\rTo: b@y\n\r\nbody\rmore\nend\r\n",
		"Subject: \xc3\xa9\r\nBcc: \xff\r\n\r\nb\xc3\xbc\r\n", "\n\r\r\n\n", "Subject: s",
	} {
		m[fmt.Sprint("table ", i)] = []byte(give)
	}
	return m
}

func TestRawBodyVerifiedWriteIsTheSame(t *testing.T) {
	t.Parallel()
	for name, give := range verifiedMessages() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			old, want, err := writeRaw(t, onlyReader{bytes.NewReader(give)}) // one checked pass, as before
			if err != nil {
				t.Fatal(err)
			}
			b, out, err := writeChecked(t, give)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("verified output differs from the checked one")
			}
			size, _ := b.Size()
			if oldSize, _ := old.Size(); size != oldSize || b.EightBit() != old.EightBit() {
				t.Errorf("Size %d, EightBit %v; the checked write says %d, %v", size, b.EightBit(), oldSize, old.EightBit())
			}
			if size != int64(len(want)) {
				t.Errorf("Size = %d; want %d", size, len(want))
			}
			var plain bytes.Buffer // a writer without WriteCRLF gets the same octets
			if _, err := b.WriteTo(&plain); err != nil || !bytes.Equal(plain.Bytes(), want) {
				t.Errorf("to a plain writer: %v, output differs: %v", err, !bytes.Equal(plain.Bytes(), want))
			}
		})
	}
}

func TestRawBodyVerifiedWriteCRLFRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		give      string
		wantCRLF  bool // some of the body goes through WriteCRLF
		wantPlain bool // some of the body goes through Write
	}{
		{name: "CRLF only", give: "S: s\r\n\r\n" + strings.Repeat("x\r\n", 1000), wantCRLF: true},
		{name: "a bare LF first", give: "S: s\r\n\r\nx\n" + strings.Repeat("x\r\n", 1000), wantPlain: true},
		{name: "a bare CR at the end", give: "S: s\r\n\r\n" + strings.Repeat("x\r\n", 200000) + "y\r", wantCRLF: true, wantPlain: true},
		{name: "over rawWriteSize", give: "S: s\r\n\r\n" + strings.Repeat("xy\r\n", rawWriteSize/2), wantCRLF: true},
		{name: "over rawWriteSize, all plain", give: "S: s\r\n\r\n" + strings.Repeat("xy\n", rawWriteSize/2), wantPlain: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var w runRecorder
			b, err := newRawBodyBytes([]byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if err := b.check(); err != nil {
				t.Fatal(err)
			}
			if _, err := b.WriteTo(&w); err != nil {
				t.Fatal(err)
			}
			if w.String() != tt.give || (w.crlfRuns > 0) != tt.wantCRLF || (w.plainBody > 0) != tt.wantPlain {
				t.Errorf("output same %v, %d runs through WriteCRLF, %d body octets through Write",
					w.String() == tt.give, w.crlfRuns, w.plainBody)
			}
			if w.longest > rawWriteSize { // each is one write of the session, under its own deadline
				t.Errorf("a write of %d octets; want at most %d", w.longest, rawWriteSize)
			}
		})
	}
}

// runRecorder records how a message is handed over.
type runRecorder struct {
	bytes.Buffer
	crlfRuns  int // WriteCRLF calls
	plainBody int // octets written with Write after the header section
	longest   int // octets of the longest call
	dotRuns   []string
}

func (r *runRecorder) Write(p []byte) (int, error) {
	r.longest = max(r.longest, len(p))
	if bytes.Contains(r.Bytes(), []byte("\r\n\r\n")) {
		r.plainBody += len(p)
	}
	return r.Buffer.Write(p)
}

func (r *runRecorder) WriteCRLF(p []byte) (int, error) {
	r.crlfRuns++
	r.longest = max(r.longest, len(p))
	if bytes.IndexByte(p, '.') >= 0 {
		r.dotRuns = append(r.dotRuns, string(p))
	}
	return r.Buffer.Write(p)
}

func TestRawBodyDotsGoInShortRuns(t *testing.T) {
	t.Parallel()
	filler := strings.Repeat("f", 70) + "\r\n"
	give := "S: s\r\n\r\n" + strings.Repeat(filler, 2000) + "a.b\r\n" + strings.Repeat(filler, 2000) +
		".x\r\ny.\r\n" + strings.Repeat(filler, 2000) + "end."
	for _, verified := range []bool{false, true} {
		b, err := newRawBodyBytes([]byte(give))
		if err != nil {
			t.Fatal(err)
		}
		if verified {
			if err := b.check(); err != nil {
				t.Fatal(err)
			}
		}
		var w runRecorder
		if _, err := b.WriteTo(&w); err != nil {
			t.Fatal(err)
		}
		want := []string{".b\r\n", ".x\r\ny.\r\n", "."} // each dot to its line end, a dot close by joins
		if w.String() != give || fmt.Sprint(w.dotRuns) != fmt.Sprint(want) {
			t.Errorf("verified %v: output same %v, runs with a dot %q; want %q", verified, w.String() == give, w.dotRuns, want)
		}
	}
}

func TestRawBodyCheckRefusesAndWritesNothing(t *testing.T) {
	t.Parallel()
	for _, give := range []string{"S: s\r\n\r\n" + strings.Repeat("a", 999) + "\r\n", "S: s\r\n\r\nok\r\na\x00\r\n", "X: \x00\r\n\r\n"} {
		b, err := newRawBodyBytes([]byte(give))
		if err != nil {
			t.Fatal(err)
		}
		err = b.check()
		if domain.KindOf(err) != domain.KindInvalidInput || b.verified {
			t.Errorf("%q: check = %v, verified %v; want invalid input, not verified", give, err, b.verified)
		}
	}
}

// refCounts counts the line ends of p one octet at a time.
func refCounts(p []byte) lineCounts {
	var c lineCounts
	for i, ch := range p {
		switch ch {
		case '\n':
			c.lfs++
		case '\r':
			c.crs++
			if i+1 < len(p) && p[i+1] == '\n' {
				c.crlfs++
			}
		}
	}
	return c
}

// refLongest returns the longest line of p, lines ending at CR, LF or CRLF.
func refLongest(p []byte) int {
	longest, n := 0, 0
	for _, ch := range p {
		if ch == '\r' || ch == '\n' {
			n = 0
			continue
		}
		n++
		longest = max(longest, n)
	}
	return longest
}

// checkCounts holds countLines to the reference for p, a run of complete
// lines: when it vouches for p, p has no NUL and no long line and the
// counts are exact; when it does not, checkLines must find something or
// agree on the counts.
func checkCounts(t *testing.T, p []byte) {
	t.Helper()
	if len(p) == 0 {
		return
	}
	ref := refCounts(p)
	c, eight, fast := countLines(p, false)
	if fast {
		if bytes.IndexByte(p, 0) >= 0 || refLongest(p) > maxRawLine {
			t.Fatalf("countLines vouched for %q (longest line %d)", p, refLongest(p))
		}
		if c != ref || eight != has8bitSlow(p) {
			t.Fatalf("countLines = %+v, 8-bit %v; want %+v, %v for %q", c, eight, ref, has8bitSlow(p), p)
		}
		if size := int64(len(p) + c.lfs + c.crs - 2*c.crlfs); size+2*int64(lastOpen(p)) != refNormalizedSize(p) {
			t.Fatalf("size from the counts %d; want %d", size, refNormalizedSize(p))
		}
		return
	}
	good, lfs, crlfs, err := checkLines(p, 0)
	if err == nil && (good != len(p) || lfs != ref.lfs || crlfs != ref.crlfs) {
		t.Fatalf("checkLines = %d, %d, %d and no error; want %d, %+v", good, lfs, crlfs, len(p), ref)
	}
}

// lastOpen is 1 when p's last line has no line end.
func lastOpen(p []byte) int {
	if c := p[len(p)-1]; c != '\r' && c != '\n' {
		return 1
	}
	return 0
}

func TestCountLines(t *testing.T) {
	t.Parallel()
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		give string
		fast bool // countLines vouches for it
	}{
		{name: "CRLF", give: strings.Repeat(a(76)+"\r\n", 500), fast: true},
		{name: "LF", give: strings.Repeat(a(76)+"\n", 500), fast: true},
		{name: "CR", give: strings.Repeat(a(76)+"\r", 500)}, // no LF: checkLines cuts it at the CRs
		{name: "CR LF CRLF in turn", give: strings.Repeat("ab\rcd\nef\r\n", 900), fast: true},
		{name: "CR CR LF", give: strings.Repeat("ab\r\r\n", 900), fast: true},
		{name: "a guess that jumps over an LF", give: "abcde\n" + strings.Repeat("ab\ncd\n", 2000), fast: true},
		{name: "a guess that jumps over a CR", give: strings.Repeat("abcd\r\n", 100) + "ab\rc\r\n" + strings.Repeat("abcd\r\n", 1000), fast: true},
		{name: "empty lines", give: strings.Repeat("\r\n", 3000) + strings.Repeat("\n", 3000), fast: true},
		{name: "no line end at the end", give: strings.Repeat("ab\r\n", 3000) + a(998), fast: true},
		{name: "a CR at the end", give: strings.Repeat("ab\r\n", 3000) + "cd\r", fast: true},
		{name: "lines of 998", give: strings.Repeat(a(998)+"\r\n", 20) + strings.Repeat(a(998)+"\n", 20), fast: true},
		{name: "a line of 999", give: strings.Repeat(a(998)+"\r\n", 20) + a(999) + "\r\n" + strings.Repeat("x\r\n", 10)},
		{name: "a line of 999 after lines of 999 with CRLF", give: strings.Repeat(a(997)+"\r\n", 20) + a(998) + "\n" + a(999) + "\n"},
		{name: "a last line of 999", give: strings.Repeat("ab\r\n", 3000) + a(999)},
		{name: "bare CRs cut a long run", give: strings.Repeat(a(700)+"\r", 10) + "\n", fast: false},
		{name: "a NUL", give: strings.Repeat("ab\r\n", 3000) + "a\x00\r\n"},
		{name: "8-bit", give: strings.Repeat("ab\r\n", 3000) + "\xc3\xa9\r\n", fast: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, fast := countLines([]byte(tt.give), false); fast != tt.fast {
				t.Errorf("fast = %v; want %v", fast, tt.fast)
			}
			checkCounts(t, []byte(tt.give))
		})
	}
}

func FuzzCountLines(f *testing.F) {
	for _, s := range []string{"ab\r\n", "ab\ncd\n", "a\rb\nc\r\n", "\r\r\n\n", "x", strings.Repeat("a", 999) + "\n", "\x00\n", "\xff\r\n"} {
		f.Add([]byte(s), uint16(3))
	}
	f.Fuzz(func(t *testing.T, line []byte, reps uint16) {
		checkCounts(t, line)
		// Repeated, so that the guesses come into play, and cut anywhere.
		p := bytes.Repeat(line, int(reps%2000)+1)
		checkCounts(t, p)
		checkCounts(t, p[:len(p)*2/3])
		if len(p) > 0 { // a change half-way that a guess may step over
			q := bytes.Clone(p)
			q[len(q)/2] = '\n'
			checkCounts(t, q)
		}
	})
}

func TestRawBodyReadsSmallSeekableOnce(t *testing.T) {
	t.Parallel()
	msg := []byte("From: a@x\r\nBcc: c@z\r\n\r\n" + strings.Repeat("line\r\n", 30000))
	src := &countingSeeker{ReadSeeker: bytes.NewReader(msg)}
	b, err := newRawBody(src)
	if err != nil {
		t.Fatal(err)
	}
	if b.data == nil || b.pooled == nil {
		t.Fatal("a small seekable message is not read into a pooled buffer")
	}
	if err := b.check(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var out bytes.Buffer
		if _, err := b.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), refStripBcc(msg)) {
			t.Fatalf("WriteTo: %v, output differs", err)
		}
	}
	if src.n != int64(len(msg)) {
		t.Errorf("read %d octets for a check and two writes; want %d, once", src.n, len(msg))
	}
}

type countingSeeker struct {
	io.ReadSeeker
	n         int64
	reportEnd int64 // when > 0, Seek to the end says so (a file that grows after it)
	failEnd   bool  // Seek to the end fails
}

func (c *countingSeeker) Read(p []byte) (int, error) {
	n, err := c.ReadSeeker.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingSeeker) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekEnd && c.failEnd {
		return 0, errors.New("no end")
	}
	if whence == io.SeekEnd && c.reportEnd > 0 {
		return c.reportEnd, nil
	}
	return c.ReadSeeker.Seek(off, whence)
}

func TestRawBodyStreamsLargeOrGrowingSeekable(t *testing.T) {
	t.Parallel()
	large := []byte("From: a@x\r\nBcc: c@z\r\n\r\n" + strings.Repeat(strings.Repeat("l", 70)+"\r\n", rawWholeSize/72+10))
	small := large[:300<<10]
	tests := []struct {
		name string
		src  *countingSeeker
		want []byte
	}{
		{"over rawWholeSize", &countingSeeker{ReadSeeker: bytes.NewReader(large)}, large},
		{"grew past its buffer after the size was taken", &countingSeeker{ReadSeeker: bytes.NewReader(large), reportEnd: 1000}, large},
		{"grew, still within its buffer", &countingSeeker{ReadSeeker: bytes.NewReader(small), reportEnd: 100 << 10}, small},
		{"end unknown", &countingSeeker{ReadSeeker: bytes.NewReader(small), failEnd: true}, small},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := newRawBody(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			defer b.release()
			if err := b.check(); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := b.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), refStripBcc(tt.want)) {
				t.Fatalf("WriteTo: %v, output differs (%d octets of %d)", err, out.Len(), len(refStripBcc(tt.want)))
			}
			if size, _ := b.Size(); size != int64(out.Len()) {
				t.Errorf("Size = %d; want %d", size, out.Len())
			}
		})
	}
}

func TestRawBodyReleaseWaitsForTheWrite(t *testing.T) {
	t.Parallel()
	msg := []byte("From: a@x\r\n\r\n" + strings.Repeat("line\r\n", 1000))
	b, err := newRawBody(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	w := &blockingWriter{started: make(chan struct{}), resume: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := b.WriteTo(w)
		done <- err
	}()
	<-w.started
	b.release() // a session still writes: the buffer stays with b
	b.mu.Lock()
	kept := b.pooled != nil
	b.mu.Unlock()
	close(w.resume)
	if err := <-done; err != nil || !kept {
		t.Fatalf("the write in progress: %v; buffer kept while it ran: %v", err, kept)
	}
	if b.pooled != nil || b.data != nil {
		t.Error("the buffer is not given back once the write ended")
	}
	if !bytes.Equal(w.out.Bytes(), msg) {
		t.Error("the write in progress was disturbed")
	}
	if _, err := b.WriteTo(io.Discard); domain.KindOf(err) != domain.KindEncodingFailed {
		t.Errorf("WriteTo after release = %v; want encoding failed", err)
	}
	b.release() // twice is harmless
}

// blockingWriter says when the first write starts and holds it until resume.
type blockingWriter struct {
	started, resume chan struct{}
	once            bool
	out             bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if !w.once {
		w.once = true
		close(w.started)
		<-w.resume
	}
	return w.out.Write(p)
}

func TestHas8bitEveryPosition(t *testing.T) {
	t.Parallel()
	for n := range 300 {
		p := bytes.Repeat([]byte{0x7f}, n)
		if has8bit(p) {
			t.Fatalf("%d octets of 0x7f: 8-bit", n)
		}
		for i := range p {
			p[i] = 0x80
			if !has8bit(p) {
				t.Fatalf("0x80 at %d of %d not seen", i, n)
			}
			p[i] = 0x7f
		}
	}
}

func TestIsBccField(t *testing.T) {
	for line, want := range map[string]bool{
		"Bcc: a@example.com":        true,
		"bcc:a@example.com":         true,
		"Bcc : a@example.com":       true,
		"BCC\t: a@example.com":      true,
		"Resent-Bcc: a@example.com": true,
		"Bccx: a@example.com":       false,
		"Cc: a@example.com":         false,
		"Subject: Bcc: trick":       false,
		"no colon":                  false,
	} {
		if got := isBccField([]byte(line)); got != want {
			t.Errorf("isBccField(%q) = %v; want %v", line, got, want)
		}
	}
}
