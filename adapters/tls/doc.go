// Package tls secures SMTP connections: Upgrader runs the client side of a
// TLS handshake over an established connection, for implicit TLS (RFC 8314,
// port 465) and after STARTTLS (RFC 3207). It implements ports.TLSUpgrader.
//
// New turns a Config into a crypto/tls configuration: TLS 1.2 at
// least unless AllowInsecureTLS says otherwise, certificate verification
// against the system roots or a CA file, a client certificate for mutual
// TLS, the server name for SNI and verification, and optional SPKI SHA-256
// pins (RFC 7469 style) checked on every handshake.
//
// Handshake failures come back as *domain.Error of a TLS kind (untrusted,
// expired or invalid certificate, version mismatch, handshake failure), or
// of KindCancelled and KindConnectTimeout when the context ends first.
//
// The sub-package tlstest makes certificates for tests and demos.
package tls
