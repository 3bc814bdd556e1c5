package auth_test

import (
	"context"
	"fmt"
	"time"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/domain"
)

// ExampleNewTokenProvider supplies XOAUTH2 credentials whose access token
// is fetched on first use and again 5 minutes before it expires; pass the
// provider as Config.CredentialProvider (bootstrap.Config, smtp.Config).
func ExampleNewTokenProvider() {
	fetches := 0
	fetch := func(ctx context.Context) (string, time.Time, error) {
		fetches++ // in real code: POST the refresh token to the token endpoint
		return fmt.Sprintf("token-%d", fetches), time.Now().Add(time.Hour), nil
	}
	p := auth.NewTokenProvider("me@example.com", fetch)
	c1, _ := p.Credentials(context.Background())
	c2, _ := p.Credentials(context.Background())
	fmt.Println(c1.Type, c1.Username, c1.Secret, fetches)
	fmt.Println(c2.Secret.Reveal() == c1.Secret.Reveal())
	// Output:
	// xoauth2 me@example.com [REDACTED] 1
	// true
}

// ExampleAuthenticator_Select shows the automatic choice: the most
// preferred mechanism the server offers and the credentials can drive.
func ExampleAuthenticator_Select() {
	a := auth.New()
	offered := []domain.AuthMechanism{domain.AuthLogin, domain.AuthPlain, domain.AuthCRAMMD5}
	m, _ := a.Select(offered, domain.PasswordCredentials("me", "secret"), domain.AuthAuto)
	pinned, _ := a.Select(offered, domain.PasswordCredentials("me", "secret"), domain.AuthPlain)
	fmt.Println(m, pinned)
	// Output: CRAM-MD5 PLAIN
}
