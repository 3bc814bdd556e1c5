package mime

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// benchEncode prepares and writes e to io.Discard once per iteration;
// SetBytes is the content size, so MB/s is content throughput.
func benchEncode(b *testing.B, e *domain.Email, content int64) {
	enc := New()
	b.SetBytes(content)
	b.ReportAllocs()
	for b.Loop() {
		m, err := enc.Prepare(e, ports.EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode1KB is a typical short message: 1 KB of UTF-8 text (QP)
// and its HTML twin.
func BenchmarkEncode1KB(b *testing.B) {
	text := strings.Repeat("Grüße, this is a short line of text.\n", 27)[:1024]
	e := base(b)
	e.TextBody, e.HTMLBody = text, "<p>"+text+"</p>"
	benchEncode(b, e, int64(len(text)))
}

// BenchmarkEncodeSmall is the message of the pooled Send and SendBatch
// benchmarks (scripts/bench/pool.sh rows a-c): one 1 KB text part and no
// HTML, with the Message-ID and Date fixed beforehand as
// application.Client does. "ascii" is smtpctl bench's body (7bit lines of
// 75 characters), "utf8" a German text that goes quoted-printable.
func BenchmarkEncodeSmall(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"ascii", "The quick brown fox jumps over the lazy dog; seven wizards hex jolly kings.\n"},
		{"utf8", "Grüße, this is a short line of text.\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := smallEmail(b, bc.line)
			benchEncode(b, e, int64(len(e.TextBody)))
		})
	}
}

// smallEmail is a 1 KB text message made of line, stamped as the client
// stamps it.
func smallEmail(tb testing.TB, line string) *domain.Email {
	e := &domain.Email{
		From:      addr(tb, "bench@example.com"),
		To:        []domain.Address{addr(tb, "sink@example.net")},
		Subject:   "bench 1234",
		TextBody:  strings.Repeat(line, 1024/len(line)+1)[:1023] + "\n",
		MessageID: NewMessageID("example.com"),
		Date:      testDate,
	}
	return e
}

// BenchmarkEncode1MB is 1 MB of binary attachment held in memory.
func BenchmarkEncode1MB(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 131)
	}
	e := base(b)
	e.TextBody = "attached"
	e.Attachments = []domain.Attachment{{Filename: "data.bin", Content: domain.BytesSource(data)}}
	benchEncode(b, e, int64(len(data)))
}

// BenchmarkEncode25MB streams a 25 MB file attachment from a temp file.
func BenchmarkEncode25MB(b *testing.B) {
	path := writeTempFile(b, 25<<20)
	e := base(b)
	e.TextBody = "attached"
	e.Attachments = []domain.Attachment{{Filename: "big.bin", Content: domain.FileSource(path)}}
	benchEncode(b, e, 25<<20)
}

// writeTempFile writes n pseudo-random octets to a temp file in chunks.
func writeTempFile(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "big.bin")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i*131 + i>>8)
	}
	for written := 0; written < n; written += len(chunk) {
		if _, err := f.Write(chunk[:min(len(chunk), n-written)]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}
