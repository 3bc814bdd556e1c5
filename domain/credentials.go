package domain

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
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

// Scrubber returns a Scrubber of the secret and of the base64 SASL
// responses that carry it: PLAIN's "\x00user\x00password" for a password,
// XOAUTH2's "user=U\x01auth=Bearer T\x01\x01" and OAUTHBEARER's
// "n,a=U,\x01auth=Bearer T\x01\x01" for a token. A server that quotes a
// response back, even cut short, shows one of them.
func (c Credentials) Scrubber() *Scrubber {
	sc := NewScrubber(c.Secret)
	if len(c.Secret.Reveal()) < minScrubSecret {
		return sc
	}
	secret := c.Secret.Reveal()
	var blobs []string
	switch c.Type {
	case CredentialPassword:
		blobs = append(blobs, "\x00"+c.Username+"\x00"+secret)
	case CredentialXOAuth2, CredentialOAuthBearer:
		if c.Username != "" {
			blobs = append(blobs, "user="+c.Username+"\x01auth=Bearer "+secret+"\x01\x01")
		}
		authzid := ""
		if c.Username != "" {
			authzid = "a=" + strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.Username)
		}
		blobs = append(blobs, "n,"+authzid+",\x01auth=Bearer "+secret+"\x01\x01")
	}
	for _, b := range blobs {
		sc.Add(base64.StdEncoding.EncodeToString([]byte(b)))
	}
	return sc
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
