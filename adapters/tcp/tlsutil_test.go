package tcp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

// testCert is a self-signed certificate for mx.example.test, made once.
var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.example.test", Organization: []string{"Example Test"}},
		DNSNames:              []string{"mx.example.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
})

func serverTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	c, err := testCert()
	if err != nil {
		t.Fatalf("test certificate: %v", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
}

// realUpgrader is a TLSUpgrader with crypto/tls that trusts the test
// certificate.
type realUpgrader struct{ t *testing.T }

func (u realUpgrader) Client(ctx context.Context, conn net.Conn, serverName string) (net.Conn, error) {
	c, err := testCert()
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.Leaf)
	tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, &domain.Error{Kind: domain.KindTLSHandshake, Op: "tls", Err: err}
	}
	return tc, nil
}

// sameConn is a TLSUpgrader that pretends: it returns the connection as it
// is, so a script can go on in plaintext after STARTTLS.
type sameConn struct{}

func (sameConn) Client(_ context.Context, conn net.Conn, _ string) (net.Conn, error) {
	return conn, nil
}
