package application

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"

	"github.com/integrations/smtp/ports"
)

const (
	countSpan = 4 << 10 // octets of lines countLines checks with one bytes.Count
	dotGap    = 1 << 10 // a "." closer than this to the last one joins its run (crlfRuns)
)

// rawScan is the state of one WriteTo: it checks, counts and writes the
// lines it is handed, in order.
type rawScan struct {
	w        io.Writer
	crlf     ports.CRLFWriter // w, when it is one: runs of CRLF lines go through WriteCRLF
	written  int64            // octets handed to w
	line     int              // lines done
	header   bool             // in the header section
	dropping bool             // in a Bcc field
	eightBit bool

	off    int // octets of the message handed to lines so far
	bodyAt int // where the body starts (after the empty line); -1 before
	crlfTo int // where the first run of body lines with a bare CR or LF starts; -1 before
}

// newRawScan starts a WriteTo to w, at the header section.
func newRawScan(w io.Writer) rawScan {
	s := rawScan{w: w, header: true, bodyAt: -1, crlfTo: -1}
	s.crlf, _ = w.(ports.CRLFWriter)
	return s
}

// lines checks, counts and writes p, which holds complete lines (the last
// line of the message may have no line end: the session ends it).
func (s *rawScan) lines(p []byte) error {
	base := s.off
	s.off += len(p)
	if s.header {
		n, err := s.headerLines(p)
		if err != nil {
			return err
		}
		if !s.header {
			s.bodyAt = base + n
		}
		p, base = p[n:], base+n
	}
	if len(p) == 0 {
		return nil
	}
	return s.body(p, base)
}

// headerLines handles the lines of p up to the end of the header section,
// one by one, and returns how much of p they took.
func (s *rawScan) headerLines(p []byte) (int, error) {
	keep, pos := 0, 0 // p[keep:pos] is a run of lines to write
	for pos < len(p) && s.header {
		end, next := nextLine(p[pos:])
		line := p[pos : pos+end]
		var err error
		switch {
		case end > maxRawLine:
			err = lineError(s.line+1, end)
		case bytes.IndexByte(line, 0) >= 0:
			err = nulError(s.line + 1)
		case end == 0: // the empty line ends the header section
			s.header, s.dropping = false, false
		case line[0] != ' ' && line[0] != '\t':
			s.dropping = isBccField(line)
		}
		if err != nil {
			if werr := s.write(p[keep:pos]); werr != nil {
				return pos, werr
			}
			return pos, err
		}
		if s.dropping {
			if err := s.write(p[keep:pos]); err != nil {
				return pos, err
			}
			keep = pos + next
		} else {
			s.eightBit = s.eightBit || has8bit(line)
		}
		s.line++
		pos += next
	}
	return pos, s.write(p[keep:pos])
}

// body handles p, lines of the body that start at offset base of the
// message, whole buffers at a time: countLines checks and counts them in a
// few passes over p, and checkLines, line by line, finds what to refuse
// when countLines cannot vouch for p.
func (s *rawScan) body(p []byte, base int) error {
	c, eightBit, fast := countLines(p, s.eightBit)
	good := len(p)
	var err error
	if !fast {
		good, c.lfs, c.crlfs, err = checkLines(p, s.line)
		c.crs = bytes.Count(p[:good], []byte{'\r'})
		eightBit = s.eightBit || has8bit(p[:good])
	}
	ok := p[:good]
	ends := c.lfs + c.crs - c.crlfs
	s.line += ends
	s.eightBit = eightBit
	pure := c.crs == c.crlfs && c.lfs == c.crlfs // every line end a CRLF
	if !pure && s.crlfTo < 0 {
		s.crlfTo = base
	}
	var werr error
	if pure && s.crlf != nil {
		werr = s.crlfRuns(ok)
	} else {
		werr = s.write(ok)
	}
	if werr != nil {
		return werr
	}
	return err
}

