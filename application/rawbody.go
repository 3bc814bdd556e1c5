package application

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const (
	rawBufferSize = 256 << 10 // octets read, and written, at a time when streaming
	rawWriteSize  = 1 << 20   // octets of a checked message in memory written at a time
	rawPeekSize   = 64 << 10  // the bound of the header peek for the Message-ID
	rawWholeSize  = 2 << 20   // a seekable message under this size is read into memory, once
	maxRawLine    = 998       // octets of a line without its line end (RFC 5321 section 4.5.3.1.6)
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
// A message in memory that check found sound is written without checking
// it again (see check). It is not safe for concurrent use, except release.
type rawBody struct {
	data   []byte // the message, when it is in memory (newRawBodyBytes, or read whole)
	src    io.Reader
	seeker io.Seeker // src, when it can seek: each write starts over at start
	start  int64
	buf    []byte
	peeked int   // buf[:peeked] holds the first octets of src, read by newRawBody, for the first write
	eof    bool  // the peek read all of src
	writes int   // WriteTo calls so far
	failed error // why the last WriteTo failed, for the refusal of a non-seekable rewrite

	verified bool // check passed data: WriteTo skips the checks
	bodyAt   int  // verified: where the body of data starts (len(data) when it has none)
	crlfTo   int  // verified: data[bodyAt:crlfTo] has CRLF line ends only

	pooled   *rawBuffer // data or buf, to give back to rawBuffers
	mu       sync.Mutex // guards writing and released, for release
	writing  int        // WriteTo calls running
	released bool

	id       string
	size     int64
	eightBit bool
}

var _ ports.Message = (*rawBody)(nil)

// newRawBody reads the header section of the message in src (up to its
// empty line, at most rawPeekSize octets are looked at, at most
// rawBufferSize read) to learn its Message-ID, and keeps those octets for
// the first WriteTo. When src is an io.Seeker that can report its offset,
// every WriteTo starts over from that offset; otherwise src can be written
// only once. A seekable src with less than rawWholeSize octets from its
// offset to its end (a small file) is read whole instead, into memory, and
// taken as newRawBodyBytes takes a message: read once, however often it is
// written. The buffers come from rawBuffers, and go back with release.
// Errors are *domain.Error: KindInvalidInput for an empty message,
// KindEncodingFailed when src fails.
func newRawBody(src io.Reader) (*rawBody, error) {
	b := &rawBody{src: src}
	if s, ok := src.(io.Seeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil { // a pipe as *os.File cannot
			b.seeker, b.start = s, off
			whole, n, err := b.readWhole()
			if err != nil {
				return nil, err
			}
			if whole != nil {
				if n == 0 {
					whole.put()
					return nil, domain.NewError(domain.KindInvalidInput, rawOp, "message is empty")
				}
				m, _ := newRawBodyBytes(whole.b[:n])
				m.pooled = whole
				return m, nil
			}
		}
	}
	b.pooled = getRawBuffer(rawBufferSize)
	b.buf = b.pooled.b
	p := headerPeek{field: -1}
	for !p.done && !b.eof && b.peeked < rawPeekSize {
		n, err := b.read(b.buf[b.peeked:])
		b.peeked += n
		if err == io.EOF {
			b.eof = true
		} else if err != nil {
			b.release()
			return nil, err
		}
		seen := min(b.peeked, rawPeekSize)
		p.scan(b.buf[:seen], b.eof && seen == b.peeked)
	}
	if b.peeked == 0 {
		b.release()
		return nil, domain.NewError(domain.KindInvalidInput, rawOp, "message is empty")
	}
	b.id = p.id
	b.eightBit = has8bit(b.buf[:b.peeked])
	return b, nil
}

// readWhole reads the message from the seeker src to its end, into a
// buffer of rawBuffers, when that is less than rawWholeSize octets away;
// one read more than the size shows the end. It returns nil, with src back
// at the message, when the end is further, unknown, or moved past the
// buffer meanwhile.
func (b *rawBody) readWhole() (*rawBuffer, int, error) {
	end, err := b.seeker.Seek(0, io.SeekEnd)
	if _, serr := b.seeker.Seek(b.start, io.SeekStart); serr != nil {
		return nil, 0, readError(serr)
	}
	size := end - b.start
	if err != nil || size < 0 || size >= rawWholeSize {
		return nil, 0, nil
	}
	whole := getRawBuffer(int(size) + 1)
	for n := 0; n < len(whole.b); {
		k, err := b.read(whole.b[n:])
		n += k
		if err == io.EOF {
			return whole, n, nil
		}
		if err != nil {
			whole.put()
			return nil, 0, err
		}
	}
	whole.put()
	if _, err := b.seeker.Seek(b.start, io.SeekStart); err != nil { // it grew: stream it
		return nil, 0, readError(err)
	}
	return nil, 0, nil
}

// rawBuffers recycles the buffers of newRawBody: [0] those of
// rawBufferSize octets, [1] those of rawWholeSize. A megabyte read into a
// new buffer for every send costs more in garbage collection than reading
// it twice.
var rawBuffers [2]sync.Pool

// rawBuffer is a buffer of rawBuffers.
type rawBuffer struct {
	b     []byte
	class int
}

// getRawBuffer returns a buffer of at least n octets, at most rawWholeSize.
func getRawBuffer(n int) *rawBuffer {
	class, size := 0, rawBufferSize
	if n > rawBufferSize {
		class, size = 1, rawWholeSize
	}
	if r, ok := rawBuffers[class].Get().(*rawBuffer); ok {
		return r
	}
	return &rawBuffer{b: make([]byte, size), class: class}
}

func (r *rawBuffer) put() { rawBuffers[r.class].Put(r) }

// release gives the buffer of b back to rawBuffers, once no WriteTo runs;
// a WriteTo after it fails. SendRawReader calls it as it returns, so that
// a session that would write the message later, from another goroutine,
// gets an error instead of another message's octets. It is safe to call
// concurrently with WriteTo, and more than once.
func (b *rawBody) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.released = true
	b.recycle()
}

