package tlstest_test

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/integrations/smtp/adapters/tls/tlstest"
)

func newCA(t *testing.T) *tlstest.CA {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	return ca
}

func TestServerCertVerifies(t *testing.T) {
	ca := newCA(t)
	tests := []struct {
		name    string
		give    []string
		verify  string
		wantErr bool
	}{
		{name: "default localhost", verify: "localhost"},
		{name: "default IPv4", verify: "127.0.0.1"},
		{name: "default IPv6", verify: "::1"},
		{name: "named host", give: []string{"mail.example.test"}, verify: "mail.example.test"},
		{name: "wrong host", give: []string{"other.example.test"}, verify: "localhost", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ca.ServerCert(tt.give...)
			if err != nil {
				t.Fatalf("ServerCert: %v", err)
			}
			_, err = c.Leaf.Verify(x509.VerifyOptions{DNSName: tt.verify, Roots: ca.Pool()})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify(%q) error = %v, want error %v", tt.verify, err, tt.wantErr)
			}
		})
	}
}

func TestExpiredServerCert(t *testing.T) {
	ca := newCA(t)
	c, err := ca.ExpiredServerCert()
	if err != nil {
		t.Fatalf("ExpiredServerCert: %v", err)
	}
	_, err = c.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: ca.Pool()})
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("Verify error = %v, want an expired certificate", err)
	}
}

func TestSelfSignedIsNotTrustedByCA(t *testing.T) {
	ca := newCA(t)
	c, err := tlstest.SelfSigned()
	if err != nil {
		t.Fatalf("SelfSigned: %v", err)
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: ca.Pool()}); err == nil {
		t.Fatal("self-signed certificate verified against an unrelated CA")
	}
	own := x509.NewCertPool()
	own.AddCert(c.Leaf)
	if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: own}); err != nil {
		t.Fatalf("self-signed certificate does not verify against itself: %v", err)
	}
	if got := len(c.TLSCertificate().Certificate); got != 1 {
		t.Fatalf("self-signed chain has %d certificates, want 1", got)
	}
}

func TestClientCert(t *testing.T) {
	ca := newCA(t)
	c, err := ca.ClientCert("alice")
	if err != nil {
		t.Fatalf("ClientCert: %v", err)
	}
	if c.Leaf.Subject.CommonName != "alice" {
		t.Errorf("CommonName = %q, want alice", c.Leaf.Subject.CommonName)
	}
	_, err = c.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatalf("client certificate does not verify for client auth: %v", err)
	}
	if len(c.Leaf.DNSNames)+len(c.Leaf.IPAddresses) != 0 {
		t.Errorf("client certificate has host names %v %v", c.Leaf.DNSNames, c.Leaf.IPAddresses)
	}
}

func TestIssueDefaults(t *testing.T) {
	ca := newCA(t)
	c, err := ca.Issue(tlstest.Options{Client: true})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if c.Leaf.Subject.CommonName != "tlstest" {
		t.Errorf("CommonName = %q, want tlstest", c.Leaf.Subject.CommonName)
	}
	if !c.Leaf.NotAfter.After(c.Leaf.NotBefore) {
		t.Errorf("NotAfter %v is not after NotBefore %v", c.Leaf.NotAfter, c.Leaf.NotBefore)
	}
	if !ca.Certificate().IsCA {
		t.Error("CA certificate is not a CA")
	}
}

func TestWritePEM(t *testing.T) {
	ca := newCA(t)
	dir := t.TempDir()
	caPath, err := ca.WritePEM(dir)
	if err != nil {
		t.Fatalf("CA WritePEM: %v", err)
	}
	data, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) || string(data) != string(ca.CertPEM()) {
		t.Fatal("ca.pem does not hold the CA certificate")
	}
	c, err := ca.ServerCert()
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := c.WritePEM(dir, "server")
	if err != nil {
		t.Fatalf("Cert WritePEM: %v", err)
	}
	if filepath.Base(certPath) != "server.pem" || filepath.Base(keyPath) != "server-key.pem" {
		t.Errorf("paths = %s, %s", certPath, keyPath)
	}
	pair, err := stdtls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		t.Fatalf("LoadX509KeyPair: %v", err)
	}
	if len(pair.Certificate) != 2 {
		t.Errorf("chain has %d certificates, want leaf and CA", len(pair.Certificate))
	}
	if info, err := os.Stat(keyPath); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
}

func TestWritePEMBadDir(t *testing.T) {
	ca := newCA(t)
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := ca.WritePEM(missing); err == nil {
		t.Error("CA WritePEM into a missing directory succeeded")
	}
	c, err := ca.ClientCert("bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.WritePEM(missing, "client"); err == nil {
		t.Error("Cert WritePEM into a missing directory succeeded")
	}
}

func TestSPKIPin(t *testing.T) {
	ca := newCA(t)
	a, err := ca.ServerCert()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ca.ServerCert()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.SPKIPin()) != 44 {
		t.Errorf("pin %q is not 44 base64 characters", a.SPKIPin())
	}
	if a.SPKIPin() == b.SPKIPin() {
		t.Error("two fresh keys have the same pin")
	}
	if a.SPKIPin() != tlstest.SPKIPin(a.Leaf) {
		t.Error("Cert.SPKIPin differs from SPKIPin(Leaf)")
	}
}

func TestServerConfigHandshake(t *testing.T) {
	ca := newCA(t)
	cfg, err := ca.ServerConfig()
	if err != nil {
		t.Fatalf("ServerConfig: %v", err)
	}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	done := make(chan error, 1)
	go func() {
		done <- stdtls.Server(server, cfg).Handshake()
	}()
	c := stdtls.Client(client, &stdtls.Config{RootCAs: ca.Pool(), ServerName: "localhost"})
	if err := c.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
}
