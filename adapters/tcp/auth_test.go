package tcp

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
)

// tlsGreet opens with STARTTLS through sameConn and offers every mechanism.
const tlsGreet = greet + `
	S: 250-mx.example.test
	S: 250 STARTTLS
	C: STARTTLS
	S: 220 ready
	C: EHLO client.example
	S: 250-mx.example.test
	S: 250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER`

const quit = `
	C: QUIT
	S: 221 bye`

// authConfig is testConfig with STARTTLS required; the credentials go in
// Deps.Credentials (static).
func authConfig() Config {
	cfg := testConfig()
	cfg.TLSMode = TLSStartTLSRequired
	return cfg
}

// static supplies fixed credentials, as auth.StaticCredentials does.
type static struct{ c domain.Credentials }

func (s static) Credentials(context.Context) (domain.Credentials, error) { return s.c, nil }
func (s static) Refresh(context.Context) (bool, error)                   { return false, nil }

var password = domain.PasswordCredentials("user", "pass")

// sasl sets up an authenticator whose Select returns mech and whose client
// starts with (name, ir) and answers challenges with next.
func sasl(t *testing.T, mech domain.AuthMechanism, name string, ir []byte, next ...func(*mocks.MockSASLClient)) *mocks.MockAuthenticator {
	ctrl := gomock.NewController(t)
	a := mocks.NewMockAuthenticator(ctrl)
	c := mocks.NewMockSASLClient(ctrl)
	a.EXPECT().Select(gomock.Any(), gomock.Any(), gomock.Any()).Return(mech, nil)
	a.EXPECT().Client(mech, gomock.Any()).Return(c, nil)
	c.EXPECT().Start().Return(name, ir, nil)
	for _, n := range next {
		n(c)
	}
	return a
}

func nextReturns(challenge string, resp string, err error) func(*mocks.MockSASLClient) {
	return func(c *mocks.MockSASLClient) {
		var r []byte
		if resp != "" {
			r = []byte(resp)
		}
		c.EXPECT().Next([]byte(challenge)).Return(r, err)
	}
}

func TestAuthPlainRedactedInTranscript(t *testing.T) {
	tr := &transcript{}
	a := sasl(t, domain.AuthPlain, "PLAIN", []byte("\x00user\x00pass"))
	f, s := mustOpen(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a, Transcript: tr}, tlsGreet+`
		C: AUTH PLAIN AHVzZXIAcGFzcw==
		S: 235 2.7.0 accepted`+quit)
	info := s.Info()
	if info.AuthMechanism != domain.AuthPlain || info.AuthenticatedAs != "user" || !info.TLS {
		t.Errorf("info = %+v", info)
	}
	_ = s.Close()
	f.wait(t)
	got := tr.String()
	if !strings.Contains(got, "C: AUTH PLAIN [REDACTED]\n") || strings.Contains(got, "AHVzZXIAcGFzcw") {
		t.Errorf("transcript not redacted:\n%s", got)
	}
}

