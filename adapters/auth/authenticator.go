package auth

import (
	"strings"

	"github.com/emersion/go-sasl"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const opAuth = "auth"

var _ ports.Authenticator = (*Authenticator)(nil)

// Authenticator chooses SASL mechanisms and makes their clients. It holds
// no state: it is safe for concurrent use, and its zero value is ready.
type Authenticator struct{}

// priority is the order of automatic choice, most preferred first
// (specification section 8.3.1): the token mechanisms, then CRAM-MD5, which
// keeps the password off the wire, then PLAIN and LOGIN.
var priority = [...]domain.AuthMechanism{domain.AuthOAuthBearer, domain.AuthXOAuth2, domain.AuthCRAMMD5, domain.AuthPlain, domain.AuthLogin}

// New returns an Authenticator.
func New() *Authenticator { return &Authenticator{} }

// Select returns the mechanism to authenticate with. A pinned mechanism
// (anything but domain.AuthAuto) is returned as it is when creds can drive
// it, and never replaced by another; whether the server advertises it is
// for the session to check. Otherwise Select returns the first mechanism,
// in the order OAUTHBEARER, XOAUTH2, CRAM-MD5, PLAIN, LOGIN (specification
// section 8.3.1), that the server advertised and creds can drive.
//
// Errors are *domain.Error of KindAuthMethodNotSupported; the message lists
// what the server offers and what the credentials could use, never a
// secret.
func (a *Authenticator) Select(advertised []domain.AuthMechanism, creds domain.Credentials, pinned domain.AuthMechanism) (domain.AuthMechanism, error) {
	if pinned != domain.AuthAuto {
		if creds.Allows(pinned) {
			return pinned, nil
		}
		return domain.AuthAuto, domain.NewError(domain.KindAuthMethodNotSupported, opAuth,
			"the configured mechanism "+pinned.String()+" cannot use "+creds.Type.String()+" credentials")
	}
	for _, m := range priority {
		if creds.Allows(m) && contains(advertised, m) {
			return m, nil
		}
	}
	var usable []domain.AuthMechanism
	for _, m := range priority {
		if creds.Allows(m) {
			usable = append(usable, m)
		}
	}
	return domain.AuthAuto, domain.NewError(domain.KindAuthMethodNotSupported, opAuth,
		"no common mechanism: the server offers "+list(advertised)+"; "+creds.Type.String()+" credentials can use "+list(usable))
}

// Client returns a fresh SASL client for m driven by creds. The client
// answers decoded challenges, is good for one exchange and is not safe for
// concurrent use.
//
// Errors are *domain.Error: KindInvalidInput for AuthAuto (call Select
// first), incomplete credentials or a username or secret the mechanism
// cannot carry (a NUL in PLAIN, a control character in a token);
// KindAuthMethodNotSupported for a mechanism creds cannot drive.
func (a *Authenticator) Client(m domain.AuthMechanism, creds domain.Credentials) (ports.SASLClient, error) {
	if m == domain.AuthAuto {
		return nil, domain.NewError(domain.KindInvalidInput, opAuth, "no mechanism chosen: call Select first")
	}
	if err := creds.Validate(); err != nil {
		return nil, err
	}
	if !creds.Allows(m) {
		return nil, domain.NewError(domain.KindAuthMethodNotSupported, opAuth,
			"mechanism "+m.String()+" cannot use "+creds.Type.String()+" credentials")
	}
	user, secret := creds.Username, creds.Secret.Reveal()
	if err := checkUsername(user); err != nil {
		return nil, err
	}
	if err := checkSecret(m, creds.Type, secret); err != nil {
		return nil, err
	}
	switch m {
	case domain.AuthPlain:
		return bound(m, sasl.NewPlainClient("", user, secret), 0), nil
	case domain.AuthLogin:
		return bound(m, &loginClient{username: user, password: secret}, 2), nil
	case domain.AuthCRAMMD5:
		return bound(m, &cramMD5Client{username: user, password: secret}, 1), nil
	case domain.AuthXOAuth2:
		return bound(m, &xoauth2Client{username: user, token: secret}, 1), nil
	default: // domain.AuthOAuthBearer: Allows admits nothing else
		return bound(m, newOAuthBearerClient(user, secret), 1), nil
	}
}

// checkUsername refuses what would break a mechanism's framing.
func checkUsername(user string) error {
	if strings.ContainsFunc(user, isControl) {
		return domain.NewError(domain.KindInvalidInput, opAuth, "the username contains a control character")
	}
	return nil
}

// checkSecret refuses what would break a mechanism's framing. The message
// says what is wrong, never what the secret is.
func checkSecret(m domain.AuthMechanism, t domain.CredentialType, secret string) error {
	what := "password"
	if t != domain.CredentialPassword {
		what = "access token"
	}
	switch {
	case m.UsesToken() && strings.ContainsFunc(secret, func(r rune) bool { return isControl(r) || r == ' ' }):
		return domain.NewError(domain.KindInvalidInput, opAuth, "the "+what+" contains a space or control character, which "+m.String()+" cannot carry")
	case m == domain.AuthPlain && strings.ContainsRune(secret, 0):
		return domain.NewError(domain.KindInvalidInput, opAuth, "the "+what+" contains a NUL, which PLAIN cannot carry")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func contains(list []domain.AuthMechanism, m domain.AuthMechanism) bool {
	for _, v := range list {
		if v == m {
			return true
		}
	}
	return false
}

func list(ms []domain.AuthMechanism) string {
	if len(ms) == 0 {
		return "nothing"
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.String()
	}
	return strings.Join(names, " ")
}
