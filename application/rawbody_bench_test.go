package application

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// rawHeader is the header section of the generated messages.
const rawHeader = "From: Sender <sender@example.org>\r\nTo: rcpt@example.net\r\nBcc: hidden@example.com,\r\n other@example.com\r\n" +
	"Subject: =?UTF-8?Q?Quarterly_r=C3=A9port?=\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\nMessage-ID: <bench.1@example.org>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"

// rawBase64Block is a run of base64 lines of 76 octets, as an attachment has.
var rawBase64Block = func() []byte {
	raw := make([]byte, 57*1024)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	var b bytes.Buffer
	for len(enc) > 0 {
		n := min(76, len(enc))
		b.WriteString(enc[:n] + "\r\n")
		enc = enc[n:]
	}
	return b.Bytes()
}()

// rawMessageOf returns a message of about size octets: a header section, a
// text part in UTF-8 and a base64 attachment.
func rawMessageOf(size int) []byte {
	m := []byte(rawHeader + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.Repeat("Ein kurzer Absatz mit Umlauten: äöü, und noch etwas Text dazu.\r\n", 20) +
		"--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for len(m) < size {
		m = append(m, rawBase64Block[:min(len(rawBase64Block), size-len(m))]...)
	}
	return append(m, "\r\n--b1--\r\n"...)
}

// BenchmarkRawBody is one checked pass of rawBody over a 1.4 MB message:
// newRawBody (which reads a small seekable reader whole) and one WriteTo,
// from a reader and from memory, for a message with 8-bit text and one in
// ASCII only (the 8-bit scan runs to the end).
func BenchmarkRawBody(b *testing.B) {
	msg := rawMessageOf(1400 << 10)
	ascii := bytes.ReplaceAll(msg, []byte("äöü"), []byte("aou"))
	for _, bb := range []struct {
		name string
		msg  []byte
		make func([]byte) (*rawBody, error)
	}{
		{"reader", msg, func(p []byte) (*rawBody, error) { return newRawBody(bytes.NewReader(p)) }},
		{"reader/ascii", ascii, func(p []byte) (*rawBody, error) { return newRawBody(bytes.NewReader(p)) }},
		{"memory", msg, newRawBodyBytes},
		{"memory/ascii", ascii, newRawBodyBytes},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.msg)))
			b.ReportAllocs()
			for b.Loop() {
				rb, err := bb.make(bb.msg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rb.WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
				rb.release()
			}
		})
	}
}

// BenchmarkRawBodySend is what SendRaw and SendRawReader do with a 1.4 MB
// message in ASCII (the row e message of docs/PERFORMANCE.md), the
// network aside: make the rawBody, check it, write it once to a
// ports.CRLFWriter, release it. From memory (SendRaw), from a file (read
// once), from a pipe (one checked pass while writing), and from a file over
// rawWholeSize (read and checked twice).
func BenchmarkRawBodySend(b *testing.B) {
	msg := bytes.ReplaceAll(rawMessageOf(1400<<10), []byte("äöü"), []byte("aou"))
	dir := b.TempDir()
	file := func(p []byte) string {
		path := filepath.Join(dir, fmt.Sprint(len(p), ".eml"))
		if err := os.WriteFile(path, p, 0o600); err != nil {
			b.Fatal(err)
		}
		return path
	}
	small, large := file(msg), file(rawMessageOf(rawWholeSize+(100<<10)))
	open := func(path string) func() (io.Reader, func()) {
		return func() (io.Reader, func()) {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			return f, func() { f.Close() }
		}
	}
	for _, bb := range []struct {
		name string
		size int64
		src  func() (io.Reader, func()) // nil: memory
	}{
		{"memory", int64(len(msg)), nil},
		{"file", int64(len(msg)), open(small)},
		{"pipe", int64(len(msg)), func() (io.Reader, func()) { return onlyReader{bytes.NewReader(msg)}, func() {} }},
		{"large-file", rawWholeSize + (100 << 10), open(large)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(bb.size)
			b.ReportAllocs()
			for b.Loop() {
				var rb *rawBody
				var err error
				done := func() {}
				if bb.src == nil {
					rb, err = newRawBodyBytes(msg)
				} else {
					var r io.Reader
					r, done = bb.src()
					rb, err = newRawBody(r)
				}
				if err != nil {
					b.Fatal(err)
				}
				if rb.rewritable() {
					if err := rb.check(); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := rb.WriteTo(discardCRLF{}); err != nil {
					b.Fatal(err)
				}
				rb.release()
				done()
			}
		})
	}
}

// discardCRLF is a ports.CRLFWriter that keeps nothing.
type discardCRLF struct{}

func (discardCRLF) Write(p []byte) (int, error)     { return len(p), nil }
func (discardCRLF) WriteCRLF(p []byte) (int, error) { return len(p), nil }

// BenchmarkRawBodyOldPath is what SendRaw did before rawBody, for
// comparison: checkRaw with stripBcc, normalizedSize, the 8-bit scan and
// net/mail for the Message-ID.
func BenchmarkRawBodyOldPath(b *testing.B) {
	msg := rawMessageOf(1400 << 10)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		data, err := refCheckRaw(msg)
		if err != nil {
			b.Fatal(err)
		}
		_ = refNormalizedSize(data)
		_ = has8bitSlow(data)
		_, _ = refMessageID(data)
		_, _ = io.Discard.Write(data)
	}
}

// genReader yields rawHeader and then base64 lines until n octets, without
// allocating.
type genReader struct {
	n, off int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.n-g.off)]
	var k int
	if g.off < int64(len(rawHeader)) {
		k = copy(p, rawHeader[g.off:])
	} else {
		at := (g.off - int64(len(rawHeader))) % int64(len(rawBase64Block))
		k = copy(p, rawBase64Block[at:])
	}
	g.off += int64(k)
	return k, nil
}

// TestRawBodyBoundedMemory streams 34 MB and requires the heap it
// allocated in total, buffer included, to stay under 1 MB. Not parallel:
// other tests would count.
func TestRawBodyBoundedMemory(t *testing.T) {
	const size = 34 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rb, err := newRawBody(&genReader{n: size})
	if err != nil {
		t.Fatal(err)
	}
	n, err := rb.WriteTo(io.Discard)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	bcc := int64(len("Bcc: hidden@example.com,\r\n other@example.com\r\n"))
	if n != size-bcc {
		t.Fatalf("wrote %d octets; want %d", n, size-bcc)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("streaming %d MB allocated %d octets; want under 1 MB", size>>20, got)
	}
	if rb.MessageID() != "bench.1@example.org" {
		t.Errorf("MessageID = %q", rb.MessageID())
	}
}
