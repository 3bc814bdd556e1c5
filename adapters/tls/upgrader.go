package tls

import (
	"context"
	stdtls "crypto/tls"
	"net"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

var _ ports.TLSUpgrader = (*Upgrader)(nil)

// Upgrader secures connections with one fixed configuration. It is safe
// for concurrent use; the zero Upgrader is not usable, make one with New.
type Upgrader struct {
	base       *stdtls.Config
	serverName string // cfg.ServerName: overrides the name Client is given
}

// New checks cfg and builds the crypto/tls configuration: minimum version
// (TLS 1.2 when unset; lower only with AllowInsecureTLS), the CA file as
// the only roots when set (the system roots otherwise), the client
// certificate for mutual TLS, and the SPKI pins. Pins are checked on every
// handshake, also with InsecureSkipVerify, which is how a self-signed
// server is trusted safely: skip verification and pin its key.
//
// Errors are *domain.Error: KindTLSVersion for a version below 1.2 without
// AllowInsecureTLS, KindInvalidInput for an unreadable file, a bad pin or
// an unknown version, KindCertificateInvalid for a file that holds no
// usable certificate or key. They name files, never their content.
func New(cfg Config) (*Upgrader, error) {
	minV, err := minVersion(cfg)
	if err != nil {
		return nil, err
	}
	c := &stdtls.Config{
		MinVersion:         minV,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
	}
	if cfg.CAFile != "" {
		if c.RootCAs, err = loadCA(cfg.CAFile); err != nil {
			return nil, err
		}
	}
	if cfg.ClientCertFile != "" || cfg.ClientKeyFile != "" {
		pair, err := loadClientCert(cfg.ClientCertFile, cfg.ClientKeyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []stdtls.Certificate{pair}
	}
	p, err := parsePins(cfg.PinnedSPKISHA256)
	if err != nil {
		return nil, err
	}
	if p != nil {
		c.VerifyConnection = p.verify
	}
	return &Upgrader{base: c, serverName: strings.TrimSpace(cfg.ServerName)}, nil
}

// Client runs the client side of the handshake over conn and returns the
// secured connection, a *crypto/tls.Conn (which offers ConnectionState).
// The configured ServerName, when set, takes the place of serverName; the
// name is sent as SNI (unless it is an IP address) and the certificate
// must be valid for it. ctx bounds the handshake.
//
// On failure Client closes conn, which is unusable after a failed
// handshake; the caller need not close it again. Errors are *domain.Error:
// KindCertificateUntrusted (unknown authority, pin mismatch),
// KindCertificateExpired, KindCertificateInvalid (wrong host, other
// defects), KindTLSVersion, KindTLSHandshake (anything else, including a
// server that does not speak TLS), KindCancelled, KindConnectTimeout and
// KindInvalidInput (nil conn, no server name to verify against).
func (u *Upgrader) Client(ctx context.Context, conn net.Conn, serverName string) (net.Conn, error) {
	if u == nil || u.base == nil {
		closeConn(conn)
		return nil, domain.NewError(domain.KindInvalidInput, opHandshake, "TLS upgrader not configured: use tls.New")
	}
	if conn == nil {
		return nil, domain.NewError(domain.KindInvalidInput, opHandshake, "no connection to secure")
	}
	name := u.serverName
	if name == "" {
		name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(serverName), "["), "]")
	}
	if name == "" && !u.base.InsecureSkipVerify {
		closeConn(conn)
		return nil, domain.NewError(domain.KindInvalidInput, opHandshake,
			"no server name to verify the certificate against: set the host or TLS server name")
	}
	if err := ctx.Err(); err != nil {
		closeConn(conn)
		return nil, classify(err, err, name)
	}
	cfg := u.base.Clone()
	cfg.ServerName = name
	tc := stdtls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		closeConn(conn)
		return nil, classify(err, ctx.Err(), name)
	}
	return tc, nil
}

func closeConn(c net.Conn) {
	if c != nil {
		_ = c.Close()
	}
}
