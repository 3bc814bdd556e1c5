package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/domain"
)

const (
	password = "s3cret-Pa55"
	token    = "ya29.secret-token-value"
)

var (
	plain       = domain.AuthPlain
	login       = domain.AuthLogin
	cram        = domain.AuthCRAMMD5
	xoauth2     = domain.AuthXOAuth2
	oauthbearer = domain.AuthOAuthBearer
)

func mechs(ms ...domain.AuthMechanism) []domain.AuthMechanism { return ms }

// wantKind fails unless err is a *domain.Error of kind want that shows no
// secret.
func wantKind(t *testing.T, err error, want domain.Kind) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	if de.Kind != want {
		t.Fatalf("kind = %v, want %v (error: %v)", de.Kind, want, err)
	}
	noSecret(t, err.Error())
	return de
}

func noSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{password, token, "tanstaaftanstaaf"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q shows a secret", s)
		}
	}
}

func TestSelect(t *testing.T) {
	pw := domain.PasswordCredentials("alice", password)
	xo := domain.XOAuth2Credentials("alice@example.com", token)
	ob := domain.OAuthBearerCredentials("", token)
	obUser := domain.OAuthBearerCredentials("alice@example.com", token)
	tests := []struct {
		name       string
		advertised []domain.AuthMechanism
		creds      domain.Credentials
		pinned     domain.AuthMechanism
		want       domain.AuthMechanism // AuthAuto: an error
		wantText   []string
	}{
		{name: "CRAM-MD5 before PLAIN and LOGIN", advertised: mechs(login, plain, cram), creds: pw, want: cram},
		{name: "PLAIN before LOGIN whatever the server's order", advertised: mechs(login, plain), creds: pw, want: plain},
		{name: "LOGIN alone", advertised: mechs(login), creds: pw, want: login},
		{name: "password skips token mechanisms", advertised: mechs(oauthbearer, xoauth2, login), creds: pw, want: login},
		{name: "OAUTHBEARER first", advertised: mechs(plain, xoauth2, oauthbearer), creds: xo, want: oauthbearer},
		{name: "XOAUTH2 for XOAUTH2 credentials", advertised: mechs(plain, xoauth2), creds: xo, want: xoauth2},
		{name: "token skips password mechanisms", advertised: mechs(cram, plain, login, oauthbearer), creds: xo, want: oauthbearer},
		{name: "bearer token without username cannot XOAUTH2", advertised: mechs(xoauth2, plain), creds: ob,
			wantText: []string{"offers XOAUTH2 PLAIN", "oauthbearer credentials can use OAUTHBEARER"}},
		{name: "bearer token with username can XOAUTH2", advertised: mechs(xoauth2), creds: obUser, want: xoauth2},
		{name: "nothing usable", advertised: mechs(xoauth2, oauthbearer), creds: pw,
			wantText: []string{"offers XOAUTH2 OAUTHBEARER", "password credentials can use CRAM-MD5 PLAIN LOGIN"}},
		{name: "nothing advertised", creds: pw, wantText: []string{"offers nothing"}},
		{name: "no credentials", advertised: mechs(plain), wantText: []string{"none credentials can use nothing"}},
		{name: "pinned is kept though not advertised", advertised: mechs(plain, cram), creds: pw, pinned: login, want: login},
		{name: "pinned is kept over a preferred one", advertised: mechs(cram, plain), creds: pw, pinned: plain, want: plain},
		{name: "pinned XOAUTH2 with a password", advertised: mechs(xoauth2, plain), creds: pw, pinned: xoauth2,
			wantText: []string{"XOAUTH2 cannot use password credentials"}},
		{name: "pinned unknown mechanism", advertised: mechs(plain), creds: pw, pinned: domain.AuthMechanism(99)},
	}
	a := auth.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Select(tt.advertised, tt.creds, tt.pinned)
			if tt.want != domain.AuthAuto {
				if err != nil || got != tt.want {
					t.Fatalf("Select = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if got != domain.AuthAuto {
				t.Errorf("Select returned %v with its error", got)
			}
			de := wantKind(t, err, domain.KindAuthMethodNotSupported)
			for _, s := range tt.wantText {
				if !strings.Contains(de.Message, s) {
					t.Errorf("message %q does not contain %q", de.Message, s)
				}
			}
		})
	}
}

