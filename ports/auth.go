package ports

//go:generate mockgen -source=auth.go -destination=../mocks/auth_mock.go -package=mocks

import (
	"context"

	"github.com/integrations/smtp/domain"
)

// SASLClient is one client-side SASL exchange; it has the shape of
// github.com/emersion/go-sasl's Client, so those clients fit as they are.
type SASLClient interface {
	// Start returns the mechanism name and the initial response (nil when
	// the mechanism has none).
	Start() (mech string, ir []byte, err error)
	// Next answers a server challenge.
	Next(challenge []byte) (response []byte, err error)
}

// Authenticator chooses a mechanism and makes its SASL client.
// Implementations must be safe for concurrent use.
type Authenticator interface {
	// Select returns pinned when it is set (never replaced by another), or
	// the most preferred of the advertised mechanisms that creds can drive.
	// Errors are *domain.Error of KindAuthMethodNotSupported.
	Select(advertised []domain.AuthMechanism, creds domain.Credentials, pinned domain.AuthMechanism) (domain.AuthMechanism, error)
	// Client returns a fresh SASL client for mechanism m.
	Client(m domain.AuthMechanism, creds domain.Credentials) (SASLClient, error)
}

// CredentialProvider supplies credentials, refreshing OAuth2 tokens when
// needed. Implementations must be safe for concurrent use.
type CredentialProvider interface {
	// Credentials returns valid credentials, refreshing them first when
	// they are about to expire. Errors are *domain.Error of an auth kind.
	Credentials(ctx context.Context) (domain.Credentials, error)
	// Refresh forces new credentials after the server refused the current
	// ones; it reports whether anything changed.
	Refresh(ctx context.Context) (bool, error)
}