// recycle gives the buffer back when b is released and no write runs. The
// caller holds mu.
func (b *rawBody) recycle() {
	if b.released && b.writing == 0 && b.pooled != nil {
		b.pooled.put()
		b.pooled, b.data, b.buf = nil, nil, nil
	}
}

// enter marks a WriteTo running; it fails once b is released.
func (b *rawBody) enter() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.released {
		return domain.NewError(domain.KindEncodingFailed, rawOp, "the message was written after SendRawReader returned")
	}
	b.writing++
	return nil
}

// leave marks a WriteTo done.
func (b *rawBody) leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writing--
	b.recycle()
}

// newRawBodyBytes is newRawBody for a message in memory: WriteTo reads
// data in place, with no buffer of its own, and may be called any number of
// times. data must not change while the rawBody is in use. Errors are
// *domain.Error of KindInvalidInput for an empty message.
func newRawBodyBytes(data []byte) (*rawBody, error) {
	if len(data) == 0 {
		return nil, domain.NewError(domain.KindInvalidInput, rawOp, "message is empty")
	}
	prefix := data[:min(len(data), rawPeekSize)]
	p := headerPeek{field: -1}
	p.scan(prefix, len(prefix) == len(data))
	return &rawBody{data: data, id: p.id, eightBit: has8bit(prefix)}, nil
}

// MessageID returns the Message-ID of the message, without angle brackets,
// or "" when it has none. It is looked for in the header section as far as
// newRawBody read it: a header section longer than rawPeekSize (64 KiB)
// is searched in its first 64 KiB only.
func (b *rawBody) MessageID() string { return b.id }

// Size returns the octets the last complete WriteTo wrote: the message as
// given, Bcc fields left out. It is 0 before the first complete write. What
// the session makes of them on the wire (line ends as CRLF) is the
// session's to count: it measures the message for SIZE itself
// (ports.Envelope.Measure). It never fails.
func (b *rawBody) Size() (int64, error) { return b.size, nil }

