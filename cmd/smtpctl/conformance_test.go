package main

// The conformance suite plays faulty and malicious servers to "smtpctl send"
// and checks what the contract promises: the exit code, the --json
// document, one line on stderr, the bytes the client sent and that no
// secret shows. This file holds the harness; the cases are split by theme
// into conformance_tls_test.go, conformance_auth_test.go,
// conformance_reply_test.go, conformance_envelope_test.go and
// conformance_data_test.go.

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/tls/tlstest"
	"github.com/integrations/smtp/smtptest"
)

// The message most cases send with --message-file: its bytes on the wire
// are known, so transcripts can be compared byte for byte.
const (
	cfFrom    = "a@example.com"
	cfTo      = "b@example.org"
	cfMessage = "From: a@example.com\r\nTo: b@example.org\r\nSubject: t\r\n\r\nhello\r\n"
	cfBanner  = "220 mx.test ESMTP\r\n"
)

// cfResult is one run of smtpctl send.
type cfResult struct {
	code           int
	stdout, stderr string
	json           sendJSON // zero unless --json was given and printed
	elapsed        time.Duration
}

// sendCLI runs "smtpctl send args..." and, when args hold --json, decodes
// stdout. It checks the contract's output rules: one line on stderr for a
// failure, JSON that agrees with the exit code.
func sendCLI(t *testing.T, args ...string) cfResult {
	t.Helper()
	start := time.Now()
	code, out, errOut := runCLI(t, append([]string{"send"}, args...)...)
	r := cfResult{code: code, stdout: out, stderr: errOut, elapsed: time.Since(start)}
	for _, a := range args {
		if a == "--json" && code != exitUsage {
			r.json = decodeSend(t, out)
			checkJSONShape(t, out)
			if (code == exitOK) != (r.json.Error == nil && len(r.json.Rejected) == 0) {
				t.Errorf("exit %d but JSON error %+v, rejected %+v", code, r.json.Error, r.json.Rejected)
			}
		}
	}
	// --verbose adds "C: " and "S: " lines; anything else is the reason.
	var reasons []string
	for _, l := range strings.SplitAfter(errOut, "\n") {
		if l != "" && !strings.HasPrefix(l, "C: ") && !strings.HasPrefix(l, "S: ") {
			reasons = append(reasons, l)
		}
	}
	switch {
	case code == exitOK && len(reasons) > 0:
		t.Errorf("stderr after success: %q", reasons)
	case code != exitOK && (len(reasons) != 1 || !strings.HasSuffix(reasons[0], "\n") || !strings.HasPrefix(reasons[0], "smtpctl send: ")):
		t.Errorf("stderr does not hold one reason line: %q", errOut)
	}
	return r
}

// checkJSONShape checks the fields the contract names: message_id,
// accepted and rejected as lists (never null), response, duration_ms, and
// error with kind, code, enhanced_code and message when there is one.
func checkJSONShape(t *testing.T, out string) {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json: %v", err)
	}
	for _, k := range []string{"message_id", "accepted", "rejected", "response", "duration_ms"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("--json lacks %q: %s", k, out)
		}
	}
	for _, k := range []string{"accepted", "rejected"} {
		if v := doc[k]; len(v) == 0 || v[0] != '[' {
			t.Errorf("--json %q is %s, want a list", k, v)
		}
	}
	if e, ok := doc["error"]; ok {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(e, &fields); err != nil {
			t.Fatalf("--json error: %v", err)
		}
		for _, k := range []string{"kind", "code", "enhanced_code", "message"} {
			if _, ok := fields[k]; !ok {
				t.Errorf("--json error lacks %q: %s", k, e)
			}
		}
	}
}

// want checks the exit code and, when kind is not empty, the JSON error kind.
func (r cfResult) want(t *testing.T, code int, kind string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstderr: %s\nstdout: %s", r.code, code, r.stderr, r.stdout)
	}
	if kind == "" {
		return
	}
	if r.json.Error == nil {
		t.Fatalf("JSON has no error; want kind %s\n%s", kind, r.stdout)
	}
	if r.json.Error.Kind != kind {
		t.Fatalf("JSON error kind %q, want %q: %+v", r.json.Error.Kind, kind, r.json.Error)
	}
}

// script starts a scripted server and returns it with the flags that reach
// it: host, port, a 5 s timeout and --json.
func script(t *testing.T, steps ...smtptest.Step) (*smtptest.ScriptServer, []string) {
	t.Helper()
	ss := smtptest.NewScript(t, steps...)
	return ss, []string{"--host", ss.Host(), "--port", strconv.Itoa(ss.Port()), "--timeout", "5s", "--json"}
}

// clientSent waits until the scripted server has finished (the client has
// hung up) and returns every byte the client sent. A step that failed
// fails the test.
func clientSent(t *testing.T, ss *smtptest.ScriptServer) string {
	t.Helper()
	select {
	case <-ss.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the client did not hang up; it sent:\n%s", ss.Transcript())
	}
	if err := ss.Err(); err != nil {
		t.Fatalf("script: %v\nclient sent:\n%s", err, ss.Transcript())
	}
	return ss.Transcript()
}

