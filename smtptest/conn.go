package smtptest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// readMode says how vconn interprets the next bytes from the client.
type readMode uint8

const (
	modeCommand readMode = iota // a command line
	modeSASL                    // a SASL response line after a 334 reply
	modeData                    // DATA content, up to the line "."
	modeChunk                   // the bytes of a BDAT chunk
)

// vconn is the net.Conn go-smtp serves. It hands go-smtp the client's
// stream one line at a time, so it knows which command each reply answers:
// it records commands, applies faults, delays and STARTTLS itself, passes
// everything else through and rewrites the EHLO reply. go-smtp uses it from
// one goroutine, except Close.
type vconn struct {
	s         *Server
	cc        *clientConn
	successor bool        // serves the client after STARTTLS: go-smtp's greeting is dropped
	handedOff atomic.Bool // STARTTLS passed the client to a successor
	bdat      atomic.Bool // the current content arrives in BDAT chunks

	greeted bool
	refused bool // a Greeting fault: 503 to everything but QUIT
	mode    readMode
	bol     bool  // modeData: the last line ended in CRLF
	chunk   int64 // modeChunk: bytes left
	midLine bool  // modeCommand: passing on the rest of an over-long line
	verb    string
	pending []byte // read from the client, not yet returned to go-smtp
	wbuf    []byte // a partial reply line from go-smtp
	ehlo    []string
}

var _ net.Conn = (*vconn)(nil)

func newVConn(s *Server, cc *clientConn, successor bool) *vconn {
	return &vconn{s: s, cc: cc, successor: successor}
}

// Read implements net.Conn for go-smtp.
func (v *vconn) Read(p []byte) (int, error) {
	for len(v.pending) == 0 {
		if v.handedOff.Load() || v.cc.isClosed() {
			return 0, io.EOF
		}
		if err := v.fill(); err != nil {
			if v.cc.isClosed() {
				return 0, io.EOF
			}
			return 0, err
		}
	}
	n := copy(p, v.pending)
	v.pending = v.pending[n:]
	return n, nil
}

// fill reads the next unit from the client: a line, or part of a chunk.
func (v *vconn) fill() error {
	r := v.cc.reader()
	if v.mode == modeChunk {
		buf := make([]byte, min(v.chunk, 32<<10))
		n, err := r.Read(buf)
		v.chunk -= int64(n)
		v.pending = buf[:n]
		if v.chunk == 0 {
			v.mode = modeCommand
		}
		if n > 0 {
			return nil
		}
		return err
	}
	line, full, err := readLine(r)
	if err != nil {
		return err
	}
	v.pending = line
	switch v.mode {
	case modeData:
		if full && v.bol && string(line) == ".\r\n" {
			v.mode = modeCommand
		}
		v.bol = full && bytes.HasSuffix(line, []byte("\r\n"))
	case modeSASL:
		if full {
			v.mode = modeCommand
		}
	case modeCommand:
		if v.midLine || !full {
			v.midLine = !full
			return nil
		}
		v.command(line)
	}
	return nil
}

// command handles one complete command line held in v.pending.
func (v *vconn) command(line []byte) {
	text := strings.TrimRight(string(line), "\r\n")
	v.s.addCommand(Command{Conn: v.cc.id, Line: text, TLS: v.cc.isTLS()})
	verb := verbOf(text)
	if v.intercept(verb, text) {
		v.pending = nil
		return
	}
	v.verb = verb
	switch verb {
	case "BDAT":
		v.bdat.Store(true)
		if n, ok := bdatSize(text); ok && n > 0 {
			v.mode, v.chunk = modeChunk, n
		}
	case "DATA":
		v.bdat.Store(false)
	}
}

