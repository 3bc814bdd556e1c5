package smtptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxScriptLine caps the lines a script reads, so a runaway client cannot
// exhaust memory.
const maxScriptLine = 1 << 20

// ScriptServer is a raw TCP fake on 127.0.0.1 that plays a fixed script of
// steps to the first client that connects, for byte-exact transcript tests
// of how a client copes with a faulty server: replies injected after
// STARTTLS, giant or malformed replies, non-SMTP banners, surplus replies.
// It then stops listening, so a second dial is refused.
//
// After its last step the script reads (and records) until the client
// closes the connection. The first step that fails stops the script and
// closes the connection. All methods are safe for concurrent use.
type ScriptServer struct {
	ca    *authority
	ln    net.Listener
	steps []Step
	done  chan struct{} // closed when the script ends
	stop  chan struct{} // closed by Close
	once  sync.Once

	mu         sync.Mutex
	conn       net.Conn // the client, raw or TLS
	connected  bool
	closing    bool
	transcript bytes.Buffer
	errs       []error
}

// Step is one action of a ScriptServer. Make steps with Send, Expect,
// ExpectPrefix, ReadLine, ReadData, ReadBytes, Sleep, StartTLS,
// ExpectClosed and Close.
type Step struct {
	desc string
	run  func(*scriptConn) error
}

// String returns a description of the step, e.g. `Expect("QUIT\r\n")`.
func (s Step) String() string { return s.desc }

// NewScript starts a ScriptServer that runs steps for the first client.
// When the test ends it closes the server and reports through t.Errorf
// any step that failed, with the transcript; it fails t at once if the
// server cannot start.
func NewScript(t testing.TB, steps ...Step) *ScriptServer {
	t.Helper()
	ca, err := newAuthority()
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	ss := &ScriptServer{ca: ca, ln: ln, steps: steps, done: make(chan struct{}), stop: make(chan struct{})}
	go ss.serve()
	t.Cleanup(func() {
		ss.Close()
		if err := ss.Err(); err != nil {
			t.Errorf("smtptest script: %v\nclient transcript:\n%s", err, ss.Transcript())
		}
	})
	return ss
}

// Addr returns the listening address, "127.0.0.1:port".
func (ss *ScriptServer) Addr() string { return ss.ln.Addr().String() }

// Host returns "127.0.0.1".
func (ss *ScriptServer) Host() string { return ss.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the listening port.
func (ss *ScriptServer) Port() int { return ss.ln.Addr().(*net.TCPAddr).Port }

// CACertPEM returns the PEM form of the CA behind StartTLS(nil).
func (ss *ScriptServer) CACertPEM() []byte { return ss.ca.certPEM() }

// CAPool returns a new pool holding only the CA behind StartTLS(nil).
func (ss *ScriptServer) CAPool() *x509.CertPool { return ss.ca.pool.Clone() }

// WriteCA writes CACertPEM to path.
func (ss *ScriptServer) WriteCA(path string) error { return ss.ca.writeCA(path) }

// ClientTLSConfig returns a client configuration that trusts the CA behind
// StartTLS(nil) and verifies the name "127.0.0.1".
func (ss *ScriptServer) ClientTLSConfig() *tls.Config { return ss.ca.clientConfig(ss.Host()) }

// Transcript returns every byte the client has sent so far, decrypted
// after StartTLS.
func (ss *ScriptServer) Transcript() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.transcript.String()
}

// Err returns the failures so far: a step that did not match, or "no
// client connected" once the server is closed without a client.
func (ss *ScriptServer) Err() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return errors.Join(ss.errs...)
}

// Done is closed when the script has ended: the client closed the
// connection after the last step, a step failed, or the server closed.
func (ss *ScriptServer) Done() <-chan struct{} { return ss.done }

// Wait blocks until Done and returns Err.
func (ss *ScriptServer) Wait() error {
	<-ss.done
	return ss.Err()
}

// Close stops listening, closes the connection and waits for the script to
// end. Steps cut short by Close are not failures. It is safe to call more
// than once.
func (ss *ScriptServer) Close() {
	ss.once.Do(func() {
		ss.mu.Lock()
		ss.closing = true
		if ss.conn != nil {
			_ = ss.conn.Close()
		}
		ss.mu.Unlock()
		close(ss.stop)
		_ = ss.ln.Close()
		<-ss.done
		ss.mu.Lock()
		if !ss.connected && len(ss.steps) > 0 {
			ss.errs = append(ss.errs, errors.New("no client connected"))
		}
		ss.mu.Unlock()
	})
}

// serve accepts one client and runs the script.
func (ss *ScriptServer) serve() {
	defer close(ss.done)
	conn, err := ss.ln.Accept()
	_ = ss.ln.Close()
	if err != nil {
		return
	}
	sc := &scriptConn{ss: ss}
	if !sc.attach(conn) {
		_ = conn.Close()
		return
	}
	defer sc.close()
	for i, st := range ss.steps {
		if err := st.run(sc); err != nil {
			ss.fail(fmt.Errorf("step %d %s: %w", i+1, st.desc, err))
			return
		}
		if sc.closed {
			return
		}
	}
	_, _ = io.Copy(io.Discard, sc.r) // record until the client hangs up
}

// fail records err unless Close is cutting the script short.
func (ss *ScriptServer) fail(err error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.closing {
		ss.errs = append(ss.errs, err)
	}
}

// record appends client bytes to the transcript.
func (ss *ScriptServer) record(p []byte) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.transcript.Write(p)
}

// scriptConn is the connection a script runs on.
type scriptConn struct {
	ss     *ScriptServer
	conn   net.Conn
	r      *bufio.Reader
	closed bool
}

