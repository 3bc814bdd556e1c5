package domain

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// CredentialType tells which kind of secret Credentials carry.
type CredentialType uint8

// The credential types of the specification's data model.
const (
	CredentialNone        CredentialType = iota
	CredentialPassword                   // username and password: PLAIN, LOGIN, CRAM-MD5
	CredentialXOAuth2                    // username and access token: XOAUTH2
	CredentialOAuthBearer                // access token, optional username: OAUTHBEARER
)

// String returns "none", "password", "xoauth2" or "oauthbearer".
func (t CredentialType) String() string {
	switch t {
	case CredentialPassword:
		return "password"
	case CredentialXOAuth2:
		return "xoauth2"
	case CredentialOAuthBearer:
		return "oauthbearer"
	}
	return "none"
}

// Credentials authenticate a session. Their secret never shows: %v, %+v,
// %#v, String, JSON and slog all print "[REDACTED]" in its place. The zero
// value means "no credentials".
type Credentials struct {
	Type     CredentialType
	Username string
	Secret   Secret // the password or the access token
}

// PasswordCredentials returns credentials for PLAIN, LOGIN and CRAM-MD5.
func PasswordCredentials(username, password string) Credentials {
	return Credentials{Type: CredentialPassword, Username: username, Secret: NewSecret(password)}
}

// XOAuth2Credentials returns credentials for XOAUTH2 (Gmail, Office 365).
func XOAuth2Credentials(username, accessToken string) Credentials {
	return Credentials{Type: CredentialXOAuth2, Username: username, Secret: NewSecret(accessToken)}
}

// OAuthBearerCredentials returns credentials for OAUTHBEARER (RFC 7628);
// username may be empty.
func OAuthBearerCredentials(username, accessToken string) Credentials {
	return Credentials{Type: CredentialOAuthBearer, Username: username, Secret: NewSecret(accessToken)}
}

// IsZero reports whether no credentials are set.
func (c Credentials) IsZero() bool { return c.Type == CredentialNone }

// Allows reports whether these credentials can drive mechanism m.
func (c Credentials) Allows(m AuthMechanism) bool {
	switch c.Type {
	case CredentialPassword:
		return m == AuthPlain || m == AuthLogin || m == AuthCRAMMD5
	case CredentialXOAuth2:
		return m == AuthXOAuth2 || m == AuthOAuthBearer
	case CredentialOAuthBearer:
		return m == AuthOAuthBearer || (m == AuthXOAuth2 && c.Username != "")
	}
	return false
}

// Validate reports missing parts as an *Error of KindInvalidInput.
func (c Credentials) Validate() error {
	switch c.Type {
	case CredentialNone:
		return nil
	case CredentialPassword, CredentialXOAuth2:
		if c.Username == "" {
			return NewError(KindInvalidInput, "credentials", c.Type.String()+" credentials need a username")
		}
	case CredentialOAuthBearer:
	default:
		return NewError(KindInvalidInput, "credentials", "unknown credential type")
	}
	if c.Secret.IsEmpty() {
		return NewError(KindInvalidInput, "credentials", c.Type.String()+" credentials need a secret")
	}
	return nil
}

// String returns e.g. "password(user=alice, secret=[REDACTED])".
func (c Credentials) String() string {
	return fmt.Sprintf("%s(user=%s, secret=%s)", c.Type, c.Username, Redacted)
}

// GoString keeps %#v redacted.
func (c Credentials) GoString() string {
	return fmt.Sprintf("domain.Credentials{Type:%q, Username:%q, Secret:%s}", c.Type.String(), c.Username, Redacted)
}

// Format prints the String form for every verb (and GoString for %#v).
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// MarshalJSON writes the type and username with the secret redacted.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type     string `json:"type"`
		Username string `json:"username"`
		Secret   string `json:"secret"`
	}{c.Type.String(), c.Username, Redacted})
}

// LogValue makes slog print the type and username only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", c.Type.String()), slog.String("username", c.Username), slog.String("secret", Redacted))
}