// EightBit reports whether the last complete WriteTo wrote an octet above
// 127. Before that it says what the octets newRawBody read show (the header
// section at least, or its first 64 KiB): an 8-bit octet further on is not
// seen.
func (b *rawBody) EightBit() bool { return b.eightBit }

// replayable reports whether WriteTo can (still) be called: src can seek,
// or nothing of it was written yet. A retry of a non-seekable message whose
// first write started would fail.
func (b *rawBody) replayable() bool { return b.rewritable() || b.writes == 0 }

// rewritable reports whether WriteTo can be called more than once: the
// message is in memory, or src can seek.
func (b *rawBody) rewritable() bool { return b.data != nil || b.seeker != nil }

// check is a WriteTo that writes nothing: it refuses what WriteTo would
// refuse and learns Size and EightBit, before anything reaches the network.
// A message in memory that passes is verified: it cannot change (see
// newRawBodyBytes), so every later WriteTo skips the checks and the counts,
// keeps the Bcc strip of the header section, and hands the body to w in
// runs of rawWriteSize octets, through WriteCRLF as far as check found
// CRLF line ends only. A reader is checked again on every write (a file
// may change between two reads). Errors are those of WriteTo.
func (b *rawBody) check() error {
	s, err := b.write(io.Discard)
	if err != nil || b.data == nil {
		return err
	}
	b.verified = true
	b.bodyAt, b.crlfTo = len(b.data), len(b.data)
	if s.bodyAt >= 0 {
		b.bodyAt = s.bodyAt
	}
	if s.crlfTo >= 0 {
		b.crlfTo = s.crlfTo
	}
	return nil
}

// WriteTo writes the message to w in one pass, as the type describes, and
// counts it for Size and EightBit. Errors are *domain.Error of
// KindInvalidInput for a line over 998 octets, a NUL octet or a second write
// of a non-seekable message, and of KindEncodingFailed when src fails; an
// error of w is returned as it is.
func (b *rawBody) WriteTo(w io.Writer) (int64, error) {
	s, err := b.write(w)
	return s.written, err
}

// write is WriteTo, returning what its scan learnt.
func (b *rawBody) write(w io.Writer) (rawScan, error) {
	if err := b.enter(); err != nil {
		return rawScan{}, err
	}
	defer b.leave()
	if err := b.rewind(); err != nil {
		return rawScan{}, err
	}
	s := newRawScan(w)
	var err error
	if b.verified {
		err = b.writeVerified(&s)
	} else {
		err = b.stream(&s)
	}
	if err != nil {
		b.failed = err
		return s, err
	}
	b.size, b.eightBit = s.written, s.eightBit
	return s, nil
}

// writeVerified writes data that check passed: the header section line by
// line for the Bcc strip, the body in runs of about rawWriteSize octets.
// Each is one write of the session, under its own deadline (a DataBlock
// timeout of 3 minutes asks for 6 KB/s); fewer, larger writes cost the
// session less than rawBufferSize ones.
func (b *rawBody) writeVerified(s *rawScan) error {
	if _, err := s.headerLines(b.data[:b.bodyAt]); err != nil {
		return err
	}
	s.eightBit = b.eightBit // check saw the same octets
	crlfTo := b.crlfTo
	if s.crlf == nil {
		crlfTo = b.bodyAt
	}
	for rest := b.data[b.bodyAt:crlfTo]; len(rest) > 0; {
		n := len(rest)
		if n > rawWriteSize { // whole lines, which are short: check saw them
			n = max(bytes.LastIndexByte(rest[:rawWriteSize], '\n')+1, 1)
		}
		if err := s.crlfRuns(rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	for rest := b.data[crlfTo:]; len(rest) > 0; {
		n := min(len(rest), rawWriteSize)
		if err := s.write(rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
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
			if err := s.lines(rest[:cut]); err != nil {
				return err
			}
			rest = rest[cut:]
		}
		return s.lines(rest)
	}
	buf := b.buf
	r, n, eof := 0, b.peeked, b.eof
	b.peeked = 0
	for {
		if eof {
			return s.lines(buf[r:n])
		}
		cut := r + completeLines(buf[r:n])
		if err := s.lines(buf[r:cut]); err != nil {
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
