package mime

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// TestLargeAttachmentBoundedMemory streams a 25 MB file attachment and
// checks that the Go heap allocations of Prepare and WriteTo together stay
// under 8 MB (the file alone would be 25 MB, its base64 34 MB), and that
// the output is right: exact size, and the attachment decodes to the file.
func TestLargeAttachmentBoundedMemory(t *testing.T) {
	const size = 25 << 20
	path := writeTempFile(t, size)
	e := base(t)
	e.TextBody = "attached"
	e.Attachments = []domain.Attachment{{Filename: "big.bin", Content: domain.FileSource(path)}}

	sink := &decodingSink{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := New().Prepare(e, ports.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := m.WriteTo(sink)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown >= 8<<20 {
		t.Errorf("encoding a 25 MB attachment allocated %d octets; want < 8 MB", grown)
	} else {
		t.Logf("allocated %d KB for a %d MB attachment", grown>>10, size>>20)
	}
	if want, _ := m.Size(); n != want {
		t.Errorf("wrote %d; Size() = %d", n, want)
	}

	// The attachment body, decoded as it streamed by, is the file.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	if got, want := sink.sum(t), h.Sum(nil); string(got) != string(want) {
		t.Error("decoded attachment differs from the file")
	}
}

// decodingSink hashes the decoded base64 body of the attachment of a
// message without keeping it: it looks for the blank line after the
// attachment's header fields, then decodes lines until the boundary.
type decodingSink struct {
	line    []byte
	state   int // 0 before the attachment, 1 in its header, 2 in its body, 3 after
	h       hashWriter
	decoded []byte
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func (s *decodingSink) Write(p []byte) (int, error) {
	if s.h == nil {
		s.h = sha256.New()
	}
	for _, c := range p {
		if c != '\n' {
			s.line = append(s.line, c)
			continue
		}
		line := bytes.TrimSuffix(s.line, []byte("\r")) // no allocation: the sink must not skew the count
		switch {
		case s.state == 0 && bytes.HasPrefix(line, []byte("Content-Disposition: attachment")):
			s.state = 1
		case s.state == 1 && len(line) == 0:
			s.state = 2
		case s.state == 2 && bytes.HasPrefix(line, []byte("--")):
			s.state = 3
		case s.state == 2:
			var err error
			s.decoded, err = base64.StdEncoding.AppendDecode(s.decoded[:0], line)
			if err != nil {
				return 0, err
			}
			s.h.Write(s.decoded)
		}
		s.line = s.line[:0]
	}
	return len(p), nil
}

func (s *decodingSink) sum(t *testing.T) []byte {
	if s.state != 3 {
		t.Fatalf("attachment body not found (state %d)", s.state)
	}
	return s.h.Sum(nil)
}
