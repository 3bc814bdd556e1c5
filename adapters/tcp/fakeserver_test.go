package tcp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

// A script is what the fake server does, one step a line:
//
//	S: text        send "text\r\n" (consecutive sends go out in one write)
//	C: text        read one line and require exactly "text\r\n"
//	C| text        the same, and the line must have arrived with the one
//	               before it, in the same client write (pipelining)
//	!raw "q"       send the Go-quoted bytes as they are (joins adjacent sends)
//	!data "q"      read exactly the Go-quoted bytes (a BDAT chunk)
//	!tls           run the server side of a TLS handshake
//	!tls-fails     run one that the client must abort, and stop
//	!close         close the connection now
//	!stall         read and discard until the client closes
//	!hold          neither read nor write until the test ends
//	!signal        tell the test (fakeServer.signal) that this point is reached
//	!flood "q"     send the quoted bytes again and again until the client leaves
//
// Before each send the server checks that the client has sent nothing it has
// not read yet (a client must wait for replies unless it pipelines). At the
// end of the script it requires the client to close without sending more.
type fakeServer struct {
	conn    net.Conn
	r       *bufio.Reader
	steps   []string
	tlsConf *tls.Config
	signal  chan struct{}
	release chan struct{}
	flooded atomic.Int64 // octets the client accepted from !flood
	done    chan error
}

// pipeDialer hands out the client end of a net.Pipe.
type pipeDialer struct {
	conn  net.Conn
	calls atomic.Int32
}

func (d *pipeDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	d.calls.Add(1)
	return d.conn, nil
}

// startServer runs script on one end of a net.Pipe and returns a dialer for
// the other. The test fails if the script fails; call wait to collect it.
func startServer(t *testing.T, script string) (*fakeServer, *pipeDialer) {
	t.Helper()
	client, server := net.Pipe()
	return startServerOn(t, client, server, script)
}

// tcpPair returns the two ends of a loopback TCP connection, which unlike a
// net.Pipe buffers what is written.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}

// startServerOn runs script on server; the dialer returns client.
func startServerOn(t *testing.T, client, server net.Conn, script string) (*fakeServer, *pipeDialer) {
	t.Helper()
	f := &fakeServer{
		conn: server, r: bufio.NewReader(server), steps: parseScript(script), tlsConf: serverTLSConfig(t),
		signal: make(chan struct{}, 1), release: make(chan struct{}), done: make(chan error, 1),
	}
	go func() { f.done <- f.run() }()
	t.Cleanup(func() {
		close(f.release)
		_ = client.Close()
	})
	return f, &pipeDialer{conn: client}
}

// wait returns the outcome of the script.
func (f *fakeServer) wait(t *testing.T) {
	t.Helper()
	if err := <-f.done; err != nil {
		t.Fatalf("fake server: %v", err)
	}
}

func parseScript(s string) []string {
	var steps []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimLeft(line, " \t")
		if line != "" {
			steps = append(steps, line)
		}
	}
	return steps
}

