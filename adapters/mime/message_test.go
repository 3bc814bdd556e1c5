package mime

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	mrand "math/rand/v2"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// onlyReader hides every method but Read (no Len), like a network body.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func withAttachment(t *testing.T, a domain.Attachment) *domain.Email {
	e := base(t)
	e.TextBody = "see attachment"
	e.Attachments = []domain.Attachment{a}
	return e
}

func TestReaderSourceWritesOnce(t *testing.T) {
	e := withAttachment(t, domain.Attachment{Filename: "a.bin", Content: domain.ReaderSource(onlyReader{bytes.NewReader(binaryData)})})
	m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size, err := m.Size(); size != 0 || err != nil {
		t.Errorf("Size() before writing = %d, %v; want 0 (unknown), nil", size, err)
	}
	var first bytes.Buffer
	n, err := m.WriteTo(&first)
	if err != nil {
		t.Fatal(err)
	}
	if size, err := m.Size(); size != n || err != nil {
		t.Errorf("Size() after writing = %d, %v; want %d", size, err, n)
	}
	tc := encCase{structure: "multipart/mixed(text/plain,application/octet-stream)"}
	e.Attachments[0].Content = domain.BytesSource(binaryData) // what the reader held
	verifyGo(t, tc, e, first.Bytes(), m.MessageID())

	var second bytes.Buffer
	n, err = m.WriteTo(&second)
	if kindOf(t, err) != domain.KindAttachment || n != 0 || second.Len() != 0 {
		t.Errorf("second WriteTo = %d, %v, wrote %d; want 0, KindAttachment, nothing", n, err, second.Len())
	}
}

func TestReaderWithLenHasSize(t *testing.T) {
	e := withAttachment(t, domain.Attachment{Filename: "a.bin", Content: domain.ReaderSource(bytes.NewReader(binaryData))})
	m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	size, err := m.Size()
	if err != nil {
		t.Fatal(err)
	}
	n, err := m.WriteTo(io.Discard)
	if err != nil || n != size || size == 0 {
		t.Errorf("Size() = %d; WriteTo = %d, %v", size, n, err)
	}
}

// shortLen claims more content than its reader holds.
type shortLen struct {
	io.Reader
	n int
}

func (s shortLen) Len() int { return s.n }

func TestReaderFailures(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		give io.Reader
	}{
		{"read error", onlyReader{iotest.ErrReader(boom)}},
		{"error after data", onlyReader{io.MultiReader(bytes.NewReader(binaryData), iotest.ErrReader(boom))}},
		{"Len lies", shortLen{bytes.NewReader(binaryData[:10]), 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := withAttachment(t, domain.Attachment{Filename: "a.bin", Content: domain.ReaderSource(tt.give)})
			m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.WriteTo(io.Discard)
			if kindOf(t, err) != domain.KindAttachment {
				t.Errorf("WriteTo error = %v; want KindAttachment", err)
			}
		})
	}
}

func TestFileChangesAfterPrepare(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(path, binaryData, 0o600); err != nil {
		t.Fatal(err)
	}
	e := withAttachment(t, domain.Attachment{Filename: "data.bin", Content: domain.FileSource(path)})
	m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := m.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of a file attachment differ")
	}

	if err := os.WriteFile(path, binaryData[:10], 0o600); err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	n, err := m.WriteTo(&c)
	if kindOf(t, err) != domain.KindAttachment || n != 0 || c.Len() != 0 {
		t.Errorf("WriteTo after the file shrank = %d, %v; want 0, KindAttachment", n, err)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	n, err = m.WriteTo(&c)
	if kindOf(t, err) != domain.KindAttachment || n != 0 || !strings.Contains(err.Error(), path) {
		t.Errorf("WriteTo after removal = %d, %v; want 0, KindAttachment naming the path", n, err)
	}
}

// TestFileShrinksWhileReading truncates the file between open and read:
// the length check catches it.
func TestFileShrinksWhileReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.bin")
	if err := os.WriteFile(path, binaryData, 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := newSource(domain.FileSource(path), "attachment")
	if err != nil {
		t.Fatal(err)
	}
	ws := writeStates.Get().(*writeState)
	defer writeStates.Put(ws)
	ws.bw.Reset(io.Discard)
	_, err = ws.writeSource(src, bytes.NewReader(binaryData[:100]))
	if kindOf(t, err) != domain.KindAttachment {
		t.Errorf("short file: %v; want KindAttachment", err)
	}
}