// intercept answers a command itself when a fault, the TLS policy, a
// hidden extension or STARTTLS says so, and reports whether it did.
func (v *vconn) intercept(verb, line string) bool {
	if v.refused {
		if verb == "QUIT" {
			v.send(newReply(221, "2.0.0 Bye"))
			v.cc.close()
			return true
		}
		v.send(newReply(503, "5.5.1 No service"))
		v.discardChunk(line)
		return true
	}
	if verb != "DATA" && !v.s.wait(v.cc, verb) { // DATA delays come before the final reply: see session.Data
		return true
	}
	if verb != "DATA" && verb != "AUTH" { // AUTH faults end the SASL exchange: see exchange.Next
		if f, ok := v.s.takeFault(verb); ok {
			v.discardChunk(line)
			v.fail(f)
			return true
		}
	}
	if v.s.o.requireTLS && !v.cc.isTLS() && !allowedBeforeTLS(verb) {
		v.send(newReply(530, "5.7.0 Must issue a STARTTLS command first"))
		v.discardChunk(line)
		return true
	}
	switch verb {
	case "STARTTLS":
		if v.s.tls != nil && v.s.o.enabled(ExtStartTLS) {
			v.startTLS(line)
			return true
		}
	case "BDAT":
		if !v.s.o.enabled(ExtChunking) {
			v.send(newReply(502, "5.5.1 CHUNKING not advertised"))
			v.discardChunk(line)
			return true
		}
	}
	return false
}

// allowedBeforeTLS lists the commands WithRequireTLS lets through
// (RFC 3207 section 4, plus HELO and RSET).
func allowedBeforeTLS(verb string) bool {
	switch verb {
	case "EHLO", "HELO", "NOOP", "RSET", "QUIT", "STARTTLS":
		return true
	}
	return false
}

// startTLS answers STARTTLS, runs the handshake and passes the client to
// a successor vconn, so that go-smtp starts over as RFC 3207 asks.
func (v *vconn) startTLS(line string) {
	switch {
	case v.cc.isTLS():
		v.send(newReply(502, "5.5.1 Already running in TLS"))
		return
	case !strings.EqualFold(strings.TrimSpace(line), "STARTTLS"):
		v.send(newReply(501, "5.5.4 STARTTLS takes no parameters"))
		return
	}
	v.send(newReply(220, "2.0.0 Ready to start TLS"))
	if err := v.cc.upgrade(v.s.tls); err != nil {
		v.cc.close()
		return
	}
	v.handedOff.Store(true)
	if !v.s.vl.push(newVConn(v.s, v.cc, true)) {
		v.cc.close()
	}
}

// fail applies a fault in place of the normal reply.
func (v *vconn) fail(f fault) {
	if f.drop {
		v.cc.close()
		return
	}
	v.send(f.reply)
	if f.code == 421 {
		v.cc.close()
	}
}

// send writes a reply of the server's own; write errors show up on the
// next read.
func (v *vconn) send(r reply) { _ = v.cc.write(r.String()) }

// discardChunk skips the chunk that follows a BDAT command the server
// refused itself (RFC 3030 section 2: the chunk is sent regardless).
func (v *vconn) discardChunk(line string) {
	if n, ok := bdatSize(line); ok {
		_, _ = io.CopyN(io.Discard, v.cc.reader(), n)
	}
}