func TestAuthExchanges(t *testing.T) {
	long := strings.Repeat("t", 600)
	longB64 := "dHR0" + strings.Repeat("dHR0", 199) // base64 of 600 "t"
	tests := []struct {
		name  string
		mech  domain.AuthMechanism
		start string
		ir    []byte
		next  []func(*mocks.MockSASLClient)
		give  string
		want  domain.Kind // KindUnknown: success
	}{
		{"empty initial response", domain.AuthPlain, "PLAIN", []byte{}, nil, `
			C: AUTH PLAIN =
			S: 235 ok`, domain.KindUnknown},
		{"login challenges", domain.AuthLogin, "LOGIN", nil, []func(*mocks.MockSASLClient){
			nextReturns("Username:", "user", nil), nextReturns("Password:", "pass", nil)}, `
			C: AUTH LOGIN
			S: 334 VXNlcm5hbWU6
			C: dXNlcg==
			S: 334 UGFzc3dvcmQ6
			C: cGFzcw==
			S: 235 ok`, domain.KindUnknown},
		{"initial response over 512 octets goes after 334", domain.AuthXOAuth2, "XOAUTH2", []byte(long), nil, `
			C: AUTH XOAUTH2
			S: 334 
			C: ` + longB64 + `
			S: 235 ok`, domain.KindUnknown},
		{"empty mechanism name takes the mechanism's", domain.AuthPlain, "", []byte("x"), nil, `
			C: AUTH PLAIN eA==
			S: 235 ok`, domain.KindUnknown},
		{"535", domain.AuthPlain, "PLAIN", []byte("x"), nil, `
			C: AUTH PLAIN eA==
			S: 535 5.7.8 bad credentials`, domain.KindCredentialsInvalid},
		{"454 temporary", domain.AuthPlain, "PLAIN", []byte("x"), nil, `
			C: AUTH PLAIN eA==
			S: 454 4.7.0 try later`, domain.KindAuth},
		{"534", domain.AuthPlain, "PLAIN", []byte("x"), nil, `
			C: AUTH PLAIN eA==
			S: 534 5.7.9 mechanism too weak`, domain.KindAuthMethodNotSupported},
		{"bad base64 challenge is cancelled", domain.AuthLogin, "LOGIN", nil, nil, `
			C: AUTH LOGIN
			S: 334 !!not base64!!
			C: *
			S: 501 5.7.0 cancelled`, domain.KindInvalidResponse},
		{"client error is cancelled", domain.AuthLogin, "LOGIN", nil, []func(*mocks.MockSASLClient){
			nextReturns("Username:", "", errors.New("no"))}, `
			C: AUTH LOGIN
			S: 334 VXNlcm5hbWU6
			C: *
			S: 501 cancelled`, domain.KindAuth},
		{"xoauth2 client's empty answer to the error challenge is relayed", domain.AuthXOAuth2, "XOAUTH2", []byte("tok"), []func(*mocks.MockSASLClient){
			nextReturns(`{"status":"401"}`, "", nil)}, `
			C: AUTH XOAUTH2 dG9r
			S: 334 eyJzdGF0dXMiOiI0MDEifQ==
			C: 
			S: 535 5.7.8 Username and Password not accepted`, domain.KindCredentialsInvalid},
		{"an oauth client that fails to answer is cancelled: the session answers nothing itself", domain.AuthOAuthBearer, "OAUTHBEARER", []byte("tok"), []func(*mocks.MockSASLClient){
			nextReturns(`{"status":"401"}`, "", errors.New("server error"))}, `
			C: AUTH OAUTHBEARER dG9r
			S: 334 eyJzdGF0dXMiOiI0MDEifQ==
			C: *
			S: 501 5.7.0 cancelled`, domain.KindAuth},
		{"oauthbearer client answers the error itself", domain.AuthOAuthBearer, "OAUTHBEARER", []byte("tok"), []func(*mocks.MockSASLClient){
			nextReturns(`{"status":"401"}`, "\x01", nil)}, `
			C: AUTH OAUTHBEARER dG9r
			S: 334 eyJzdGF0dXMiOiI0MDEifQ==
			C: AQ==
			S: 535 5.7.8 no`, domain.KindCredentialsInvalid},
		{"a second error challenge is cancelled", domain.AuthXOAuth2, "XOAUTH2", []byte("tok"), []func(*mocks.MockSASLClient){
			nextReturns(`{"status":"401"}`, "", nil)}, `
			C: AUTH XOAUTH2 dG9r
			S: 334 eyJzdGF0dXMiOiI0MDEifQ==
			C: 
			S: 334 eyJzdGF0dXMiOiI0MDEifQ==
			C: *
			S: 501 5.7.0 cancelled`, domain.KindUnexpectedResponse},
		{"250 instead of 235", domain.AuthPlain, "PLAIN", []byte("x"), nil, `
			C: AUTH PLAIN eA==
			S: 250 eh`, domain.KindUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sasl(t, tt.mech, tt.start, tt.ir, tt.next...)
			creds := password
			if tt.mech.UsesToken() {
				creds = domain.XOAuth2Credentials("user", "tok")
			}
			script := tlsGreet + tt.give
			if tt.want != domain.KindUnexpectedResponse || strings.HasSuffix(tt.give, "cancelled") {
				script += quit
			}
			f, s, err := open(t, authConfig(), Deps{Credentials: static{creds}, TLS: sameConn{}, Auth: a}, script)
			if tt.want == domain.KindUnknown {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				_ = s.Close()
			} else {
				e := wantKind(t, err, tt.want)
				if tt.name == "454 temporary" && !domain.IsTemporary(err) {
					t.Errorf("454 not temporary: %v", err)
				}
				if strings.Contains(tt.name, "error challenge") && !strings.Contains(e.Message, `"status":"401"`) {
					t.Errorf("message %q lacks the server's error", e.Message)
				}
				if strings.Contains(err.Error(), "pass") || strings.Contains(err.Error(), "tok") {
					t.Errorf("secret in error: %v", err)
				}
			}
			f.wait(t)
		})
	}
}