func (f *fakeServer) run() (err error) {
	defer func() { _ = f.conn.Close() }()
	// A watchdog, not an assertion: a client that never answers fails the
	// test instead of hanging it.
	_ = f.conn.SetDeadline(time.Now().Add(20 * time.Second))
	var out []byte
	for i, st := range f.steps {
		switch {
		case strings.HasPrefix(st, "S: "):
			out = append(out, st[3:]+"\r\n"...)
		case strings.HasPrefix(st, "!raw "):
			out = append(out, unquote(st[5:])...)
		}
		if len(out) > 0 && (i+1 == len(f.steps) || !isSend(f.steps[i+1])) {
			if n := f.r.Buffered(); n > 0 {
				b, _ := f.r.Peek(n)
				return fmt.Errorf("step %d: client sent %q before the reply", i+1, b)
			}
			if _, err := f.conn.Write(out); err != nil {
				return fmt.Errorf("step %d: send: %w", i+1, err)
			}
			out = nil
		}
		if isSend(st) {
			continue
		}
		if err := f.step(i, st); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	rest, err := io.ReadAll(f.r)
	if len(rest) > 0 {
		return fmt.Errorf("client sent %q after the end of the script", rest)
	}
	if err != nil && !errors.Is(err, io.ErrClosedPipe) {
		return fmt.Errorf("waiting for the client to close: %w", err)
	}
	return nil
}

var errStop = errors.New("script stopped")

func isSend(st string) bool { return strings.HasPrefix(st, "S: ") || strings.HasPrefix(st, "!raw ") }

func (f *fakeServer) step(i int, st string) error {
	switch {
	case strings.HasPrefix(st, "C: "), strings.HasPrefix(st, "C| "):
		want := st[3:] + "\r\n"
		if st[1] == '|' && f.r.Buffered() < len(want) {
			return fmt.Errorf("step %d: %q did not come in the same write as the line before", i+1, st[3:])
		}
		got, err := f.r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("step %d: want %q, read %q: %w", i+1, want, got, err)
		}
		if got != want {
			return fmt.Errorf("step %d: want %q, got %q", i+1, want, got)
		}
	case strings.HasPrefix(st, "!data "):
		want := unquote(st[6:])
		got := make([]byte, len(want))
		if _, err := io.ReadFull(f.r, got); err != nil {
			return fmt.Errorf("step %d: reading %d octets: %w", i+1, len(want), err)
		}
		if string(got) != want {
			return fmt.Errorf("step %d: want data %q, got %q", i+1, want, got)
		}
	case st == "!tls":
		tc := tls.Server(f.conn, f.tlsConf)
		if err := tc.Handshake(); err != nil {
			return fmt.Errorf("step %d: TLS handshake: %w", i+1, err)
		}
		f.conn, f.r = tc, bufio.NewReader(tc)
	case st == "!tls-fails":
		if err := tls.Server(f.conn, f.tlsConf).Handshake(); err == nil {
			return fmt.Errorf("step %d: TLS handshake succeeded", i+1)
		}
		return errStop
	case st == "!close":
		return errStop
	case st == "!stall":
		_, _ = io.Copy(io.Discard, f.r)
		return errStop
	case st == "!hold":
		<-f.release
		return errStop
	case st == "!signal":
		f.signal <- struct{}{}
	case strings.HasPrefix(st, "!flood "):
		b := []byte(unquote(st[7:]))
		for {
			n, err := f.conn.Write(b)
			f.flooded.Add(int64(n))
			if err != nil {
				return errStop
			}
		}
	default:
		return fmt.Errorf("step %d: unknown step %q", i+1, st)
	}
	return nil
}

func unquote(s string) string {
	u, err := strconv.Unquote(s)
	if err != nil {
		panic("bad quoted string in script: " + s)
	}
	return u
}

// transcript records the lines a session reports.
type transcript struct {
	mu    sync.Mutex
	lines []string
}

func (tr *transcript) Line(sent bool, line string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if sent {
		tr.lines = append(tr.lines, "C: "+line)
	} else {
		tr.lines = append(tr.lines, "S: "+line)
	}
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return strings.Join(tr.lines, "\n")
}

// testConfig is a plaintext configuration with pipelining on.
func testConfig() Config {
	cfg := Config{}
	cfg.Host = "mx.example.test"
	cfg.Port = 2525
	cfg.TLSMode = TLSNone
	cfg.LocalName = "client.example"
	return cfg
}

// open runs Open against script with cfg and deps (its Dialer replaced).
func open(t *testing.T, cfg Config, deps Deps, script string) (*fakeServer, *Session, error) {
	t.Helper()
	f, d := startServer(t, script)
	deps.Dialer = d
	tr, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s, err := tr.Open(context.Background())
	if err != nil {
		if s != nil {
			t.Fatalf("Open returned a session with error %v", err)
		}
		return f, nil, err
	}
	return f, s.(*Session), nil
}

// mustOpen is open that fails the test on error.
func mustOpen(t *testing.T, cfg Config, deps Deps, script string) (*fakeServer, *Session) {
	t.Helper()
	f, s, err := open(t, cfg, deps, script)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return f, s
}

// wantKind fails the test unless err is a *domain.Error of kind k.
func wantKind(t *testing.T, err error, k domain.Kind) *domain.Error {
	t.Helper()
	de := domain.AsError(err)
	if de == nil {
		t.Fatalf("error %v (%T) is not a *domain.Error of kind %v", err, err, k)
	}
	if de.Kind != k {
		t.Fatalf("kind %v, want %v (error: %v)", de.Kind, k, err)
	}
	return de
}

const greet = `
	S: 220 mx.example.test ESMTP ready
	C: EHLO client.example`
