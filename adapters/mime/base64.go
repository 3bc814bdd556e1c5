package mime

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/integrations/smtp/domain"
)

// Base64 bodies have lines of 76 characters (RFC 2045 section 6.8), that
// is 57 octets of content; content is read and encoded chunkLines lines at
// a time.
const (
	b64LineOctets = 57
	b64LineChars  = 76
	chunkLines    = 1024
	chunkOctets   = b64LineOctets * chunkLines
	writeBuffer   = 32 << 10
)

// base64Size returns the length of n octets base64-encoded in 76-character
// lines separated by CRLF (the CRLF after the last line belongs to the
// boundary that follows).
func base64Size(n int64) int64 {
	if n <= 0 {
		return 0
	}
	chars := (n + 2) / 3 * 4
	lines := (chars + b64LineChars - 1) / b64LineChars
	return chars + 2*(lines-1)
}

// appendBase64 appends src as base64 lines; every line but the first of
// the body is preceded by CRLF. started says whether a line was already
// written. Only the final src of a body may be shorter than a whole number
// of lines.
func appendBase64(dst, src []byte, started bool) []byte {
	dst = slices.Grow(dst, (len(src)+b64LineOctets-1)/b64LineOctets*(b64LineChars+2))
	for len(src) > 0 {
		n := min(len(src), b64LineOctets)
		if started {
			dst = append(dst, '\r', '\n')
		}
		started = true
		at := len(dst)
		dst = dst[:at+base64.StdEncoding.EncodedLen(n)]
		base64.StdEncoding.Encode(dst[at:], src[:n])
		src = src[n:]
	}
	return dst
}

// writeState holds the buffers of one WriteTo, reused through a pool.
type writeState struct {
	bw  *bufio.Writer
	in  []byte
	out []byte
}

var writeStates = sync.Pool{New: func() any {
	return &writeState{bw: bufio.NewWriterSize(nil, writeBuffer)}
}}

func (ws *writeState) buffers() {
	if ws.in == nil {
		ws.in = make([]byte, chunkOctets)
		ws.out = make([]byte, 0, chunkLines*(b64LineChars+2))
	}
}

// writeBytes base64-encodes data into ws.bw.
func (ws *writeState) writeBytes(data []byte) error {
	ws.buffers()
	for started := false; len(data) > 0; started = true {
		n := min(len(data), chunkOctets)
		ws.out = appendBase64(ws.out[:0], data[:n], started)
		if _, err := ws.bw.Write(ws.out); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// readError marks a failure of the attachment source rather than of the
// destination.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

// writeReader base64-encodes what r yields into ws.bw and returns the
// number of content octets read. Read failures are returned as readError.
func (ws *writeState) writeReader(r io.Reader) (int64, error) {
	ws.buffers()
	var total int64
	for started := false; ; started = true {
		n, err := io.ReadFull(r, ws.in)
		total += int64(n)
		if n > 0 {
			ws.out = appendBase64(ws.out[:0], ws.in[:n], started)
			if _, werr := ws.bw.Write(ws.out); werr != nil {
				return total, werr
			}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return total, nil
		case err != nil:
			return total, readError{err}
		}
	}
}

// writeSource streams s base64-encoded into ws.bw. A file is f (already
// opened and checked); it must yield exactly the length Prepare saw, and a
// reader with a known length too. Errors of the source are *domain.Error
// of KindAttachment; errors of the destination are returned as they are.
func (ws *writeState) writeSource(s *source, f io.Reader) (int64, error) {
	if s.typ == domain.SourceBytes {
		return s.length, ws.writeBytes(s.data)
	}
	r := s.reader
	if f != nil {
		r = io.LimitReader(f, s.length)
	} else {
		s.used = true
	}
	n, err := ws.writeReader(r)
	var re readError
	switch {
	case errors.As(err, &re):
		return n, wrapError(domain.KindAttachment, "reading "+s.label, re.err)
	case err != nil:
		return n, err
	case s.length >= 0 && n != s.length:
		return n, newError(domain.KindAttachment, s.label+" yielded "+strconv.FormatInt(n, 10)+" octets, not the "+strconv.FormatInt(s.length, 10)+" it announced")
	}
	return n, nil
}