// wantTranscript compares the client's bytes with want.
func wantTranscript(t *testing.T, ss *smtptest.ScriptServer, want string) {
	t.Helper()
	if got := clientSent(t, ss); got != want {
		t.Fatalf("client sent:\n%q\nwant:\n%q", got, want)
	}
}

// ehlo answers EHLO localhost with the extensions given.
func ehlo(exts ...string) []smtptest.Step {
	reply := "250"
	if len(exts) > 0 {
		reply += "-"
	} else {
		reply += " "
	}
	reply += "mx.test\r\n"
	for i, e := range exts {
		sep := "-"
		if i == len(exts)-1 {
			sep = " "
		}
		reply += "250" + sep + e + "\r\n"
	}
	return []smtptest.Step{smtptest.Expect("EHLO localhost"), smtptest.Send(reply)}
}

// steps flattens steps and groups of steps.
func steps(parts ...any) []smtptest.Step {
	var out []smtptest.Step
	for _, p := range parts {
		switch p := p.(type) {
		case smtptest.Step:
			out = append(out, p)
		case []smtptest.Step:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("steps: %T", p))
		}
	}
	return out
}

// lockStep is a transaction without PIPELINING for cfMessage to cfTo, each
// command answered in turn, ending with QUIT.
func lockStep(mailParams string) []smtptest.Step {
	return []smtptest.Step{
		smtptest.Expect("MAIL FROM:<" + cfFrom + ">" + mailParams), smtptest.Send("250 2.1.0 ok\r\n"),
		smtptest.Expect("RCPT TO:<" + cfTo + ">"), smtptest.Send("250 2.1.5 ok\r\n"),
		smtptest.Expect("DATA"), smtptest.Send("354 go ahead\r\n"),
		smtptest.ReadData(), smtptest.Send("250 2.0.0 queued as Q1\r\n"),
		smtptest.Expect("QUIT"), smtptest.Send("221 2.0.0 bye\r\n"),
		smtptest.ExpectClosed(),
	}
}

// lockStepSent is what the client sends for lockStep after EHLO.
func lockStepSent(mailParams string) string {
	return "MAIL FROM:<" + cfFrom + ">" + mailParams + "\r\nRCPT TO:<" + cfTo + ">\r\nDATA\r\n" + cfMessage + ".\r\nQUIT\r\n"
}

// messageFile writes data to a file and returns the flags that send it to
// cfTo.
func messageFile(t *testing.T, data string) []string {
	t.Helper()
	return []string{"--from", cfFrom, "--to", cfTo, "--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(data))}
}

// newCA makes a throw-away CA and writes it to a file for --ca-file.
func newCA(t *testing.T) (*tlstest.CA, string) {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	path, err := ca.WritePEM(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ca, path
}

// serverConfig is a TLS server configuration with cert.
func serverConfig(cert *tlstest.Cert) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}}
}

// must returns v, or panics on a setup error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// must2 returns a and b, or panics on a setup error.
func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// serverFlags returns the flags that reach srv with the test envelope.
func serverFlags(srv *smtptest.Server, extra ...string) []string {
	return append([]string{"--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--timeout", "10s", "--json"}, extra...)
}

// hasVerb reports whether the server got a command with verb.
func hasVerb(srv *smtptest.Server, verb string) bool {
	for _, v := range srv.Verbs() {
		if v == verb {
			return true
		}
	}
	return false
}

// strictServer is a raw fake for what smtptest.ScriptServer cannot see: it
// fails when the client sends anything before the reply to its previous
// command (strict lock-step, RFC 5321 without PIPELINING), and it can tell
// whether a group of commands came in one write (RFC 2920).
type strictServer struct {
	ln   net.Listener
	done chan struct{}

	mu    sync.Mutex
	err   error
	bytes bytes.Buffer // everything the client sent, decrypted after STARTTLS
}

// strictConn is the connection a strictServer's script runs on.
type strictConn struct {
	srv   *strictServer
	conn  net.Conn
	r     *bufio.Reader
	reads int // network reads so far
}

// strictStep is one action of a strictServer.
type strictStep func(c *strictConn) error

// newStrictServer plays steps to the first client on 127.0.0.1 and reports
// the first failure through t when the test ends.
func newStrictServer(t *testing.T, steps ...strictStep) *strictServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &strictServer{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		conn, err := ln.Accept()
		_ = ln.Close()
		if err != nil {
			s.fail(errors.New("no client connected"))
			return
		}
		defer conn.Close()
		c := &strictConn{srv: s}
		c.attach(conn)
		for i, st := range steps {
			if err := st(c); err != nil {
				s.fail(fmt.Errorf("step %d: %w", i+1, err))
				return
			}
		}
		_, _ = io.Copy(io.Discard, c.r)
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("strict server: the script did not end")
		}
		if err := s.Err(); err != nil {
			t.Errorf("strict server: %v\nclient sent:\n%s", err, s.Sent())
		}
	})
	return s
}

func (s *strictServer) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// Err returns the first failure of the script.
func (s *strictServer) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Sent returns what the client has sent so far.
func (s *strictServer) Sent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes.String()
}