// failWriter fails after n octets.
type failWriter struct {
	n   int
	err error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterErrorPassesThrough(t *testing.T) {
	sentinel := errors.New("connection lost")
	e := withAttachment(t, domain.Attachment{Filename: "a.bin", Content: domain.BytesSource(bytes.Repeat(binaryData, 200))})
	m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int{0, 100, 40000, 100000} {
		n, err := m.WriteTo(&failWriter{n: after, err: sentinel})
		if !errors.Is(err, sentinel) || n != int64(after) {
			t.Errorf("fail after %d: WriteTo = %d, %v; want %d, the writer's error", after, n, err, after)
		}
	}
	// The message is still usable afterwards.
	want, _ := m.Size()
	if n, err := m.WriteTo(io.Discard); err != nil || n != want {
		t.Errorf("WriteTo after failures = %d, %v; want %d", n, err, want)
	}
}

func TestRandomSourceFailures(t *testing.T) {
	e := base(t)
	e.TextBody, e.HTMLBody = "t", "<p>h</p>"
	e.Attachments = []domain.Attachment{att("a.txt")}

	_, err := New(WithRand(iotest.ErrReader(errors.New("no entropy")))).Prepare(e, ports.EncodeOptions{})
	if kindOf(t, err) != domain.KindEncodingFailed {
		t.Errorf("failing random source: %v; want KindEncodingFailed", err)
	}
	e.MessageID = "given@example.com" // the boundaries are then the first read
	_, err = New(WithRand(iotest.ErrReader(errors.New("no entropy")))).Prepare(e, ports.EncodeOptions{})
	if kindOf(t, err) != domain.KindEncodingFailed {
		t.Errorf("failing random source for boundaries: %v; want KindEncodingFailed", err)
	}
	// A source that repeats itself cannot give two different boundaries.
	_, err = New(WithRand(zeroReader{})).Prepare(e, ports.EncodeOptions{})
	if kindOf(t, err) != domain.KindEncodingFailed {
		t.Errorf("constant random source: %v; want KindEncodingFailed", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestBoundaryAvoidsBodyText puts the boundary the seeded source would give
// first into a 7bit body: the encoder must take the next one.
func TestBoundaryAvoidsBodyText(t *testing.T) {
	rnd := mrand.NewChaCha8([32]byte{1})
	if _, err := domain.MessageIDFrom(rnd, "x"); err != nil {
		t.Fatal(err)
	}
	first, err := newBoundary(rnd)
	if err != nil {
		t.Fatal(err)
	}
	e := base(t)
	e.TextBody = "--" + first + "\r\nthis line would end the part early\r\n--" + first + "--\r\n"
	e.Attachments = []domain.Attachment{att("a.txt")}
	m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(`boundary="`+first+`"`)) {
		t.Fatalf("boundary %s used although the body holds it", first)
	}
	verifyGo(t, encCase{structure: "multipart/mixed(text/plain,text/plain)"}, e, buf.Bytes(), m.MessageID())
}

func TestSenderSameAsFromIsOmitted(t *testing.T) {
	e := base(t)
	e.Sender = addr(t, "Other Name <ann@example.com>")
	data := encode(t, testEncoder(1), e, ports.EncodeOptions{})
	if bytes.Contains(data, []byte("Sender:")) {
		t.Errorf("Sender written although it is the From mailbox:\n%s", data)
	}
}

func TestPriorities(t *testing.T) {
	tests := []struct {
		give       domain.Priority
		wantX      string
		wantImport string
	}{
		{domain.PriorityHighest, "1 (Highest)", "high"},
		{domain.PriorityHigh, "2 (High)", "high"},
		{domain.PriorityNormal, "3 (Normal)", "normal"},
		{domain.PriorityLow, "4 (Low)", "low"},
		{domain.PriorityLowest, "5 (Lowest)", "low"},
	}
	for _, tt := range tests {
		t.Run(tt.give.String(), func(t *testing.T) {
			e := base(t)
			e.Priority = tt.give
			msg, _ := parseMessage(t, encode(t, testEncoder(1), e, ports.EncodeOptions{}))
			if got := msg.Header.Get("X-Priority"); got != tt.wantX {
				t.Errorf("X-Priority = %q; want %q", got, tt.wantX)
			}
			if got := msg.Header.Get("Importance"); got != tt.wantImport {
				t.Errorf("Importance = %q; want %q", got, tt.wantImport)
			}
		})
	}
	msg, _ := parseMessage(t, encode(t, testEncoder(1), base(t), ports.EncodeOptions{}))
	if msg.Header.Get("X-Priority") != "" || msg.Header.Get("Importance") != "" {
		t.Error("priority headers written without a priority")
	}
}

// TestConcurrentPrepare shares one Encoder (default crypto/rand, and a
// seeded source that is not itself safe for concurrent use) between
// goroutines; run with -race.
func TestConcurrentPrepare(t *testing.T) {
	for _, enc := range []*Encoder{New(), testEncoder(3)} {
		var wg sync.WaitGroup
		ids := make([]string, 16)
		for i := range ids {
			wg.Go(func() {
				e := base(t)
				e.TextBody, e.HTMLBody = "t", "h"
				m, err := enc.Prepare(e, ports.EncodeOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = m.MessageID()
				if _, err := m.WriteTo(io.Discard); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("Message-ID %s generated twice", id)
			}
			seen[id] = true
		}
	}
}

func TestOptionsNilKeepDefaults(t *testing.T) {
	enc := New(WithRand(nil), WithClock(nil))
	if enc.rand == nil || enc.now == nil {
		t.Fatal("nil option replaced a default")
	}
	m, err := enc.Prepare(base(t), ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := domain.CheckMessageID(m.MessageID()); err != nil {
		t.Errorf("generated Message-ID %q: %v", m.MessageID(), err)
	}
}

// TestPrepareKeepsNoReferenceToEmail changes e after Prepare: the message
// does not change.
func TestPrepareKeepsNoReferenceToEmail(t *testing.T) {
	e := base(t)
	e.TextBody = "before"
	m, err := testEncoder(1).Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	m.WriteTo(&a)
	e.TextBody, e.Subject = "after", "changed"
	m.WriteTo(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("changing the Email after Prepare changed the message")
	}
}

// TestCheckLines feeds the internal output check segments that break each
// rule: it must refuse them rather than let them be written.
func TestCheckLines(t *testing.T) {
	tests := []struct {
		name     string
		give     []string
		wantErr  bool
		want8Bit bool
	}{
		{"fine", []string{"a\r\nb\r\n", "\r\n--x--\r\n"}, false, false},
		{"8-bit", []string{"a\r\n", "gr\xc3\xbc\xc3\x9fe\r\n"}, false, true},
		{"bare LF", []string{"a\nb"}, true, false},
		{"leading LF", []string{"\nb"}, true, false},
		{"bare CR", []string{"a\rb\r\n"}, true, false},
		{"long line", []string{strings.Repeat("x", hardLine+1) + "\r\n"}, true, false},
		{"998 is fine", []string{strings.Repeat("x", hardLine) + "\r\n"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var segs []segment
			for _, s := range tt.give {
				segs = append(segs, segment{static: []byte(s)})
			}
			eightBit, err := checkLines(segs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("checkLines error = %v; want error %v", err, tt.wantErr)
			}
			if err != nil && kindOf(t, err) != domain.KindEncodingFailed {
				t.Errorf("kind %v; want KindEncodingFailed", kindOf(t, err))
			}
			if eightBit != tt.want8Bit {
				t.Errorf("eightBit = %v; want %v", eightBit, tt.want8Bit)
			}
		})
	}
}

// TestInlineImageContentTypes covers the ways an inline image gets its
// type: given, from the filename, sniffed from bytes, or the default for a
// reader without either.
func TestInlineImageContentTypes(t *testing.T) {
	e := base(t)
	e.HTMLBody = "<p>images</p>"
	e.InlineImages = []domain.InlineImage{
		{ContentID: "given", ContentType: "image/svg+xml", Content: domain.BytesSource([]byte("<svg/>"))},
		{ContentID: "named", Filename: "photo.JPG", Content: domain.BytesSource([]byte("x"))},
		{ContentID: "sniffed", Content: domain.BytesSource([]byte("GIF89a"))},
		{ContentID: "reader", Content: domain.ReaderSource(bytes.NewReader([]byte("?")))},
	}
	tc := encCase{structure: "multipart/related(text/html,image/svg+xml,image/jpeg,image/gif,application/octet-stream)"}
	m, err := testEncoder(1).Prepare(e, tc.opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	e.InlineImages[3].Content = domain.BytesSource([]byte("?"))
	verifyGo(t, tc, e, buf.Bytes(), m.MessageID())
}

// TestLongContentTypeParameter keeps a long parameter value within the line
// limits by sending it the RFC 2231 way.
func TestLongContentTypeParameter(t *testing.T) {
	long := strings.Repeat("v", 3000)
	e := withAttachment(t, domain.Attachment{Filename: "a.txt", ContentType: "text/plain; x-long=" + long, Content: domain.BytesSource([]byte("a"))})
	data := encode(t, testEncoder(1), e, ports.EncodeOptions{})
	if err := checkLineRules(data, false); err != nil {
		t.Fatal(err)
	}
	_, root := parseMessage(t, data)
	if got := root.children[1].params["x-long"]; got != long {
		t.Errorf("x-long parameter reads back as %d characters; want %d", len(got), len(long))
	}
}