func TestAuthTooManyChallenges(t *testing.T) {
	ctrl := gomock.NewController(t)
	a := mocks.NewMockAuthenticator(ctrl)
	c := mocks.NewMockSASLClient(ctrl)
	a.EXPECT().Select(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.AuthLogin, nil)
	a.EXPECT().Client(domain.AuthLogin, gomock.Any()).Return(c, nil)
	c.EXPECT().Start().Return("LOGIN", nil, nil)
	c.EXPECT().Next(gomock.Any()).Return([]byte("x"), nil).Times(maxAuthRounds)
	script := tlsGreet + "\nC: AUTH LOGIN"
	for range maxAuthRounds {
		script += "\nS: 334 eA==\nC: eA=="
	}
	script += "\nS: 334 eA==\nC: *\nS: 501 cancelled" + quit
	f, _, err := open(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a}, script)
	wantKind(t, err, domain.KindInvalidResponse)
	f.wait(t)
}

func TestAuthRefusedBeforeSending(t *testing.T) {
	plainServer := greet + `
		S: 250-mx.example.test
		S: 250 AUTH PLAIN`
	t.Run("plaintext without AllowInsecureAuth", func(t *testing.T) {
		cfg, creds := authConfig(), static{password}
		cfg.TLSMode = TLSStartTLS // opportunistic, and the server has no STARTTLS
		a := mocks.NewMockAuthenticator(gomock.NewController(t))
		f, _, err := open(t, cfg, Deps{Credentials: creds, TLS: sameConn{}, Auth: a}, plainServer+quit)
		wantKind(t, err, domain.KindAuthRequired)
		f.wait(t)
	})
	t.Run("plaintext with AllowInsecureAuth", func(t *testing.T) {
		cfg, creds := authConfig(), static{password}
		cfg.TLSMode = TLSNone
		cfg.AllowInsecureAuth = true
		a := sasl(t, domain.AuthPlain, "PLAIN", []byte("x"))
		f, s := mustOpen(t, cfg, Deps{Credentials: creds, Auth: a}, plainServer+`
			C: AUTH PLAIN eA==
			S: 235 ok`+quit)
		_ = s.Close()
		f.wait(t)
	})
	t.Run("pinned mechanism not offered", func(t *testing.T) {
		cfg, creds := authConfig(), static{password}
		cfg.AuthMechanism = domain.AuthCRAMMD5
		ctrl := gomock.NewController(t)
		a := mocks.NewMockAuthenticator(ctrl)
		a.EXPECT().Select(gomock.Any(), gomock.Any(), domain.AuthCRAMMD5).Return(domain.AuthCRAMMD5, nil)
		f, _, err := open(t, cfg, Deps{Credentials: creds, TLS: sameConn{}, Auth: a}, tlsGreet+quit)
		wantKind(t, err, domain.KindAuthMethodNotSupported)
		f.wait(t)
	})
	t.Run("select fails", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		a := mocks.NewMockAuthenticator(ctrl)
		a.EXPECT().Select(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.AuthAuto, domain.NewError(domain.KindAuthMethodNotSupported, "auth", "none usable"))
		f, _, err := open(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a}, tlsGreet+quit)
		wantKind(t, err, domain.KindAuthMethodNotSupported)
		f.wait(t)
	})
	t.Run("client fails", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		a := mocks.NewMockAuthenticator(ctrl)
		a.EXPECT().Select(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.AuthPlain, nil)
		a.EXPECT().Client(domain.AuthPlain, gomock.Any()).Return(nil, errors.New("no client"))
		f, _, err := open(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a}, tlsGreet+quit)
		wantKind(t, err, domain.KindAuth)
		f.wait(t)
	})
	t.Run("start fails", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		a := mocks.NewMockAuthenticator(ctrl)
		c := mocks.NewMockSASLClient(ctrl)
		a.EXPECT().Select(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.AuthPlain, nil)
		a.EXPECT().Client(domain.AuthPlain, gomock.Any()).Return(c, nil)
		c.EXPECT().Start().Return("", nil, errors.New("cannot start"))
		f, _, err := open(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a}, tlsGreet+quit)
		wantKind(t, err, domain.KindAuth)
		f.wait(t)
	})
	t.Run("bad mechanism name", func(t *testing.T) {
		a := sasl(t, domain.AuthPlain, "PLAIN X", []byte("x"))
		f, _, err := open(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a}, tlsGreet+quit)
		wantKind(t, err, domain.KindInvalidInput)
		f.wait(t)
	})
	t.Run("server offers no AUTH", func(t *testing.T) {
		cfg, creds := authConfig(), static{password}
		cfg.TLSMode = TLSNone
		cfg.AllowInsecureAuth = true
		a := mocks.NewMockAuthenticator(gomock.NewController(t))
		f, _, err := open(t, cfg, Deps{Credentials: creds, Auth: a}, greet+"\nS: 250 mx.example.test"+quit)
		wantKind(t, err, domain.KindAuthMethodNotSupported)
		f.wait(t)
	})
	t.Run("provider fails", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		p := mocks.NewMockCredentialProvider(ctrl)
		p.EXPECT().Credentials(gomock.Any()).Return(domain.Credentials{}, domain.NewError(domain.KindCredentialsExpired, "credentials", "refresh failed"))
		cfg := authConfig()
		f, _, err := open(t, cfg, Deps{TLS: sameConn{}, Auth: mocks.NewMockAuthenticator(ctrl), Credentials: p}, tlsGreet+quit)
		wantKind(t, err, domain.KindCredentialsExpired)
		f.wait(t)
	})
	t.Run("provider has no credentials", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		p := mocks.NewMockCredentialProvider(ctrl)
		p.EXPECT().Credentials(gomock.Any()).Return(domain.Credentials{}, nil)
		f, s := mustOpen(t, authConfig(), Deps{TLS: sameConn{}, Auth: mocks.NewMockAuthenticator(ctrl), Credentials: p}, tlsGreet+quit)
		if s.Info().AuthMechanism != domain.AuthAuto {
			t.Error("authenticated without credentials")
		}
		_ = s.Close()
		f.wait(t)
	})
}

