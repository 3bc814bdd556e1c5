package smtptest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP server on 127.0.0.1 for tests, built on go-smtp. It
// records what clients send and can be told to misbehave (FailAt, Delay,
// RejectRecipient, DropAfterData, ...). All methods are safe for
// concurrent use.
type Server struct {
	o     options
	ca    *authority
	tls   *tls.Config // nil without STARTTLS or implicit TLS
	ln    net.Listener
	vl    *vlistener
	smtpd *smtp.Server
	done  chan struct{} // closed by Close
	serve chan struct{} // closed when smtpd.Serve returns
	wg    sync.WaitGroup
	once  sync.Once

	mu       sync.Mutex
	messages []Message
	commands []Command
	conns    int
	changed  chan struct{} // closed and replaced when a message arrives
	clients  map[*clientConn]struct{}
	faults   map[string]*fault
	rejects  map[string]reply
	delays   map[string]time.Duration
	maxRcpt  int
}

// NewServer starts a server on 127.0.0.1 on a free port. Call Close when
// done. Errors come from listening or generating the certificates.
func NewServer(opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	ca, err := newAuthority()
	if err != nil {
		return nil, fmt.Errorf("smtptest: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtptest: listen: %w", err)
	}
	s := &Server{
		o:       o,
		ca:      ca,
		ln:      ln,
		vl:      newVListener(ln.Addr()),
		done:    make(chan struct{}),
		serve:   make(chan struct{}),
		changed: make(chan struct{}),
		clients: map[*clientConn]struct{}{},
		faults:  map[string]*fault{},
		rejects: map[string]reply{},
		delays:  map[string]time.Duration{},
	}
	if o.implicitTLS || o.enabled(ExtStartTLS) {
		s.tls = ca.serverConfig()
		if o.tlsConfig != nil {
			s.tls = o.tlsConfig
		}
	}

	// go-smtp never sees TLS: the connection layer in conn.go terminates
	// it, so that it can read the commands that follow STARTTLS. The
	// session applies the real auth policy.
	d := smtp.NewServer(backend{s})
	d.Domain = o.domain
	d.AllowInsecureAuth = true
	d.MaxMessageBytes = o.maxSize
	d.EnableSMTPUTF8 = o.enabled(ExtSMTPUTF8)
	d.EnableBINARYMIME = o.enabled(ExtBinaryMIME)
	d.EnableDSN = o.enabled(ExtDSN)
	d.ErrorLog = log.New(io.Discard, "", 0)
	s.smtpd = d

	s.wg.Add(1)
	go s.acceptLoop()
	go func() {
		defer close(s.serve)
		_ = d.Serve(s.vl)
	}()
	return s, nil
}

// Start is NewServer for tests: it fails t if the server cannot start and
// closes the server when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Addr returns the listening address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host returns "127.0.0.1".
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// CACertPEM returns the PEM form of the CA that signed the server
// certificate.
func (s *Server) CACertPEM() []byte { return s.ca.certPEM() }

// CAPool returns a new pool holding only the server's CA.
func (s *Server) CAPool() *x509.CertPool { return s.ca.pool.Clone() }

// WriteCA writes CACertPEM to path, for clients configured by file.
func (s *Server) WriteCA(path string) error { return s.ca.writeCA(path) }

// ClientTLSConfig returns a client configuration that trusts the server's
// CA and verifies the name "127.0.0.1", ready for net/smtp's StartTLS or
// tls.Dial.
func (s *Server) ClientTLSConfig() *tls.Config { return s.ca.clientConfig(s.Host()) }

// Close stops the server, closes every connection and waits for the
// connection goroutines to finish. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		_ = s.ln.Close()
		_ = s.vl.Close()
		s.mu.Lock()
		for cc := range s.clients {
			cc.close()
		}
		s.mu.Unlock()
		s.wg.Wait()
		<-s.serve
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.smtpd.Shutdown(ctx)
	})
}

// acceptLoop accepts TCP connections until the listener closes.
func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			return
		}
		cc, ok := s.track(raw)
		if !ok {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if s.o.implicitTLS {
				if err := cc.upgrade(s.tls); err != nil {
					cc.close()
					return
				}
			}
			if !s.vl.push(newVConn(s, cc, false)) {
				cc.close()
			}
		}()
	}
}

// track registers a new connection, refusing it when the server is closed.
func (s *Server) track(raw net.Conn) (*clientConn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		_ = raw.Close()
		return nil, false
	default:
	}
	s.conns++
	cc := newClientConn(s.conns, raw)
	s.clients[cc] = struct{}{}
	go func() {
		<-cc.closed
		s.mu.Lock()
		delete(s.clients, cc)
		s.mu.Unlock()
	}()
	return cc, true
}

// clientConn is one TCP connection from a client, plain or TLS. Several
// vconns serve it in turn, one before and one after STARTTLS.
type clientConn struct {
	id     int
	raw    net.Conn
	closed chan struct{}
	once   sync.Once

	mu   sync.Mutex
	conn net.Conn // raw, or a *tls.Conn over raw
	r    *bufio.Reader
	tls  bool
}

func newClientConn(id int, raw net.Conn) *clientConn {
	return &clientConn{id: id, raw: raw, conn: raw, r: bufio.NewReader(raw), closed: make(chan struct{})}
}

// upgrade runs a server TLS handshake over the raw connection and switches
// to it. Bytes the client sent before the handshake are discarded.
func (c *clientConn) upgrade(cfg *tls.Config) error {
	tc := tls.Server(c.raw, cfg)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn, c.r, c.tls = tc, bufio.NewReader(tc), true
	return nil
}

// isTLS reports whether the connection uses TLS.
func (c *clientConn) isTLS() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tls
}

// reader returns the buffered reader of the current layer.
func (c *clientConn) reader() *bufio.Reader {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r
}

// write sends s to the client.
func (c *clientConn) write(s string) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	_, err := io.WriteString(conn, s)
	return err
}

// close closes the TCP connection; it is safe to call more than once.
func (c *clientConn) close() {
	c.once.Do(func() {
		close(c.closed)
		_ = c.raw.Close()
	})
}

// isClosed reports whether close was called.
func (c *clientConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// vlistener hands connections to go-smtp's Serve: new ones from acceptLoop
// and, after STARTTLS, the same client again over TLS.
type vlistener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newVListener(addr net.Addr) *vlistener {
	return &vlistener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

// Accept implements net.Listener.
func (l *vlistener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *vlistener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr implements net.Listener.
func (l *vlistener) Addr() net.Addr { return l.addr }

// push hands c to Serve; it returns false when the listener is closed.
func (l *vlistener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}
