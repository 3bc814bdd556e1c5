package tcp

import (
	"bytes"
	"io"
)

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
// copies the runs between the places that need a change in one Write.
type bodyWriter struct {
	w         io.Writer
	stuff     bool // dot-stuff (DATA); BDAT sends lines as they are
	lineStart bool // the next byte starts a line
	cr        bool // the last byte was a CR, already written as CRLF: drop an LF that follows
	err       error
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
			if b.stuff && p[0] == '.' && !b.put(dot) {
				return total - len(p), b.err
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
	if _, err := b.w.Write(p); err != nil {
		b.err = err
		return false
	}
	return true
}

// terminate ends the last line when it is open and writes the final ".".
func (b *bodyWriter) terminate() error {
	if b.err != nil {
		return b.err
	}
	if !b.lineStart && !b.put(crlf) {
		return b.err
	}
	b.put(terminator)
	return b.err
}
