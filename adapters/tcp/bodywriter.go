package tcp

import (
	"bytes"
	"io"

	"github.com/integrations/smtp/ports"
)

var _ ports.CRLFWriter = (*bodyWriter)(nil)

var (
	crlf       = []byte("\r\n")
	dot        = []byte(".")
	terminator = []byte(".\r\n")
)

// bodyWriter normalises a message on its way to w: every line end (CRLF, a
// bare CR or a bare LF) becomes CRLF, and with stuff set a line that starts
// with "." gets another one (RFC 5321 section 4.5.2). Without bare line ends
// no "\n.\n", "\r.\r" or "\r\n.\r" can reach the server, so the message
// cannot end early or smuggle a second one. Line ends and dots split across
// Write calls are handled.
//
// It works on whole buffers: it finds line ends with bytes.IndexByte and
// copies the runs between the places that need a change in one Write. A
// writer whose line ends are CRLF already (the MIME encoder's) calls
// WriteCRLF, which passes a buffer without "." on unchanged.
type bodyWriter struct {
	w         io.Writer
	stuff     bool // dot-stuff (DATA); BDAT sends lines as they are
	lineStart bool // the next byte starts a line
	cr        bool // the last byte was a CR, already written as CRLF: drop an LF that follows
	err       error
	n         int64 // octets written to w, the final dot aside
	stuffed   int64 // dots added by stuffing
}

func newBodyWriter(w io.Writer, stuff bool) *bodyWriter {
	return &bodyWriter{w: w, stuff: stuff, lineStart: true}
}

// stop says why run ended.
type stop uint8

const (
	stopEnd       stop = iota // the end of p, in the middle of a line
	stopLineStart             // a line starts at the index (the end of p, or a line to stuff)
	stopCR                    // a bare CR at the index
	stopLF                    // a bare LF at the index
)

// Write normalises p. It returns len(p) unless writing to w failed.
func (b *bodyWriter) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	total := len(p)
	for len(p) > 0 {
		if b.cr {
			b.cr = false
			if p[0] == '\n' {
				p = p[1:]
				continue
			}
		}
		if b.lineStart {
			b.lineStart = false
			if b.stuff && p[0] == '.' {
				if !b.put(dot) {
					return total - len(p), b.err
				}
				b.stuffed++
			}
		}
		i, why := b.run(p)
		if i > 0 && !b.put(p[:i]) {
			return total - len(p), b.err
		}
		switch why {
		case stopEnd:
			p = nil
		case stopLineStart:
			b.lineStart = true
			p = p[i:]
		case stopCR, stopLF:
			if !b.put(crlf) {
				return total - len(p), b.err
			}
			b.cr = why == stopCR
			b.lineStart = true
			p = p[i+1:]
		}
	}
	return total, nil
}

// WriteCRLF implements ports.CRLFWriter: the caller promises that every CR
// and LF of p belongs to a CRLF pair, so the line ends need no change, and
// a p without "." has no line to stuff whatever the promise: it goes out as
// it is, after one bytes.IndexByte instead of two a line. A p with a "."
// takes Write's path. A false promise therefore lets a bare line end
// through, but never a line that starts with "." (no message can end early
// or smuggle another) nor a bare line end before the next "." or the final
// dot.
func (b *bodyWriter) WriteCRLF(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.stuff && bytes.IndexByte(p, '.') >= 0 {
		return b.Write(p)
	}
	total := len(p)
	if b.cr && len(p) > 0 {
		b.cr = false
		if p[0] == '\n' { // the end of a CRLF split between calls, written already
			p = p[1:]
		}
	}
	if len(p) == 0 {
		return total, nil
	}
	n := len(p)
	// A CRLF split between calls ends the line now, as Write does, and the
	// LF that follows is dropped. A final LF without its CR (a broken
	// promise) is made CRLF too, so that the output so far ends mid-line
	// or with CRLF: the next "." is stuffed and the final dot follows a
	// CRLF.
	if p[n-1] == '\r' || p[n-1] == '\n' && (n == 1 || p[n-2] != '\r') {
		if !b.put(p[:n-1]) || !b.put(crlf) {
			return 0, b.err
		}
		b.cr, b.lineStart = p[n-1] == '\r', true
		return total, nil
	}
	if !b.put(p) {
		return 0, b.err
	}
	b.lineStart = p[n-1] == '\n'
	return total, nil
}

// run returns how many bytes of p go out unchanged, and why they end.
func (b *bodyWriter) run(p []byte) (int, stop) {
	pos := 0
	for {
		rest := p[pos:]
		lf := bytes.IndexByte(rest, '\n')
		if lf < 0 {
			if cr := bytes.IndexByte(rest, '\r'); cr >= 0 {
				return pos + cr, stopCR
			}
			return len(p), stopEnd
		}
		switch cr := bytes.IndexByte(rest[:lf], '\r'); {
		case cr < 0:
			return pos + lf, stopLF
		case cr != lf-1:
			return pos + cr, stopCR
		}
		pos += lf + 1
		if pos == len(p) || (b.stuff && p[pos] == '.') {
			return pos, stopLineStart
		}
	}
}

func (b *bodyWriter) put(p []byte) bool {
	n, err := b.w.Write(p)
	b.n += int64(n)
	if err != nil {
		b.err = err
		return false
	}
	return true
}

// size returns the octets of the message written so far as the server
// takes them: line ends as CRLF, before dot-stuffing, and, after
// terminate, with the line end it gave an open last line. It is what SIZE
// declares (RFC 1870 section 4: the size of the message, CRLF line ends
// counted, dot-stuffing not) and what measure computes.
func (b *bodyWriter) size() int64 { return b.n - b.stuffed }

// measure returns the octets the body writer makes of body (see size): a
// pass over body through a bodyWriter that counts instead of writing. With
// terminate set, an open last line gets its CRLF, as DATA gives it (BDAT
// sends the octets as they are). This is the one place the size of a
// message on the wire is computed for one whose line ends may be bare.
func measure(body io.WriterTo, terminate bool) (int64, error) {
	b := newBodyWriter(io.Discard, false)
	if _, err := body.WriteTo(b); err != nil {
		return 0, err
	}
	if terminate && !b.lineStart {
		b.n += int64(len(crlf))
	}
	return b.size(), b.err
}

// terminate ends the last line when it is open and writes the final ".".
func (b *bodyWriter) terminate() error {
	if b.err != nil {
		return b.err
	}
	if !b.lineStart && !b.put(crlf) {
		return b.err
	}
	if _, err := b.w.Write(terminator); err != nil {
		b.err = err
	}
	return b.err
}