// lineCounts counts the line ends of a run of lines: LFs, CRs, and CRLF
// pairs (each of which is one LF and one CR of the others).
type lineCounts struct{ lfs, crs, crlfs int }

// countLines counts the line ends of p, a run of complete lines whose last
// may have no line end, and checks that p holds no NUL and no line over
// 998 octets. With fast false it vouches for nothing (p holds a NUL, or a
// line may be too long): checkLines must decide.
//
// It costs a few passes of bytes.IndexByte and bytes.Count over p (SIMD)
// and a few instructions a line: the length of the last line is the guess
// for the next, so that lines of one length (base64, quoted-printable) are
// stepped over without a search; a bytes.Count of each span of about
// countSpan octets shows that no step jumped over an LF, or the span is
// counted again line by line.
func countLines(p []byte, eightBit bool) (c lineCounts, eight, fast bool) {
	guess := 0 // the length of the last line with its LF
	for start := 0; start < len(p); {
		limit := min(len(p), start+countSpan)
		pos, lfs, crlfs, tail := start, 0, 0, false
		for pos < limit {
			// Lines as long as the last, as far as they go.
			if guess > 1 && guess <= maxRawLine+1 {
				for e := pos + guess; e <= limit && p[e-1] == '\n'; e += guess {
					if p[e-2] == '\r' {
						crlfs++
					}
					lfs++
					pos = e
				}
				if pos >= limit {
					break
				}
			}
			i := bytes.IndexByte(p[pos:], '\n')
			if i < 0 {
				tail = true
				break
			}
			n := i // octets of the line; bare CRs in it can only cut it shorter
			if i > 0 && p[pos+i-1] == '\r' {
				crlfs++
				n--
			}
			if n > maxRawLine {
				return c, false, false
			}
			lfs++
			guess = i + 1
			pos += guess
		}
		if tail { // the rest has no LF: one line, or more cut by bare CRs
			if len(p)-pos > maxRawLine {
				return c, false, false
			}
			pos = len(p)
		}
		span := p[start:pos]
		if bytes.IndexByte(span, 0) >= 0 {
			return c, false, false
		}
		if bytes.Count(span, []byte{'\n'}) != lfs {
			if lfs, crlfs, fast = exactLines(span); !fast {
				return c, false, false
			}
		}
		c.lfs += lfs
		c.crlfs += crlfs
		c.crs += bytes.Count(span, []byte{'\r'})
		eightBit = eightBit || has8bit(span)
		start = pos
	}
	return c, eightBit, true
}

// exactLines counts the LFs and CRLF pairs of p, one bytes.IndexByte a
// line; ok is false when a line may be over 998 octets.
func exactLines(p []byte) (lfs, crlfs int, ok bool) {
	for pos := 0; pos < len(p); {
		i := bytes.IndexByte(p[pos:], '\n')
		if i < 0 {
			return lfs, crlfs, len(p)-pos <= maxRawLine
		}
		n := i
		if i > 0 && p[pos+i-1] == '\r' {
			crlfs++
			n--
		}
		if n > maxRawLine {
			return 0, 0, false
		}
		lfs++
		pos += i + 1
	}
	return lfs, crlfs, true
}

