package application

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const (
	rawBufferSize = 64 << 10 // octets read at a time; also the bound of the header peek
	maxRawLine    = 998      // octets of a line without its line end (RFC 5321 section 4.5.3.1.6)
	rawOp         = "send raw"
)

// rawBody streams a prebuilt RFC 5322 message in one pass per write: from
// a reader through one buffer of rawBufferSize octets, so that a message of
// any size costs the same memory, or from memory in place. It implements
// ports.Message and replaces SendRaw's checkRaw, stripBcc, normalizedSize,
// 8-bit scan and net/mail parse.
//
// Lines end with CRLF, a bare CR or a bare LF, as the session sees them (it
// turns each into CRLF; stripBcc split at LF only). WriteTo writes the
// octets of the message unchanged except that every Bcc field of the header
// section (which ends at the first empty line) is left out with its
// continuation lines, as sendmail -t and Postfix do, so that blind
// recipients stay blind. A line longer than 998 octets or a NUL, in a Bcc
// field too, stops the write before any octet of that line is written.
// When w is a ports.CRLFWriter, runs of lines that all end in CRLF go
// through WriteCRLF, sparing the session its line-end normalisation.
//
// It is not safe for concurrent use.
type rawBody struct {
	data   []byte // the message, when it is in memory (newRawBodyBytes)
	src    io.Reader
	seeker io.Seeker // src, when it can seek: each write starts over at start
	start  int64
	buf    []byte
	peeked int   // buf[:peeked] holds the first octets of src, read by newRawBody, for the first write
	eof    bool  // the peek read all of src
	writes int   // WriteTo calls so far
	failed error // why the last WriteTo failed, for the refusal of a non-seekable rewrite

	id       string
	size     int64
	eightBit bool
}

var _ ports.Message = (*rawBody)(nil)

// newRawBody reads the header section of the message in src (up to its
// empty line, at most rawBufferSize octets) to learn its Message-ID, and
// keeps those octets for the first WriteTo. When src is an io.Seeker that
// can report its offset, every WriteTo starts over from that offset;
// otherwise src can be written only once. Errors are *domain.Error:
// KindInvalidInput for an empty message, KindEncodingFailed when src fails.
func newRawBody(src io.Reader) (*rawBody, error) {
	b := &rawBody{src: src, buf: make([]byte, rawBufferSize)}
	if s, ok := src.(io.Seeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil { // a pipe as *os.File cannot
			b.seeker, b.start = s, off
		}
	}
	p := headerPeek{field: -1}
	for !p.done && !b.eof && b.peeked < len(b.buf) {
		n, err := b.read(b.buf[b.peeked:])
		b.peeked += n
		if err == io.EOF {
			b.eof = true
		} else if err != nil {
			return nil, err
		}
		p.scan(b.buf[:b.peeked], b.eof)
	}
	if b.peeked == 0 {
		return nil, domain.NewError(domain.KindInvalidInput, rawOp, "message is empty")
	}
	b.id = p.id
	b.eightBit = has8bit(b.buf[:b.peeked])
	return b, nil
}

// newRawBodyBytes is newRawBody for a message in memory: WriteTo reads
// data in place, with no buffer of its own, and may be called any number of
// times. data must not change while the rawBody is in use. Errors are
// *domain.Error of KindInvalidInput for an empty message.
func newRawBodyBytes(data []byte) (*rawBody, error) {
	if len(data) == 0 {
		return nil, domain.NewError(domain.KindInvalidInput, rawOp, "message is empty")
	}
	prefix := data[:min(len(data), rawBufferSize)]
	p := headerPeek{field: -1}
	p.scan(prefix, len(prefix) == len(data))
	return &rawBody{data: data, id: p.id, eightBit: has8bit(prefix)}, nil
}

// MessageID returns the Message-ID of the message, without angle brackets,
// or "" when it has none. It is looked for in the header section as far as
// newRawBody read it: a header section longer than rawBufferSize (64 KiB)
// is searched in its first 64 KiB only.
func (b *rawBody) MessageID() string { return b.id }

