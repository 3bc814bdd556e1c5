package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	stdtls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Cert is a certificate with its private key.
type Cert struct {
	Leaf    *x509.Certificate
	CertPEM []byte // the certificate, then the issuing CA's when there is one
	KeyPEM  []byte // the PKCS #8 private key
	tls     stdtls.Certificate
}

// TLSCertificate returns the certificate for Config.Certificates, with
// the issuing CA's certificate in the chain when there is one.
func (c *Cert) TLSCertificate() stdtls.Certificate { return c.tls }

// SPKIPin returns the base64 SHA-256 of the certificate's
// SubjectPublicKeyInfo, the form tls.Config.PinnedSPKISHA256 (package adapters/tls) takes.
func (c *Cert) SPKIPin() string { return SPKIPin(c.Leaf) }

// SPKIPin returns the base64 SHA-256 of cert's SubjectPublicKeyInfo.
func SPKIPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// WritePEM writes the certificate chain to dir/name.pem and the key to
// dir/name-key.pem, both with 0600 permissions, and returns the two paths.
func (c *Cert) WritePEM(dir, name string) (certPath, keyPath string, err error) {
	certPath = filepath.Join(dir, name+".pem")
	keyPath = filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certPath, c.CertPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("tlstest: %w", err)
	}
	if err := os.WriteFile(keyPath, c.KeyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("tlstest: %w", err)
	}
	return certPath, keyPath, nil
}

// issue signs a certificate described by o with parent and parentKey, or
// self-signs it when parent is nil.
func issue(o Options, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*Cert, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	hosts := o.Hosts
	if len(hosts) == 0 && !o.Client {
		hosts = DefaultHosts
	}
	name := o.CommonName
	if name == "" && len(hosts) > 0 {
		name = hosts[0]
	}
	if name == "" {
		name = "tlstest"
	}
	notBefore, notAfter := o.NotBefore, o.NotAfter
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	if notAfter.IsZero() {
		notAfter = notBefore.AddDate(0, 0, 90)
	}
	tmpl, err := template(name, notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if o.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	signer, signerKey := parent, parentKey
	if parent == nil {
		signer, signerKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, fmt.Errorf("tlstest: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlstest: parse certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tlstest: marshal key: %w", err)
	}
	chain := [][]byte{der}
	certPEM := encodeCert(der)
	if parent != nil {
		chain = append(chain, parent.Raw)
		certPEM = append(certPEM, encodeCert(parent.Raw)...)
	}
	return &Cert{
		Leaf:    leaf,
		CertPEM: certPEM,
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		tls:     stdtls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf},
	}, nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlstest: generate key: %w", err)
	}
	return key, nil
}

func template(commonName string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("tlstest: serial number: %w", err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"tlstest"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}, nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