// checkLines finds the first line of p to refuse, one over 998 octets or
// holding a NUL, the line number of p's first line being done+1. good is
// where that line starts (len(p) when there is none); lfs and crlfs count
// the LFs and the CRLF pairs before it.
func checkLines(p []byte, done int) (good, lfs, crlfs int, err error) {
	refuse := func(at int, long int) (int, int, int, error) {
		line := done + lfs + bytes.Count(p[:at], []byte{'\r'}) - crlfs + 1
		if long > 0 {
			return at, lfs, crlfs, lineError(line, long)
		}
		return at, lfs, crlfs, nulError(line)
	}
	end := len(p) // lines before end hold no NUL
	nul := bytes.IndexByte(p, 0)
	if nul >= 0 {
		end = bytes.LastIndexByte(p[:nul], '\n') + 1
	}
	for pos := 0; pos < end; {
		// The common case, one IndexByte a line.
		i := bytes.IndexByte(p[pos:end], '\n')
		for i >= 0 && i <= maxRawLine {
			lfs++
			if i > 0 && p[pos+i-1] == '\r' {
				crlfs++
			}
			pos += i + 1
			i = bytes.IndexByte(p[pos:end], '\n')
		}
		if pos == end {
			break
		}
		// A run over 998 octets, or the last one, without LF: its bare CRs
		// may cut it into lines short enough.
		seg, next := p[pos:end], end
		if i >= 0 {
			seg, next = seg[:i], pos+i+1
		}
		if at, n := longPiece(seg); at >= 0 {
			return refuse(pos+at, n)
		}
		if i >= 0 {
			lfs++
			if i > 0 && seg[i-1] == '\r' {
				crlfs++
			}
		}
		pos = next
	}
	if nul < 0 {
		return len(p), lfs, crlfs, nil
	}
	// The run that holds the NUL: a long line before it, or on the NUL's
	// own line, is reported first.
	seg := p[end:]
	if i := bytes.IndexByte(seg, '\n'); i >= 0 {
		seg = seg[:i]
	}
	nulLine := bytes.LastIndexByte(p[end:nul], '\r') + 1
	if at, n := longPiece(seg); at >= 0 && at <= nulLine {
		return refuse(end+at, n)
	}
	return refuse(end+nulLine, 0)
}

// longPiece returns where the first line over 998 octets starts in seg, a
// run without LF whose CRs end lines, and its length; -1 when there is none.
func longPiece(seg []byte) (at, n int) {
	for pos := 0; ; {
		i := bytes.IndexByte(seg[pos:], '\r')
		end := len(seg)
		if i >= 0 {
			end = pos + i
		}
		if end-pos > maxRawLine {
			return pos, end - pos
		}
		if i < 0 {
			return -1, 0
		}
		pos = end + 1
	}
}

// crlfRuns hands p, whose line ends are all CRLF, to WriteCRLF. The writer
// looks for a "." (a line it may have to stuff) and takes its slow path for
// a buffer that holds one, so p goes in runs: the octets before a "." as
// they are, then the "." to the end of its line, with any further "." less
// than dotGap octets on and the rest of its line.
func (s *rawScan) crlfRuns(p []byte) error {
	for len(p) > 0 {
		d := bytes.IndexByte(p, '.')
		if d < 0 {
			return s.put(s.crlf.WriteCRLF, p)
		}
		if err := s.put(s.crlf.WriteCRLF, p[:d]); err != nil {
			return err
		}
		p = p[d:]
		end := 0
		for {
			lf := bytes.IndexByte(p[end:], '\n')
			if lf < 0 {
				end = len(p)
				break
			}
			end += lf + 1
			next := bytes.IndexByte(p[end:min(len(p), end+dotGap)], '.')
			if next < 0 {
				break
			}
			end += next
		}
		if err := s.put(s.crlf.WriteCRLF, p[:end]); err != nil {
			return err
		}
		p = p[end:]
	}
	return nil
}

func (s *rawScan) write(p []byte) error { return s.put(s.w.Write, p) }

// put hands p to write (w's Write or WriteCRLF) and counts what it took.
func (s *rawScan) put(write func([]byte) (int, error), p []byte) error {
	if len(p) == 0 {
		return nil
	}
	n, err := write(p)
	s.written += int64(n)
	return err
}

// nextLine returns the length of the first line of p without its line end
// (CRLF, CR or LF) and with it; they are equal when it has none.
func nextLine(p []byte) (end, next int) {
	lf := bytes.IndexByte(p, '\n')
	if lf < 0 {
		lf = len(p)
	}
	if cr := bytes.IndexByte(p[:lf], '\r'); cr >= 0 {
		if cr+1 == lf && lf < len(p) {
			return cr, cr + 2
		}
		return cr, cr + 1
	}
	if lf == len(p) {
		return lf, lf
	}
	return lf, lf + 1
}

