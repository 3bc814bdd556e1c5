package tlstest

import (
	"crypto/ecdsa"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultHosts are the names a server certificate covers when none are
// given: the loopback host name and both loopback addresses.
var DefaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// CA is an in-memory certificate authority. Its methods are safe for
// concurrent use.
type CA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
}

// NewCA returns a fresh CA named "tlstest CA", valid from an hour ago for
// ten years.
func NewCA() (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl, err := template("tlstest CA", now.Add(-time.Hour), now.AddDate(10, 0, 0))
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("tlstest: create CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlstest: parse CA: %w", err)
	}
	return &CA{cert: cert, key: key, certPEM: encodeCert(der)}, nil
}

// Certificate returns the CA certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// CertPEM returns the CA certificate in PEM form.
func (ca *CA) CertPEM() []byte { return append([]byte(nil), ca.certPEM...) }

// Pool returns a new pool holding only the CA certificate, for RootCAs or
// ClientCAs.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// WritePEM writes the CA certificate to dir/ca.pem and returns that path.
func (ca *CA) WritePEM(dir string) (string, error) {
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, ca.certPEM, 0o600); err != nil {
		return "", fmt.Errorf("tlstest: %w", err)
	}
	return path, nil
}

// ServerCert returns a server certificate for hosts (DefaultHosts when
// none), valid from an hour ago for 90 days. A host that parses as an IP
// address becomes an IP SAN, any other a DNS SAN.
func (ca *CA) ServerCert(hosts ...string) (*Cert, error) {
	now := time.Now()
	return ca.Issue(Options{Hosts: hosts, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, 90)})
}

// ExpiredServerCert returns a server certificate for hosts (DefaultHosts
// when none) that expired a day ago.
func (ca *CA) ExpiredServerCert(hosts ...string) (*Cert, error) {
	now := time.Now()
	return ca.Issue(Options{Hosts: hosts, NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
}

// ClientCert returns a client certificate (extended key usage client auth)
// with common name name, valid from an hour ago for 90 days.
func (ca *CA) ClientCert(name string) (*Cert, error) {
	now := time.Now()
	return ca.Issue(Options{CommonName: name, Client: true, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, 90)})
}

// ServerConfig returns a server configuration with a fresh ServerCert for
// DefaultHosts, TLS 1.2 at least, and the CA as ClientCAs. It does not ask
// for client certificates: set ClientAuth for mutual TLS.
func (ca *CA) ServerConfig() (*stdtls.Config, error) {
	c, err := ca.ServerCert()
	if err != nil {
		return nil, err
	}
	return &stdtls.Config{
		Certificates: []stdtls.Certificate{c.TLSCertificate()},
		ClientCAs:    ca.Pool(),
		MinVersion:   stdtls.VersionTLS12,
	}, nil
}

// Options describe a certificate for Issue.
type Options struct {
	CommonName string    // defaults to the first host, or "tlstest"
	Hosts      []string  // DNS names and IP addresses; DefaultHosts for a server certificate when empty
	Client     bool      // a client certificate instead of a server certificate
	NotBefore  time.Time // defaults to an hour ago
	NotAfter   time.Time // defaults to 90 days after NotBefore
}

// Issue returns a certificate signed by the CA as o describes.
func (ca *CA) Issue(o Options) (*Cert, error) {
	return issue(o, ca.cert, ca.key)
}

// SelfSigned returns a self-signed server certificate for hosts
// (DefaultHosts when none), valid from an hour ago for 90 days. No CA
// vouches for it: a client accepts it only by pinning it.
func SelfSigned(hosts ...string) (*Cert, error) {
	now := time.Now()
	return issue(Options{Hosts: hosts, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, 90)}, nil, nil)
}
