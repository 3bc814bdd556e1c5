package mime

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/integrations/smtp/domain"
)

// Base64 bodies have lines of 76 characters (RFC 2045 section 6.8), that
// is 57 octets of content. Content is read chunkLines lines at a time and
// its base64 written outLines lines at a time (305 KiB): a large write
// costs the DATA writer and the socket less per octet (about 0.1 ms less a
// MiB than 76 KiB writes over loopback).
const (
	b64LineOctets = 57
	b64LineChars  = 76
	chunkLines    = 1024
	chunkOctets   = b64LineOctets * chunkLines
	outLines      = 4 * chunkLines
	outOctets     = b64LineOctets * outLines
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
// of lines. The output is what encoding/base64's StdEncoding gives, cut
// into lines; whole lines go through encodeLine, the short last one
// through StdEncoding.
func appendBase64(dst, src []byte, started bool) []byte {
	lines := (len(src) + b64LineOctets - 1) / b64LineOctets
	breaks := lines
	if !started && lines > 0 {
		breaks--
	}
	at := len(dst)
	dst = slices.Grow(dst, base64.StdEncoding.EncodedLen(len(src))+2*breaks)
	dst = dst[:at+base64.StdEncoding.EncodedLen(len(src))+2*breaks]
	out := dst[at:]
	for len(src) > 0 {
		if started {
			out[0], out[1] = '\r', '\n'
			out = out[2:]
		}
		started = true
		if len(src) < b64LineOctets {
			base64.StdEncoding.Encode(out, src)
			break
		}
		encodeLine((*[b64LineChars]byte)(out), (*[b64LineOctets]byte)(src))
		out, src = out[b64LineChars:], src[b64LineOctets:]
	}
	return dst
}

// b64Pairs maps 12 bits of content to the two base64 characters that
// encode them, the first in the low byte. It is a constant table (8 KiB,
// it stays in the L1 cache); Go has no constant arrays.
var b64Pairs = func() (t [1 << 12]uint16) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = uint16(alphabet[i>>6]) | uint16(alphabet[i&63])<<8
	}
	return t
}()

// encodeLine base64-encodes one whole line, 57 octets into 76 characters.
// It reads 8 octets at a time and encodes 6 of them into 8 characters
// with four lookups of 12 bits and one store, three times as fast as
// base64.Encoding.Encode, which does a lookup and a store a character.
// Unrolled, it has no bounds check and no loop counter.
func encodeLine(dst *[b64LineChars]byte, src *[b64LineOctets]byte) {
	t := &b64Pairs
	binary.LittleEndian.PutUint64(dst[0:], encode6(t, binary.BigEndian.Uint64(src[0:])))
	binary.LittleEndian.PutUint64(dst[8:], encode6(t, binary.BigEndian.Uint64(src[6:])))
	binary.LittleEndian.PutUint64(dst[16:], encode6(t, binary.BigEndian.Uint64(src[12:])))
	binary.LittleEndian.PutUint64(dst[24:], encode6(t, binary.BigEndian.Uint64(src[18:])))
	binary.LittleEndian.PutUint64(dst[32:], encode6(t, binary.BigEndian.Uint64(src[24:])))
	binary.LittleEndian.PutUint64(dst[40:], encode6(t, binary.BigEndian.Uint64(src[30:])))
	binary.LittleEndian.PutUint64(dst[48:], encode6(t, binary.BigEndian.Uint64(src[36:])))
	binary.LittleEndian.PutUint64(dst[56:], encode6(t, binary.BigEndian.Uint64(src[42:])))
	binary.LittleEndian.PutUint64(dst[64:], encode6(t, binary.BigEndian.Uint64(src[48:]))) // reads up to octet 55
	v := uint32(src[54])<<16 | uint32(src[55])<<8 | uint32(src[56])
	binary.LittleEndian.PutUint32(dst[72:], uint32(t[v>>12])|uint32(t[v&0xfff])<<16)
}

// encode6 returns the 8 characters of the top 6 octets of v, the first in
// the low byte.
func encode6(t *[1 << 12]uint16, v uint64) uint64 {
	return uint64(t[v>>52]) | uint64(t[v>>40&0xfff])<<16 | uint64(t[v>>28&0xfff])<<32 | uint64(t[v>>16&0xfff])<<48
}

// writeState holds the buffers of one WriteTo, reused through a pool.
type writeState struct {
	bw  *bufio.Writer
	cw  countingWriter // what bw writes to
	in  []byte
	out []byte
}

var writeStates = sync.Pool{New: func() any {
	return &writeState{bw: bufio.NewWriterSize(nil, writeBuffer)}
}}

// buffers allocates out, and in when reading is set.
func (ws *writeState) buffers(reading bool) {
	if ws.out == nil {
		ws.out = make([]byte, 0, outLines*(b64LineChars+2))
	}
	if reading && ws.in == nil {
		ws.in = make([]byte, chunkOctets)
	}
}

// writeBytes base64-encodes data into ws.bw.
func (ws *writeState) writeBytes(data []byte) error {
	ws.buffers(false)
	for started := false; len(data) > 0; started = true {
		n := min(len(data), outOctets)
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
	ws.buffers(true)
	var total int64
	ws.out = ws.out[:0]
	for started := false; ; started = true {
		n, err := io.ReadFull(r, ws.in)
		total += int64(n)
		if n > 0 {
			if len(ws.out)+2+n/b64LineOctets*(b64LineChars+2)+b64LineChars > cap(ws.out) {
				if _, werr := ws.bw.Write(ws.out); werr != nil {
					return total, werr
				}
				ws.out = ws.out[:0]
			}
			ws.out = appendBase64(ws.out, ws.in[:n], started)
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			_, werr := ws.bw.Write(ws.out)
			return total, werr
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