// attach makes conn the current connection; it returns false when the
// server is closing.
func (sc *scriptConn) attach(conn net.Conn) bool {
	sc.ss.mu.Lock()
	defer sc.ss.mu.Unlock()
	if sc.ss.closing {
		return false
	}
	sc.ss.conn, sc.ss.connected = conn, true
	sc.conn = conn
	sc.r = bufio.NewReader(recorder{conn, sc.ss})
	return true
}

func (sc *scriptConn) close() {
	sc.closed = true
	_ = sc.conn.Close()
}

// readLine reads one line including its LF.
func (sc *scriptConn) readLine() (string, error) {
	var b []byte
	for {
		chunk, err := sc.r.ReadSlice('\n')
		b = append(b, chunk...)
		switch {
		case err == nil:
			return string(b), nil
		case errors.Is(err, bufio.ErrBufferFull) && len(b) < maxScriptLine:
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			return string(b), fmt.Errorf("line longer than %d bytes", maxScriptLine)
		case err == io.EOF && len(b) > 0:
			return string(b), fmt.Errorf("%w in the middle of %q", io.ErrUnexpectedEOF, b)
		}
		return string(b), err
	}
}

// recorder is an io.Reader that copies what it reads to the transcript.
type recorder struct {
	r  io.Reader
	ss *ScriptServer
}

func (r recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.ss.record(p[:n])
	return n, err
}

// prefixConn is a net.Conn whose reads start with bytes already buffered.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Send writes raw bytes to the client as given: one or several replies,
// partial lines or garbage.
func Send(raw string) Step {
	return Step{desc: fmt.Sprintf("Send(%q)", raw), run: func(sc *scriptConn) error {
		_, err := io.WriteString(sc.conn, raw)
		return err
	}}
}

// crlf appends CRLF to a line without a line ending.
func crlf(line string) string {
	if strings.HasSuffix(line, "\n") {
		return line
	}
	return line + "\r\n"
}

// Expect reads one line and fails unless it equals line byte for byte,
// line ending included; a line given without "\n" gets "\r\n" appended.
func Expect(line string) Step {
	want := crlf(line)
	return Step{desc: fmt.Sprintf("Expect(%q)", want), run: func(sc *scriptConn) error {
		got, err := sc.readLine()
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("got %q", got)
		}
		return nil
	}}
}

// ExpectPrefix reads one line and fails unless it starts with prefix.
func ExpectPrefix(prefix string) Step {
	return Step{desc: fmt.Sprintf("ExpectPrefix(%q)", prefix), run: func(sc *scriptConn) error {
		got, err := sc.readLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(got, prefix) {
			return fmt.Errorf("got %q", got)
		}
		return nil
	}}
}

// ReadLine reads one line, whatever it holds.
func ReadLine() Step {
	return Step{desc: "ReadLine()", run: func(sc *scriptConn) error {
		_, err := sc.readLine()
		return err
	}}
}

// ReadData reads DATA content up to and including the line "." that
// follows a CRLF, as a server does after 354.
func ReadData() Step {
	return Step{desc: "ReadData()", run: func(sc *scriptConn) error {
		bol := true
		for {
			line, err := sc.readLine()
			if err != nil {
				return err
			}
			if bol && line == ".\r\n" {
				return nil
			}
			bol = strings.HasSuffix(line, "\r\n")
		}
	}}
}

// ReadBytes reads exactly n bytes, such as a BDAT chunk.
func ReadBytes(n int) Step {
	return Step{desc: fmt.Sprintf("ReadBytes(%d)", n), run: func(sc *scriptConn) error {
		_, err := io.CopyN(io.Discard, sc.r, int64(n))
		return err
	}}
}

// Sleep pauses the script for d, e.g. to make a client time out.
func Sleep(d time.Duration) Step {
	return Step{desc: fmt.Sprintf("Sleep(%v)", d), run: func(sc *scriptConn) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-sc.ss.stop:
			return net.ErrClosed
		}
	}}
}

// StartTLS runs a server TLS handshake on the connection; later steps
// speak TLS. A nil cfg uses a certificate for localhost and 127.0.0.1
// signed by the script's CA (see ClientTLSConfig). As the first step it
// gives implicit TLS. Bytes the client sent before the handshake stay in
// the transcript.
func StartTLS(cfg *tls.Config) Step {
	return Step{desc: "StartTLS()", run: func(sc *scriptConn) error {
		if cfg == nil {
			cfg = sc.ss.ca.serverConfig()
		}
		buffered, _ := sc.r.Peek(sc.r.Buffered())
		pc := prefixConn{Conn: sc.conn, r: io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), sc.conn)}
		tc := tls.Server(pc, cfg)
		if err := tc.Handshake(); err != nil {
			return err
		}
		if !sc.attach(tc) {
			return net.ErrClosed
		}
		return nil
	}}
}

// ExpectClosed reads until the client closes the connection and fails if
// the client sends anything first.
func ExpectClosed() Step {
	return Step{desc: "ExpectClosed()", run: func(sc *scriptConn) error {
		// Any read error counts as the close: with TLS a client may not
		// send close_notify, and a reset is a close too.
		b, _ := io.ReadAll(io.LimitReader(sc.r, maxScriptLine))
		if len(b) > 0 {
			return fmt.Errorf("got %q before the close", b)
		}
		return nil
	}}
}

// Close closes the connection; the script ends there.
func Close() Step {
	return Step{desc: "Close()", run: func(sc *scriptConn) error {
		sc.close()
		return nil
	}}
}