// Size returns the octets the last complete WriteTo sent on the wire, line
// ends counted as CRLF and a missing final line end as the CRLF the session
// adds; it is 0 before the first complete write, so a raw message declares
// no SIZE. It never fails.
func (b *rawBody) Size() (int64, error) { return b.size, nil }

// EightBit reports whether the last complete WriteTo wrote an octet above
// 127. Before that it says what the octets newRawBody read show (the header
// section, or the first 64 KiB): an 8-bit octet further on is not seen.
func (b *rawBody) EightBit() bool { return b.eightBit }

// replayable reports whether WriteTo can (still) be called: src can seek,
// or nothing of it was written yet. A retry of a non-seekable message whose
// first write started would fail.
func (b *rawBody) replayable() bool { return b.data != nil || b.seeker != nil || b.writes == 0 }

// WriteTo writes the message to w in one pass, as the type describes, and
// counts it for Size and EightBit. Errors are *domain.Error of
// KindInvalidInput for a line over 998 octets, a NUL octet or a second write
// of a non-seekable message, and of KindEncodingFailed when src fails; an
// error of w is returned as it is.
func (b *rawBody) WriteTo(w io.Writer) (int64, error) {
	if err := b.rewind(); err != nil {
		return 0, err
	}
	s := rawScan{w: w, header: true}
	s.crlf, _ = w.(ports.CRLFWriter)
	err := b.stream(&s)
	if err != nil {
		b.failed = err
		return s.written, err
	}
	b.size, b.eightBit = s.size, s.eightBit
	return s.written, nil
}

// rewind makes src start at the message again.
func (b *rawBody) rewind() error {
	b.writes++
	switch {
	case b.writes == 1 || b.data != nil:
		return nil
	case b.seeker == nil:
		msg := "a non-seekable raw message can be written only once"
		if b.failed != nil {
			msg += " (the first write failed: " + b.failed.Error() + ")"
		}
		return domain.NewError(domain.KindInvalidInput, rawOp, msg)
	}
	b.peeked, b.eof = 0, false
	if _, err := b.seeker.Seek(b.start, io.SeekStart); err != nil {
		return readError(err)
	}
	return nil
}

// stream reads src through buf and hands s every run of complete lines; a
// partial line waits at the front of buf for the rest.
func (b *rawBody) stream(s *rawScan) error {
	if b.data != nil { // in buffer-sized runs all the same, for a CRLFWriter to take most as they are
		rest := b.data
		for len(rest) > rawBufferSize {
			cut := completeLines(rest[:rawBufferSize])
			if cut == 0 {
				break // a line longer than any may be: lines refuses it
			}
			if err := s.lines(rest[:cut], false); err != nil {
				return err
			}
			rest = rest[cut:]
		}
		return s.lines(rest, true)
	}
	buf := b.buf
	r, n, eof := 0, b.peeked, b.eof
	b.peeked = 0
	for {
		if eof {
			return s.lines(buf[r:n], true)
		}
		cut := r + completeLines(buf[r:n])
		if err := s.lines(buf[r:cut], false); err != nil {
			return err
		}
		r = cut
		if lineContent(buf[r:n]) > maxRawLine {
			return b.tooLong(s, buf[r:n])
		}
		if n == len(buf) { // what is left is one partial line, shorter than a line may be
			n = copy(buf, buf[r:n])
			r = 0
		}
		m, err := b.read(buf[n:])
		n += m
		if err == io.EOF {
			eof = true
		} else if err != nil {
			return err
		}
	}
}