// completeLines returns the length of the complete lines at the start of p:
// up to its last line end, except a CR at the very end, whose LF may follow.
func completeLines(p []byte) int {
	cut := bytes.LastIndexByte(p, '\n') + 1
	if tail := p[cut:]; len(tail) > 1 {
		if cr := bytes.LastIndexByte(tail[:len(tail)-1], '\r'); cr >= 0 {
			cut += cr + 1
		}
	}
	return cut
}

// lineContent returns the length of a line without the CR it may end with.
func lineContent(p []byte) int {
	if n := len(p); n > 0 && p[n-1] == '\r' {
		return n - 1
	}
	return len(p)
}

// has8bit reports whether p holds an octet above 127, 128 octets at a time.
func has8bit(p []byte) bool {
	const high = 0x8080808080808080
	for len(p) >= 128 {
		q := p[:128]
		x := binary.LittleEndian.Uint64(q) | binary.LittleEndian.Uint64(q[8:]) |
			binary.LittleEndian.Uint64(q[16:]) | binary.LittleEndian.Uint64(q[24:]) |
			binary.LittleEndian.Uint64(q[32:]) | binary.LittleEndian.Uint64(q[40:]) |
			binary.LittleEndian.Uint64(q[48:]) | binary.LittleEndian.Uint64(q[56:])
		y := binary.LittleEndian.Uint64(q[64:]) | binary.LittleEndian.Uint64(q[72:]) |
			binary.LittleEndian.Uint64(q[80:]) | binary.LittleEndian.Uint64(q[88:]) |
			binary.LittleEndian.Uint64(q[96:]) | binary.LittleEndian.Uint64(q[104:]) |
			binary.LittleEndian.Uint64(q[112:]) | binary.LittleEndian.Uint64(q[120:])
		if (x|y)&high != 0 {
			return true
		}
		p = p[128:]
	}
	for _, c := range p {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// headerPeek finds the Message-ID in the header section as it arrives.
type headerPeek struct {
	pos   int  // where the next line starts
	field int  // where the field being read starts, or -1
	done  bool // the header section ended
	id    string
	found bool
}

// scan reads the complete lines of p from pos on; with eof set, p is the
// whole message.
func (h *headerPeek) scan(p []byte, eof bool) {
	for !h.done && h.pos < len(p) {
		rest := p[h.pos:]
		end, next := nextLine(rest)
		if !eof && (next == end || (rest[end] == '\r' && end+1 == len(rest))) {
			return // the line, or its CRLF, may go on
		}
		if end == 0 || (rest[0] != ' ' && rest[0] != '\t') {
			h.finish(p, h.pos)
			h.field = h.pos
			h.done = end == 0
		}
		h.pos += next
	}
	if eof {
		h.finish(p, h.pos)
		h.done = true
	}
}

// finish looks at the field that ends at end, when there is one.
func (h *headerPeek) finish(p []byte, end int) {
	const name = "message-id:"
	if h.found || h.field < 0 {
		return
	}
	f := p[h.field:end]
	if len(f) < len(name) || !bytes.EqualFold(f[:len(name)], []byte(name)) {
		return
	}
	h.found = true
	var v []byte // unfolded as net/textproto does: lines trimmed, joined by a space
	for rest, i := f[len(name):], 0; len(rest) > 0; i++ {
		end, next := nextLine(rest)
		if i > 0 {
			v = append(v, ' ')
		}
		v = append(v, bytes.Trim(rest[:end], " \t")...)
		rest = rest[next:]
	}
	h.id = strings.Trim(strings.TrimSpace(string(v)), "<>")
}

// isBccField reports whether a header line starts a Bcc or Resent-Bcc field
// (RFC 5322 sections 3.6.3 and 3.6.6), white space before the colon
// allowed (section 4.5.3's obsolete syntax), as sendmail -t and Postfix
// strip them.
func isBccField(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	return bytes.EqualFold(name, []byte("bcc")) || bytes.EqualFold(name, []byte("resent-bcc"))
}
