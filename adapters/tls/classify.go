package tls

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
)

const opHandshake = "tls handshake"

// classify turns a handshake error into a *domain.Error. ctxErr is the
// context's error, if it ended.
func classify(err, ctxErr error, serverName string) *domain.Error {
	e := &domain.Error{Op: opHandshake, Err: err}
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		header   stdtls.RecordHeaderError
		netErr   net.Error
	)
	switch {
	case errors.Is(ctxErr, context.Canceled) || errors.Is(err, context.Canceled):
		e.Kind, e.Message = domain.KindCancelled, "cancelled during the TLS handshake"
	case errors.Is(ctxErr, context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Message = domain.KindConnectTimeout, "the TLS handshake did not finish in time"
	case errors.Is(err, errPinMismatch):
		e.Kind, e.Message = domain.KindCertificateUntrusted, "the server's certificate does not match any pinned key"
	case errors.As(err, &unknown):
		e.Kind, e.Message = domain.KindCertificateUntrusted, "the server's certificate is signed by an unknown authority"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		e.Kind, e.Message = domain.KindCertificateExpired, "the server's certificate has expired or is not yet valid"
	case errors.As(err, &invalid):
		e.Kind, e.Message = domain.KindCertificateInvalid, "the server's certificate is invalid"
	case errors.As(err, &hostname):
		e.Kind = domain.KindCertificateInvalid
		e.Message = "the server's certificate is not valid for " + strconv.Quote(hostname.Host)
	case errors.As(err, &header) && strings.Contains(header.Msg, "does not look like a TLS handshake"):
		e.Kind = domain.KindTLSHandshake
		e.Message = "the server did not answer with TLS (it sent " + strconv.Quote(string(header.RecordHeader[:])) +
			"): it may expect STARTTLS (port 587) rather than implicit TLS (port 465)"
	case isVersionError(err):
		e.Kind, e.Message = domain.KindTLSVersion, "the server and the client share no TLS version"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind, e.Message = domain.KindConnectTimeout, "the TLS handshake did not finish in time"
	default:
		e.Kind, e.Message = domain.KindTLSHandshake, remoteHint(err)
	}
	if serverName != "" && e.Kind != domain.KindCancelled {
		e.Message += " (server name " + strconv.Quote(serverName) + ")"
	}
	return e
}

// isVersionError reports a protocol_version alert from the server or the
// client's own refusal of the version the server chose.
func isVersionError(err error) bool {
	if alert, ok := remoteAlert(err); ok {
		return alert == "tls: protocol version not supported"
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol version") || strings.Contains(msg, "offered only unsupported versions")
}

// remoteAlert returns the text of an alert the server sent. crypto/tls
// does not export its alert type, so the text is all there is.
func remoteAlert(err error) (string, bool) {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		return op.Err.Error(), true
	}
	return "", false
}

// remoteHint explains the alerts that have a common cause.
func remoteHint(err error) string {
	alert, ok := remoteAlert(err)
	if !ok {
		return "the TLS handshake failed"
	}
	switch alert {
	case "tls: certificate required":
		return "the server requires a client certificate (mutual TLS)"
	case "tls: bad certificate", "tls: unknown certificate authority", "tls: certificate unknown":
		return "the server refused the client certificate, or requires one"
	case "tls: handshake failure":
		// What Go and OpenSSL servers send for a missing client
		// certificate before TLS 1.3, and for no common cipher suite.
		return "the server refused the handshake: it may require a client certificate (mutual TLS), or share no cipher suite with the client"
	case "tls: insufficient security":
		return "the server and the client share no cipher suite or parameters"
	}
	return "the server aborted the TLS handshake"
}