func TestAuthLoginTranscriptRedactsResponses(t *testing.T) {
	tr := &transcript{}
	a := sasl(t, domain.AuthLogin, "LOGIN", nil, nextReturns("Username:", "user", nil), nextReturns("Password:", "pass", nil))
	f, s := mustOpen(t, authConfig(), Deps{Credentials: static{password}, TLS: sameConn{}, Auth: a, Transcript: tr}, tlsGreet+`
		C: AUTH LOGIN
		S: 334 VXNlcm5hbWU6
		C: dXNlcg==
		S: 334 UGFzc3dvcmQ6
		C: cGFzcw==
		S: 235 ok`+quit)
	_ = s.Close()
	f.wait(t)
	want := "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: [REDACTED]\nS: 334 UGFzc3dvcmQ6\nC: [REDACTED]\nS: 235 ok"
	if got := tr.String(); !strings.Contains(got, want) || strings.Contains(got, "cGFzcw") {
		t.Errorf("transcript:\n%s", got)
	}
}

func TestAuthRefusalQuotingTheSecretIsScrubbed(t *testing.T) {
	// A server that quotes the response (or the password) back in its
	// refusal must not put the secret into the transcript or the error.
	tr := &transcript{}
	creds := domain.PasswordCredentials("user", "hunter2-Secret")
	resp := []byte("\x00user\x00hunter2-Secret")
	enc := base64.StdEncoding.EncodeToString(resp)
	a := sasl(t, domain.AuthPlain, "PLAIN", resp)
	cfg, cp := authConfig(), static{creds}
	f, _, err := open(t, cfg, Deps{Credentials: cp, TLS: sameConn{}, Auth: a, Transcript: tr}, tlsGreet+`
		C: AUTH PLAIN `+enc+`
		S: 535 5.7.8 bad credentials `+enc+` for hunter2-Secret`+quit)
	if domain.KindOf(err) != domain.KindCredentialsInvalid {
		t.Fatalf("err = %v; want credentials invalid", err)
	}
	f.wait(t)
	for _, text := range []string{err.Error(), tr.String()} {
		if strings.Contains(text, "hunter2") || strings.Contains(text, enc[8:20]) {
			t.Errorf("the secret shows: %s", text)
		}
	}
}