// Write implements net.Conn for go-smtp's replies.
func (v *vconn) Write(p []byte) (int, error) {
	if v.handedOff.Load() || v.cc.isClosed() {
		return 0, net.ErrClosed
	}
	v.wbuf = append(v.wbuf, p...)
	for {
		i := bytes.IndexByte(v.wbuf, '\n')
		if i < 0 {
			break
		}
		line := string(v.wbuf[:i+1])
		v.wbuf = v.wbuf[i+1:]
		if err := v.reply(line); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// reply passes one reply line from go-smtp on to the client.
func (v *vconn) reply(line string) error {
	code, final := replyCode(line)
	if !v.greeted {
		return v.greet(line, final)
	}
	if v.verb == "EHLO" && code == 250 {
		v.ehlo = append(v.ehlo, line)
		if !final {
			return nil
		}
		lines := v.ehlo
		v.ehlo = nil
		return v.cc.write(v.filterEHLO(lines))
	}
	err := v.cc.write(line)
	if final {
		switch {
		case code == 354 && v.verb == "DATA":
			v.mode, v.bol = modeData, true
		case code == 334 && v.verb == "AUTH":
			v.mode = modeSASL
		case code == 421:
			v.cc.close()
		}
	}
	return err
}

// greet handles go-smtp's 220 greeting: dropped after STARTTLS, subject to
// the Greeting delay and fault otherwise.
func (v *vconn) greet(line string, final bool) error {
	if v.successor {
		v.greeted = final
		return nil
	}
	if !final {
		return v.cc.write(line)
	}
	v.greeted = true
	if !v.s.wait(v.cc, Greeting) {
		return net.ErrClosed
	}
	if f, ok := v.s.takeFault(Greeting); ok {
		v.fail(f)
		v.refused = true
		return nil
	}
	return v.cc.write(line)
}

// filterEHLO rewrites go-smtp's EHLO reply: hidden extensions go, STARTTLS
// and the extra keywords come in.
func (v *vconn) filterEHLO(lines []string) string {
	texts := make([]string, 0, len(lines)+len(v.s.o.extra)+1)
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if len(t) > 4 {
			t = t[4:]
		} else {
			t = ""
		}
		if i > 0 && !v.s.o.ext[Extension(t).keyword()] {
			continue
		}
		texts = append(texts, t)
	}
	if v.s.tls != nil && v.s.o.enabled(ExtStartTLS) && !v.cc.isTLS() {
		texts = append(texts, string(ExtStartTLS))
	}
	for _, e := range v.s.o.extra {
		texts = append(texts, string(e))
	}
	return newReply(250, strings.Join(texts, "\n")).String()
}

// Close implements net.Conn; after STARTTLS it leaves the client to the
// successor.
func (v *vconn) Close() error {
	if !v.handedOff.Load() {
		v.cc.close()
	}
	return nil
}

// LocalAddr implements net.Conn.
func (v *vconn) LocalAddr() net.Addr { return v.cc.raw.LocalAddr() }

// RemoteAddr implements net.Conn.
func (v *vconn) RemoteAddr() net.Addr { return v.cc.raw.RemoteAddr() }

// SetDeadline implements net.Conn.
func (v *vconn) SetDeadline(t time.Time) error { return v.cc.raw.SetDeadline(t) }

// SetReadDeadline implements net.Conn.
func (v *vconn) SetReadDeadline(t time.Time) error { return v.cc.raw.SetReadDeadline(t) }

// SetWriteDeadline implements net.Conn.
func (v *vconn) SetWriteDeadline(t time.Time) error { return v.cc.raw.SetWriteDeadline(t) }

// readLine returns the next line from r including its LF, or a part of it
// when the line is longer than r's buffer (full is then false).
func readLine(r *bufio.Reader) (line []byte, full bool, err error) {
	b, err := r.ReadSlice('\n')
	switch {
	case err == nil:
		return bytes.Clone(b), true, nil
	case errors.Is(err, bufio.ErrBufferFull), len(b) > 0:
		return bytes.Clone(b), false, nil
	}
	return nil, false, err
}

// replyCode returns the code of a reply line and whether it is the last
// line of its reply ("250 ..." rather than "250-...").
func replyCode(line string) (code int, final bool) {
	if len(line) < 3 {
		return 0, true
	}
	code, _ = strconv.Atoi(line[:3])
	return code, len(line) == 3 || line[3] != '-'
}

// bdatSize returns the chunk size of a BDAT line when go-smtp would accept
// its syntax, and so read the chunk: "BDAT" SP size [SP "LAST"].
func bdatSize(line string) (int64, bool) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) < 6 || !strings.EqualFold(line[:4], "BDAT") || line[4] != ' ' {
		return 0, false
	}
	args := strings.Fields(line[5:])
	if len(args) == 0 || len(args) > 2 || (len(args) == 2 && !strings.EqualFold(args[1], "LAST")) {
		return 0, false
	}
	n, err := strconv.ParseUint(args[0], 10, 32)
	if err != nil {
		return 0, false
	}
	return int64(n), true
}
