package mime

import (
	"bytes"
	"strings"

	"github.com/integrations/smtp/domain"
)

// segment is a piece of the output: fixed bytes, or an attachment source
// base64-encoded while writing.
type segment struct {
	static []byte
	src    *source
	// lf, when not empty, is text without a CR whose LFs are written as
	// CRLF (see part.lf); lfSize is the octets that makes.
	lf     string
	lfSize int
	// checked says that static is a text body encodeText made, which
	// checkLines need not scan again; eightBit is then what it would find.
	checked, eightBit bool
}

// renderer lays a prepared tree out as segments.
type renderer struct {
	buf  []byte
	segs []segment
}

// message writes the top-level header fields (without the content fields),
// then root with its content fields and body, and returns the segments.
// It appends to header, whose spare capacity should hold the rest of the
// first segment.
func (r *renderer) message(header []byte, root *part) []segment {
	r.buf = header
	r.contentHeader(root)
	r.buf = append(r.buf, '\r', '\n')
	if root.sub != "" {
		r.multipartBody(root)
		r.buf = append(r.buf, '\r', '\n')
	} else {
		r.leafBody(root)
		if len(root.body) > 0 && !bytes.HasSuffix(root.body, []byte("\r\n")) ||
			root.lf != "" && !strings.HasSuffix(root.lf, "\n") {
			r.buf = append(r.buf, '\r', '\n') // the message ends with a line break
		}
	}
	if len(r.buf) > 0 {
		r.segs = append(r.segs, segment{static: r.buf})
	}
	return r.segs
}

func (r *renderer) contentHeader(p *part) {
	if p.sub == "" {
		r.buf = append(r.buf, p.header...)
		return
	}
	h := headerWriter{buf: r.buf}
	params := [][]string{{`boundary="` + p.boundary + `"`}}
	if p.rootType != "" {
		params = append(params, param("type", p.rootType))
	}
	h.withParams("Content-Type", p.contentType(), params...)
	r.buf = h.buf
}

// part writes p's content fields, the blank line and its body; the CRLF
// that follows belongs to the next delimiter (RFC 2046 section 5.1.1).
func (r *renderer) part(p *part) {
	r.contentHeader(p)
	r.buf = append(r.buf, '\r', '\n')
	if p.sub != "" {
		r.multipartBody(p)
		return
	}
	r.leafBody(p)
}

// leafBody adds p's body as a segment of its own, so that a text body is
// not copied again and an attachment streams in its place.
func (r *renderer) leafBody(p *part) {
	if p.lf != "" {
		if len(p.lf) < smallBody {
			r.buf = appendCRLF(r.buf, p.lf)
			return
		}
		n := len(r.buf)
		size := len(p.lf) + strings.Count(p.lf, "\n")
		r.segs = append(r.segs, segment{static: r.buf[:n:n]}, segment{lf: p.lf, lfSize: size, checked: true, eightBit: p.eightBit})
		r.buf = r.buf[n:]
		return
	}
	if p.src == nil && len(p.body) < smallBody {
		r.buf = append(r.buf, p.body...)
		return
	}
	n := len(r.buf)
	r.segs = append(r.segs, segment{static: r.buf[:n:n]}, segment{static: p.body, src: p.src, checked: p.checked, eightBit: p.eightBit})
	r.buf = r.buf[n:] // the rest goes into the spare capacity, if any
}

// appendCRLF appends s, which holds no CR, with every LF made CRLF.
func appendCRLF(buf []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(buf, s...)
		}
		buf = append(buf, s[:i]...)
		buf = append(buf, '\r', '\n')
		s = s[i+1:]
	}
}

// smallBody is the size under which a text body is copied into the
// surrounding segment rather than given its own.
const smallBody = 512

func (r *renderer) multipartBody(p *part) {
	for i, c := range p.children {
		if i > 0 {
			r.buf = append(r.buf, '\r', '\n')
		}
		r.buf = append(r.buf, "--"...)
		r.buf = append(r.buf, p.boundary...)
		r.buf = append(r.buf, '\r', '\n')
		r.part(c)
	}
	r.buf = append(r.buf, "\r\n--"...)
	r.buf = append(r.buf, p.boundary...)
	r.buf = append(r.buf, "--"...)
}

// checkLines verifies what the encoder promises of every fixed segment:
// CRLF line ends only and lines of at most 998 octets (a text body that
// encodeText made, and no other code touched, is taken as it is). It reports whether
// an octet above 127 occurs. A failure is a bug of this package, reported
// as an *domain.Error of KindEncodingFailed rather than written.
func checkLines(segs []segment) (eightBit bool, err error) {
	for _, s := range segs {
		if s.checked { // encodeText's output: fine by construction
			eightBit = eightBit || s.eightBit
			continue
		}
		if !linesFine(s.static) {
			return false, lineError(s.static)
		}
		eightBit = eightBit || !octetStats(s.static).ascii
	}
	return eightBit, nil
}

// linesFine reports whether every line end of b is CRLF and no line is
// longer than hardLine: every LF follows a CR, there are as many CRs as
// LFs (so every CR is one of those), and the LFs are close enough
// together.
func linesFine(b []byte) bool {
	if bytes.Count(b, []byte{'\r'}) != bytes.Count(b, []byte{'\n'}) {
		return false
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return len(b) <= hardLine
		}
		if i == 0 || b[i-1] != '\r' || i-1 > hardLine {
			return false
		}
		b = b[i+1:]
	}
}

// lineError returns the error of the first line of b that breaks a rule
// linesFine checks, as line by line order has it.
func lineError(b []byte) error {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			if i == 0 || b[i-1] != '\r' {
				return newError(domain.KindEncodingFailed, "internal error: bare LF in output")
			}
			line, b = b[:i-1], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > hardLine {
			return newError(domain.KindEncodingFailed, "internal error: line longer than 998 octets")
		}
		if bytes.IndexByte(line, '\r') >= 0 {
			return newError(domain.KindEncodingFailed, "internal error: bare CR in output")
		}
	}
	return newError(domain.KindEncodingFailed, "internal error: bare CR in output")
}
