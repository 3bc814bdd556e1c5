package ports

//go:generate mockgen -source=network.go -destination=../mocks/network_mock.go -package=mocks

import (
	"context"
	"net"
)

// Dialer opens network connections; *net.Dialer satisfies it. Tests swap
// in a dialer that returns one end of a net.Pipe.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// TLSUpgrader runs the client side of a TLS handshake over an established
// connection, with the configured roots, client certificate, minimum
// version, server name and pins. It is used for implicit TLS and after a
// 220 reply to STARTTLS. Implementations must be safe for concurrent use.
type TLSUpgrader interface {
	// Client performs the handshake and returns the secured connection,
	// which also offers ConnectionState() tls.ConnectionState. Errors are
	// *domain.Error of a TLS kind.
	Client(ctx context.Context, conn net.Conn, serverName string) (net.Conn, error)
}