// tooLong reads on to the end of the line that begins with partial and is
// longer than a line may be, for the error to say how long it is. Nothing
// of it has been written.
func (b *rawBody) tooLong(s *rawScan, partial []byte) error {
	length := len(partial)
	if partial[length-1] == '\r' {
		return lineError(s.line+1, length-1)
	}
	for {
		n, err := b.read(b.buf) // partial is not needed any more
		if i := bytes.IndexAny(b.buf[:n], "\r\n"); i >= 0 {
			return lineError(s.line+1, length+i)
		}
		length += n
		if err == io.EOF {
			return lineError(s.line+1, length)
		}
		if err != nil {
			return err
		}
	}
}

// read reads from src, refusing a reader that keeps returning nothing, as
// bufio does.
func (b *rawBody) read(p []byte) (int, error) {
	for range 100 {
		n, err := b.src.Read(p)
		if err != nil && err != io.EOF {
			return n, readError(err)
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, readError(io.ErrNoProgress)
}

// readError reports a failure of the message source; a *domain.Error in
// its chain comes back as it is.
func readError(err error) error {
	if de := domain.AsError(err); de != nil {
		return de
	}
	return &domain.Error{Kind: domain.KindEncodingFailed, Op: rawOp, Message: "reading the message failed", Err: err}
}

// lineError refuses line number line, n octets long.
func lineError(line, n int) error {
	return domain.NewError(domain.KindInvalidInput, rawOp, fmt.Sprintf(
		"line %d is %d octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)", line, n))
}

// nulError refuses line number line for the NUL it holds.
func nulError(line int) error {
	return domain.NewError(domain.KindInvalidInput, rawOp, fmt.Sprintf("line %d holds a NUL octet", line))
}

// rawScan is the state of one WriteTo.
type rawScan struct {
	w        io.Writer
	crlf     ports.CRLFWriter // w, when it is one: runs of CRLF lines go through WriteCRLF
	written  int64            // octets handed to w
	size     int64            // octets on the wire: line ends as CRLF
	line     int              // lines done
	header   bool             // in the header section
	dropping bool             // in a Bcc field
	eightBit bool
}

// lines checks, counts and writes p, which holds complete lines; with final
// set it is the end of the message, whose last line may have no line end.
func (s *rawScan) lines(p []byte, final bool) error {
	if s.header {
		n, err := s.headerLines(p)
		if err != nil {
			return err
		}
		p = p[n:]
	}
	if len(p) == 0 {
		return nil
	}
	return s.body(p, final)
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
			s.dropping = end >= 4 && bytes.EqualFold(line[:4], []byte("bcc:"))
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
			s.size += int64(end) + 2 // a missing line end too: the session adds it
			s.eightBit = s.eightBit || has8bit(line)
		}
		s.line++
		pos += next
	}
	return pos, s.write(p[keep:pos])
}

// body handles p, whole buffers at a time.
func (s *rawScan) body(p []byte, final bool) error {
	good, lfs, crlfs, err := checkLines(p, s.line)
	ok := p[:good]
	crs := bytes.Count(ok, []byte{'\r'})
	ends := lfs + crs - crlfs
	s.size += int64(good + ends - crlfs)
	if last := p[len(p)-1]; final && err == nil && last != '\r' && last != '\n' {
		s.size += 2 // the session ends the last line
	}
	s.line += ends
	s.eightBit = s.eightBit || has8bit(ok)
	write := s.w.Write
	if s.crlf != nil && crs == crlfs && lfs == crlfs { // every line end a CRLF
		write = s.crlf.WriteCRLF
	}
	if werr := s.put(write, ok); werr != nil {
		return werr
	}
	return err
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

// has8bit reports whether p holds an octet above 127, 32 octets at a time.
func has8bit(p []byte) bool {
	const high = 0x8080808080808080
	for len(p) >= 32 {
		x := binary.LittleEndian.Uint64(p) | binary.LittleEndian.Uint64(p[8:]) |
			binary.LittleEndian.Uint64(p[16:]) | binary.LittleEndian.Uint64(p[24:])
		if x&high != 0 {
			return true
		}
		p = p[32:]
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
