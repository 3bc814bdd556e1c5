package auth

import (
	"context"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// StaticCredentials returns a provider that always supplies c, for
// passwords and for tokens refreshed elsewhere. Its Refresh reports that
// nothing changed. It is safe for concurrent use.
func StaticCredentials(c domain.Credentials) ports.CredentialProvider { return staticProvider{c} }

type staticProvider struct{ c domain.Credentials }

// Credentials returns the credentials it was made with.
func (s staticProvider) Credentials(context.Context) (domain.Credentials, error) { return s.c, nil }

// Refresh reports that nothing changed: there is nothing to refresh.
func (s staticProvider) Refresh(context.Context) (bool, error) { return false, nil }
