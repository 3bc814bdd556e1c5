package domain

import "strings"

// AuthMechanism is a SASL mechanism this module speaks. The zero value,
// AuthAuto, means "choose automatically".
type AuthMechanism uint8

// The supported mechanisms, in no particular order: the order of automatic
// choice belongs to the authenticator (package adapters/auth).
const (
	AuthAuto AuthMechanism = iota
	AuthPlain
	AuthLogin
	AuthCRAMMD5
	AuthXOAuth2
	AuthOAuthBearer
)

// String returns the SASL name ("PLAIN", "CRAM-MD5" ...) or "AUTO".
func (m AuthMechanism) String() string {
	switch m {
	case AuthPlain:
		return "PLAIN"
	case AuthLogin:
		return "LOGIN"
	case AuthCRAMMD5:
		return "CRAM-MD5"
	case AuthXOAuth2:
		return "XOAUTH2"
	case AuthOAuthBearer:
		return "OAUTHBEARER"
	}
	return "AUTO"
}

// ParseAuthMechanism parses a SASL name case-insensitively. "AUTO" and ""
// give AuthAuto.
func ParseAuthMechanism(s string) (AuthMechanism, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "PLAIN":
		return AuthPlain, true
	case "LOGIN":
		return AuthLogin, true
	case "CRAM-MD5":
		return AuthCRAMMD5, true
	case "XOAUTH2":
		return AuthXOAuth2, true
	case "OAUTHBEARER":
		return AuthOAuthBearer, true
	case "AUTO", "":
		return AuthAuto, true
	}
	return AuthAuto, false
}

// UsesToken reports whether m authenticates with an OAuth2 access token.
func (m AuthMechanism) UsesToken() bool { return m == AuthXOAuth2 || m == AuthOAuthBearer }