func TestClientRefuses(t *testing.T) {
	tests := []struct {
		name  string
		mech  domain.AuthMechanism
		creds domain.Credentials
		want  domain.Kind
	}{
		{name: "no mechanism chosen", mech: domain.AuthAuto, creds: domain.PasswordCredentials("alice", password),
			want: domain.KindInvalidInput},
		{name: "no credentials", mech: plain, want: domain.KindAuthMethodNotSupported},
		{name: "password without username", mech: plain, creds: domain.PasswordCredentials("", password),
			want: domain.KindInvalidInput},
		{name: "token without token", mech: xoauth2, creds: domain.XOAuth2Credentials("alice", ""),
			want: domain.KindInvalidInput},
		{name: "password for XOAUTH2", mech: xoauth2, creds: domain.PasswordCredentials("alice", password),
			want: domain.KindAuthMethodNotSupported},
		{name: "password for OAUTHBEARER", mech: oauthbearer, creds: domain.PasswordCredentials("alice", password),
			want: domain.KindAuthMethodNotSupported},
		{name: "token for PLAIN", mech: plain, creds: domain.XOAuth2Credentials("alice", token),
			want: domain.KindAuthMethodNotSupported},
		{name: "token for CRAM-MD5", mech: cram, creds: domain.OAuthBearerCredentials("alice", token),
			want: domain.KindAuthMethodNotSupported},
		{name: "unknown mechanism", mech: domain.AuthMechanism(99), creds: domain.PasswordCredentials("alice", password),
			want: domain.KindAuthMethodNotSupported},
		{name: "CRLF in username", mech: login, creds: domain.PasswordCredentials("alice\r\nRSET", password),
			want: domain.KindInvalidInput},
		{name: "NUL in username", mech: plain, creds: domain.PasswordCredentials("alice\x00admin", password),
			want: domain.KindInvalidInput},
		{name: "NUL in PLAIN password", mech: plain, creds: domain.PasswordCredentials("alice", password+"\x00"),
			want: domain.KindInvalidInput},
		{name: "^A in XOAUTH2 token", mech: xoauth2, creds: domain.XOAuth2Credentials("alice", token+"\x01user=bob"),
			want: domain.KindInvalidInput},
		{name: "space in OAUTHBEARER token", mech: oauthbearer, creds: domain.OAuthBearerCredentials("", token+" x"),
			want: domain.KindInvalidInput},
		{name: "^A in OAUTHBEARER username", mech: oauthbearer, creds: domain.OAuthBearerCredentials("a\x01b", token),
			want: domain.KindInvalidInput},
	}
	a := auth.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := a.Client(tt.mech, tt.creds)
			if c != nil {
				t.Errorf("Client returned a client with error %v", err)
			}
			wantKind(t, err, tt.want)
		})
	}
}

func TestClientAccepts(t *testing.T) {
	tests := []struct {
		name  string
		mech  domain.AuthMechanism
		creds domain.Credentials
	}{
		{name: "control characters in a LOGIN password travel in base64", mech: login,
			creds: domain.PasswordCredentials("alice", "pa\x01ss\tword")},
		{name: "NUL in a CRAM-MD5 password is only a key", mech: cram,
			creds: domain.PasswordCredentials("alice", "pa\x00ss")},
		{name: "bearer credentials with username for XOAUTH2", mech: xoauth2,
			creds: domain.OAuthBearerCredentials("alice@example.com", token)},
		{name: "XOAUTH2 credentials for OAUTHBEARER", mech: oauthbearer,
			creds: domain.XOAuth2Credentials("alice@example.com", token)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := auth.New().Client(tt.mech, tt.creds)
			if err != nil || c == nil {
				t.Fatalf("Client = %v, %v", c, err)
			}
			if mech, _, err := c.Start(); err != nil || mech != tt.mech.String() {
				t.Fatalf("Start = %q, %v; want %q", mech, err, tt.mech)
			}
		})
	}
}

func TestZeroAuthenticator(t *testing.T) {
	var a auth.Authenticator
	got, err := a.Select(mechs(plain), domain.PasswordCredentials("alice", password), domain.AuthAuto)
	if err != nil || got != plain {
		t.Fatalf("Select = %v, %v", got, err)
	}
}