func (s *strictServer) flags() []string {
	a := s.ln.Addr().(*net.TCPAddr)
	return []string{"--host", a.IP.String(), "--port", strconv.Itoa(a.Port), "--timeout", "5s", "--json"}
}

// wait blocks until the script has ended and the client hung up.
func (s *strictServer) wait(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("strict server: the client did not hang up")
	}
}

func (c *strictConn) attach(conn net.Conn) {
	c.conn = conn
	c.r = bufio.NewReader(readCounter{c})
}

// readCounter counts and records the network reads of a strictConn.
type readCounter struct{ c *strictConn }

func (r readCounter) Read(p []byte) (int, error) {
	n, err := r.c.conn.Read(p)
	if n > 0 {
		r.c.reads++
		r.c.srv.mu.Lock()
		r.c.srv.bytes.Write(p[:n])
		r.c.srv.mu.Unlock()
	}
	return n, err
}

func (c *strictConn) send(s string) error {
	_, err := io.WriteString(c.conn, s)
	return err
}

func (c *strictConn) line() (string, error) {
	l, err := c.r.ReadString('\n')
	if err != nil {
		return l, fmt.Errorf("reading a line (got %q): %w", l, err)
	}
	return l, nil
}

// quiet fails when the client has sent anything beyond what was read: in
// lock-step nothing may come before the server replies. It waits a little
// for bytes in flight.
func (c *strictConn) quiet(after string) error {
	if n := c.r.Buffered(); n > 0 {
		b, _ := c.r.Peek(n)
		return fmt.Errorf("client sent %q before the reply to %q", b, after)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	defer func() { _ = c.conn.SetReadDeadline(time.Time{}) }()
	if b, err := c.r.Peek(1); err == nil {
		return fmt.Errorf("client sent %q before the reply to %q", b, after)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		return fmt.Errorf("waiting for quiet after %q: %w", after, err)
	}
	return nil
}

// expect reads one command line, checks it and that nothing follows it
// before the reply.
func (c *strictConn) expect(want string) error {
	got, err := c.line()
	if err != nil {
		return err
	}
	if got != want+"\r\n" {
		return fmt.Errorf("got %q, want %q", got, want+"\r\n")
	}
	return c.quiet(want)
}

// exchange is expect then send.
func (c *strictConn) exchange(want, reply string) error {
	if err := c.expect(want); err != nil {
		return err
	}
	return c.send(reply)
}

// group reads lines that must have come in one network write, with nothing
// after them.
func (c *strictConn) group(want ...string) error {
	if n := c.r.Buffered(); n > 0 {
		return fmt.Errorf("%d octets waiting before the group", n)
	}
	before := c.reads
	for _, w := range want {
		got, err := c.line()
		if err != nil {
			return err
		}
		if got != w+"\r\n" {
			return fmt.Errorf("got %q, want %q", got, w+"\r\n")
		}
	}
	if n := c.reads - before; n != 1 {
		return fmt.Errorf("the group %q took %d network reads; want one write", want, n)
	}
	return c.quiet(want[len(want)-1])
}

// data reads the message up to the final dot and returns it as sent.
func (c *strictConn) data() (string, error) {
	var b strings.Builder
	for {
		l, err := c.line()
		if err != nil {
			return b.String(), err
		}
		if l == ".\r\n" {
			return b.String(), c.quiet(".")
		}
		b.WriteString(l)
	}
}

// startTLS runs the server handshake; nothing may be waiting before it.
func (c *strictConn) startTLS(cfg *tls.Config) error {
	if n := c.r.Buffered(); n > 0 {
		return fmt.Errorf("%d octets waiting before the handshake", n)
	}
	tc := tls.Server(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	c.attach(tc)
	return nil
}

// The steps of a strictServer.

// sSend writes raw bytes.
func sSend(raw string) strictStep { return func(c *strictConn) error { return c.send(raw) } }

// sExpect reads one command, checks that nothing follows it, and replies.
func sExpect(line, reply string) strictStep {
	return func(c *strictConn) error { return c.exchange(line, reply) }
}

// sGroup reads commands that must come in one write, then replies.
func sGroup(reply string, lines ...string) strictStep {
	return func(c *strictConn) error {
		if err := c.group(lines...); err != nil {
			return err
		}
		return c.send(reply)
	}
}

// sData reads the message, compares it with want (as sent, dot-stuffed),
// and replies.
func sData(want, reply string) strictStep {
	return func(c *strictConn) error {
		got, err := c.data()
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("message %q, want %q", got, want)
		}
		return c.send(reply)
	}
}

// sStartTLS runs the server side of the handshake.
func sStartTLS(cfg *tls.Config) strictStep {
	return func(c *strictConn) error { return c.startTLS(cfg) }
}

// b64 is the base64 form of s, as SASL responses go on the wire.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// noSecret fails when any of secrets shows in the outputs.
func noSecret(t *testing.T, r cfResult, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("secret %q shows in the output\nstdout: %s\nstderr: %s", s, r.stdout, r.stderr)
		}
	}
}
