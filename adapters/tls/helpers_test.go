package tls_test

import (
	"bufio"
	"context"
	stdtls "crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/adapters/tls/tlstest"
	"github.com/integrations/smtp/domain"
)

const greeting = "220 localhost ESMTP ready\r\n"

// serverResult is what the server side of a test connection saw.
type serverResult struct {
	err   error
	state stdtls.ConnectionState
}

// serveTLS runs a TLS server for one connection on 127.0.0.1:0 and returns
// the client end, dialled. (A net.Pipe would deadlock: it has no buffer,
// and after a failed verification both sides write at once.) After a
// successful handshake the server writes greeting. The result arrives on
// the channel once the server is done.
func serveTLS(t *testing.T, cfg *stdtls.Config) (net.Conn, <-chan serverResult) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan serverResult, 1)
	go func() {
		// Close the listener only after Accept: closing it earlier would
		// reset the connection still waiting in the backlog.
		server, err := ln.Accept()
		ln.Close()
		if err != nil {
			done <- serverResult{err: err}
			return
		}
		defer server.Close()
		s := stdtls.Server(server, cfg)
		if err := s.Handshake(); err != nil {
			done <- serverResult{err: err}
			return
		}
		_, err = s.Write([]byte(greeting))
		done <- serverResult{err: err, state: s.ConnectionState()}
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client, done
}

// readGreeting reads the server's first line over the secured conn.
func readGreeting(t *testing.T, conn net.Conn) {
	t.Helper()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read greeting: %v", err)
	}
	if line != greeting {
		t.Fatalf("greeting = %q, want %q", line, greeting)
	}
}

func newCA(t *testing.T) *tlstest.CA {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	return ca
}

// serverConfig returns a server configuration presenting c.
func serverConfig(c *tlstest.Cert) *stdtls.Config {
	return &stdtls.Config{Certificates: []stdtls.Certificate{c.TLSCertificate()}}
}

// mustCert fails the test on a certificate error: mustCert(t)(ca.ServerCert()).
func mustCert(t *testing.T) func(*tlstest.Cert, error) *tlstest.Cert {
	return func(c *tlstest.Cert, err error) *tlstest.Cert {
		t.Helper()
		if err != nil {
			t.Fatalf("certificate: %v", err)
		}
		return c
	}
}

func writeCA(t *testing.T, ca *tlstest.CA) string {
	t.Helper()
	path, err := ca.WritePEM(t.TempDir())
	if err != nil {
		t.Fatalf("WritePEM: %v", err)
	}
	return path
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newUpgrader(t *testing.T, cfg smtptls.Config) *smtptls.Upgrader {
	t.Helper()
	u, err := smtptls.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return u
}

// wantKind fails unless err is a *domain.Error of kind want.
func wantKind(t *testing.T, err error, want domain.Kind) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	if de.Kind != want {
		t.Fatalf("kind = %v, want %v (error: %v)", de.Kind, want, err)
	}
	return de
}

// wantContains fails unless s contains every part.
func wantContains(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%q does not contain %q", s, p)
		}
	}
}

func background() context.Context { return context.Background() }
