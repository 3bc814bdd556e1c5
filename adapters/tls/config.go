package tls

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strconv"

	"github.com/integrations/smtp/domain"
)

const opConfig = "tls config"

// Config are the TLS settings. The zero value verifies certificates
// against the system roots with TLS 1.2 at least.
type Config struct {
	MinVersion         Version  // 0 means TLS 1.2
	InsecureSkipVerify bool     // disable certificate verification (development only)
	AllowInsecureTLS   bool     // explicit switch needed for MinVersion below 1.2
	CAFile             string   // PEM roots to trust instead of the system's
	ClientCertFile     string   // PEM certificate for mutual TLS
	ClientKeyFile      string   // PEM key for mutual TLS
	ServerName         string   // SNI and verification name; the host when empty
	PinnedSPKISHA256   []string // base64 SHA-256 of the server's SubjectPublicKeyInfo; any match passes
}

// Validate reports every problem of c that needs no file: an unknown
// version, a version below 1.2 without AllowInsecureTLS (KindTLSVersion),
// half of a client certificate pair, a malformed pin (KindInvalidInput).
// New also reads the files. Errors are *domain.Error, joined.
func (c Config) Validate() error {
	var errs []error
	if v := c.MinVersion; v != 0 && v < VersionTLS12 && !c.AllowInsecureTLS {
		errs = append(errs, domain.NewError(domain.KindTLSVersion, opConfig,
			"TLS "+v.String()+" is below the 1.2 minimum; set AllowInsecureTLS to permit it"))
	}
	if v := c.MinVersion; v != 0 && (v < VersionTLS10 || v > VersionTLS13) {
		errs = append(errs, domain.NewError(domain.KindInvalidInput, opConfig, "unknown TLS minimum version "+v.String()))
	}
	if (c.ClientCertFile == "") != (c.ClientKeyFile == "") {
		errs = append(errs, domain.NewError(domain.KindInvalidInput, opConfig, "mutual TLS needs both a client certificate and a client key"))
	}
	if _, err := parsePins(c.PinnedSPKISHA256); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// minVersion resolves cfg.MinVersion: 0 means TLS 1.2, anything below 1.2
// needs AllowInsecureTLS.
func minVersion(cfg Config) (uint16, error) {
	v := cfg.MinVersion
	if v == 0 {
		return stdtls.VersionTLS12, nil
	}
	if v < VersionTLS10 || v > VersionTLS13 {
		return 0, domain.NewError(domain.KindInvalidInput, opConfig, "unknown TLS minimum version "+v.String())
	}
	if v < VersionTLS12 && !cfg.AllowInsecureTLS {
		return 0, domain.NewError(domain.KindTLSVersion, opConfig,
			"TLS "+v.String()+" is below the 1.2 minimum; set AllowInsecureTLS to permit it")
	}
	return uint16(v), nil
}

// loadCA reads a PEM bundle and returns a pool of its certificates. Every
// CERTIFICATE block must parse; other blocks are ignored.
func loadCA(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &domain.Error{Kind: domain.KindInvalidInput, Op: opConfig, Message: "read CA file " + strconv.Quote(path), Err: err}
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, &domain.Error{Kind: domain.KindCertificateInvalid, Op: opConfig,
				Message: "CA file " + strconv.Quote(path) + ": certificate " + strconv.Itoa(n+1) + " does not parse", Err: err}
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, domain.NewError(domain.KindCertificateInvalid, opConfig, "CA file "+strconv.Quote(path)+" holds no PEM certificate")
	}
	return pool, nil
}

// loadClientCert reads the PEM certificate chain and private key for
// mutual TLS. Errors name the files, never their content.
func loadClientCert(certFile, keyFile string) (stdtls.Certificate, error) {
	if (certFile == "") != (keyFile == "") {
		return stdtls.Certificate{}, domain.NewError(domain.KindInvalidInput, opConfig,
			"mutual TLS needs both a client certificate and a client key")
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return stdtls.Certificate{}, &domain.Error{Kind: domain.KindInvalidInput, Op: opConfig,
			Message: "read client certificate " + strconv.Quote(certFile), Err: err}
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return stdtls.Certificate{}, &domain.Error{Kind: domain.KindInvalidInput, Op: opConfig,
			Message: "read client key " + strconv.Quote(keyFile), Err: err}
	}
	pair, err := stdtls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls describes the problem without quoting key material.
		return stdtls.Certificate{}, &domain.Error{Kind: domain.KindCertificateInvalid, Op: opConfig,
			Message: "client certificate " + strconv.Quote(certFile) + " and key " + strconv.Quote(keyFile) + " do not load",
			Err:     err}
	}
	return pair, nil
}
