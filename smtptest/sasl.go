package smtptest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mechanism is a server side SASL mechanism that knows who logged in.
type mechanism interface {
	sasl.Server
	// User returns the authenticated user after a successful exchange.
	User() string
}

// credentials are the users a server accepts.
type credentials struct {
	passwords map[string]string // user -> password
	tokens    map[string]string // user -> OAuth 2.0 bearer token
	domain    string            // for CRAM-MD5 challenges
}

// password reports whether pass is user's password, in constant time.
func (c credentials) password(user, pass string) bool {
	want, ok := c.passwords[user]
	return ok && subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1
}

// token returns the user that token belongs to; user may be empty when the
// client did not name one (OAUTHBEARER without an authzid).
func (c credentials) token(user, token string) (string, bool) {
	for u, t := range c.tokens {
		if (user == "" || user == u) && subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			return u, true
		}
	}
	return "", false
}

// newMechanism returns the server side of mech, or nil if unknown.
func newMechanism(mech string, c credentials) mechanism {
	switch mech {
	case MechPlain:
		m := &plainServer{}
		m.Server = sasl.NewPlainServer(func(identity, user, pass string) error {
			if (identity != "" && identity != user) || !c.password(user, pass) {
				return smtp.ErrAuthFailed
			}
			m.user = user
			return nil
		})
		return m
	case MechLogin:
		return &loginServer{creds: c}
	case MechCRAMMD5:
		return &cramServer{creds: c, challenge: cramChallenge(c.domain)}
	case MechXOAuth2:
		return newXOAuth2Server(c)
	case MechOAuthBearer:
		return newOAuthBearerServer(c)
	}
	return nil
}

// plainServer is go-sasl's PLAIN (RFC 4616) with the user remembered.
type plainServer struct {
	sasl.Server
	user string
}

func (m *plainServer) User() string { return m.user }

// loginServer implements LOGIN (draft-murchison-sasl-login): the
// challenges "Username:" and "Password:", the first skipped when the
// client sends the user name as initial response.
type loginServer struct {
	creds credentials
	step  int
	user  string
}

func (m *loginServer) User() string { return m.user }

// Next implements sasl.Server.
func (m *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch m.step {
	case 0: // AUTH LOGIN, with or without the user name as initial response
		if response == nil {
			m.step = 1
			return []byte("Username:"), false, nil
		}
		m.user, m.step = string(response), 2
		return []byte("Password:"), false, nil
	case 1:
		m.user, m.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		m.step = 3
		if !m.creds.password(m.user, string(response)) {
			m.user = ""
			return nil, true, smtp.ErrAuthFailed
		}
		return nil, true, nil
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}

// cramServer implements CRAM-MD5 (RFC 2195), which go-sasl lacks.
type cramServer struct {
	creds     credentials
	challenge string
	sent      bool
	user      string
}

func (m *cramServer) User() string { return m.user }

// cramChallenge returns a fresh "<random.time@domain>" challenge.
func cramChallenge(domain string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		n = big.NewInt(time.Now().UnixNano())
	}
	return fmt.Sprintf("<%d.%d@%s>", n, time.Now().Unix(), domain)
}

// Next implements sasl.Server.
func (m *cramServer) Next(response []byte) ([]byte, bool, error) {
	if !m.sent {
		m.sent = true
		if len(response) > 0 {
			return nil, true, smtp.ErrAuthFailed // no initial response in CRAM-MD5
		}
		return []byte(m.challenge), false, nil
	}
	i := bytes.LastIndexByte(response, ' ')
	if i < 0 {
		return nil, true, smtp.ErrAuthFailed
	}
	user, digest := string(response[:i]), strings.ToLower(string(response[i+1:]))
	pass, ok := m.creds.passwords[user]
	if !ok {
		return nil, true, smtp.ErrAuthFailed
	}
	h := hmac.New(md5.New, []byte(pass))
	h.Write([]byte(m.challenge))
	if !hmac.Equal([]byte(hex.EncodeToString(h.Sum(nil))), []byte(digest)) {
		return nil, true, smtp.ErrAuthFailed
	}
	m.user = user
	return nil, true, nil
}

// bearerError is the JSON error challenge of XOAUTH2 and OAUTHBEARER.
type bearerError struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope"`
}

// challenge returns e as JSON.
func (e bearerError) challenge() []byte {
	b, _ := json.Marshal(e) // cannot fail for three strings
	return b
}

// bearerServer implements the two OAuth 2.0 mechanisms: Google's XOAUTH2,
// where the client sends "user=U\x01auth=Bearer T\x01\x01", and
// OAUTHBEARER (RFC 7628; go-sasl has one, but it answers the client's final
// 0x01 with 454 rather than 535 and panics on an empty response). A bad
// token gets the JSON error challenge (sent base64); the client answers it
// (XOAUTH2 with an empty line, OAUTHBEARER with 0x01, RFC 7628 section
// 3.2.3) and the server fails with 535 5.7.8.
type bearerServer struct {
	creds   credentials
	parse   func([]byte) (user, token string, ok bool)
	refusal bearerError
	failed  bool
	asked   bool
	user    string
}

func newXOAuth2Server(c credentials) *bearerServer {
	return &bearerServer{creds: c, parse: parseXOAuth2,
		refusal: bearerError{Status: "401", Schemes: "bearer", Scope: "https://mail.google.com/"}}
}

func newOAuthBearerServer(c credentials) *bearerServer {
	return &bearerServer{creds: c, parse: parseOAuthBearer,
		refusal: bearerError{Status: "invalid_token", Schemes: "bearer", Scope: "mail"}}
}

func (m *bearerServer) User() string { return m.user }

// Next implements sasl.Server.
func (m *bearerServer) Next(response []byte) ([]byte, bool, error) {
	switch {
	case m.failed:
		return nil, true, smtp.ErrAuthFailed
	case response == nil && !m.asked:
		m.asked = true
		return []byte{}, false, nil
	}
	user, token, ok := m.parse(response)
	if ok {
		if u, ok := m.creds.token(user, token); ok {
			m.user = u
			return nil, true, nil
		}
	}
	m.failed = true
	return m.refusal.challenge(), false, nil
}

// parseXOAuth2 splits "user=U\x01auth=Bearer T\x01\x01".
func parseXOAuth2(b []byte) (user, token string, ok bool) {
	s, found := strings.CutSuffix(string(b), "\x01\x01")
	if !found {
		return "", "", false
	}
	for _, kv := range strings.Split(s, "\x01") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "user":
			user = v
		case "auth":
			scheme, t, _ := strings.Cut(v, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				return "", "", false
			}
			token = t
		}
	}
	return user, token, user != "" && token != ""
}

// parseOAuthBearer splits "n,a=U,\x01host=H\x01port=P\x01auth=Bearer T\x01\x01".
func parseOAuthBearer(b []byte) (user, token string, ok bool) {
	gs2, rest, found := strings.Cut(string(b), "\x01")
	if !found || !strings.HasPrefix(gs2, "n,") || !strings.HasSuffix(gs2, ",") {
		return "", "", false
	}
	if authz := strings.TrimSuffix(strings.TrimPrefix(gs2, "n,"), ","); authz != "" {
		u, found := strings.CutPrefix(authz, "a=")
		if !found {
			return "", "", false
		}
		user = u
	}
	rest, found = strings.CutSuffix(rest, "\x01\x01")
	if !found {
		return "", "", false
	}
	for _, kv := range strings.Split(rest, "\x01") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "auth" {
			scheme, t, _ := strings.Cut(v, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				return "", "", false
			}
			token = t
		}
	}
	return user, token, token != ""
}
