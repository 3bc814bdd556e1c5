package tcp

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// wireAuth is a small ports.Authenticator that sends the SASL responses of
// adapters/auth for PLAIN, XOAUTH2 and OAUTHBEARER, and answers the OAuth
// error challenge as those clients do (XOAUTH2 with an empty response,
// OAUTHBEARER with %x01; the session relays the answer).
type wireAuth struct{}

func (wireAuth) Select(_ []domain.AuthMechanism, c domain.Credentials, pinned domain.AuthMechanism) (domain.AuthMechanism, error) {
	switch {
	case pinned != domain.AuthAuto:
		return pinned, nil
	case c.Type == domain.CredentialPassword:
		return domain.AuthPlain, nil
	}
	return domain.AuthXOAuth2, nil
}

func (wireAuth) Client(m domain.AuthMechanism, c domain.Credentials) (ports.SASLClient, error) {
	secret := c.Secret.Reveal()
	switch m {
	case domain.AuthPlain:
		return blobClient{"PLAIN", "\x00" + c.Username + "\x00" + secret, nil}, nil
	case domain.AuthXOAuth2:
		return blobClient{"XOAUTH2", "user=" + c.Username + "\x01auth=Bearer " + secret + "\x01\x01", []byte{}}, nil
	}
	return blobClient{"OAUTHBEARER", "n,a=" + c.Username + ",\x01auth=Bearer " + secret + "\x01\x01", []byte{0x01}}, nil
}

// blobClient sends ir and answers a challenge with answer (nil: it fails).
type blobClient struct {
	name, ir string
	answer   []byte
}

func (c blobClient) Start() (string, []byte, error) { return c.name, []byte(c.ir), nil }
func (c blobClient) Next([]byte) ([]byte, error) {
	if c.answer == nil {
		return nil, errors.New("unexpected challenge")
	}
	return c.answer, nil
}
func (d *countingDialer) dials() int { return int(d.n.Load()) }
func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.n.Add(1)
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// countingDialer dials TCP and counts the connections.
type countingDialer struct{ n atomic.Int32 }

// tokenServer starts an smtptest server that accepts token for user over
// plaintext, and a configuration that reaches it.
func tokenServer(t *testing.T, opts ...smtptest.Option) (Config, *countingDialer) {
	t.Helper()
	srv := smtptest.Start(t, append([]smtptest.Option{smtptest.WithAllowInsecureAuth(true)}, opts...)...)
	cfg := testConfig()
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	cfg.AllowInsecureAuth = true
	return cfg, &countingDialer{}
}

const (
	user     = "me@example.com"
	oldToken = "ya29.old-token-0123456789"
	newToken = "ya29.new-token-9876543210"
)

func xoauth2(token string) domain.Credentials { return domain.XOAuth2Credentials(user, token) }

// refreshProvider expects Credentials to give first, then Refresh to
// report changed with err, then (when changed) Credentials to give then.
func refreshProvider(t *testing.T, first domain.Credentials, changed bool, err error, then ...domain.Credentials) *mocks.MockCredentialProvider {
	ctrl := gomock.NewController(t)
	p := mocks.NewMockCredentialProvider(ctrl)
	calls := []*gomock.Call{
		p.EXPECT().Credentials(gomock.Any()).Return(first, nil),
		p.EXPECT().Refresh(gomock.Any()).Return(changed, err).Times(1),
	}
	for _, c := range then {
		calls = append(calls, p.EXPECT().Credentials(gomock.Any()).Return(c, nil))
	}
	gomock.InOrder(calls...)
	return p
}

func TestOAuthRefusedThenRefreshedOnANewConnection(t *testing.T) {
	for _, mech := range []domain.AuthMechanism{domain.AuthXOAuth2, domain.AuthOAuthBearer} {
		t.Run(mech.String(), func(t *testing.T) {
			cfg, d := tokenServer(t, smtptest.WithTokenAuth(user, newToken))
			cfg.AuthMechanism = mech
			tr := &transcript{}
			p := refreshProvider(t, xoauth2(oldToken), true, nil, xoauth2(newToken))
			tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p, Transcript: tr})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			s, err := tp.Open(context.Background())
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if got := s.Info(); got.AuthenticatedAs != user || got.AuthMechanism != mech {
				t.Errorf("info = %+v", got)
			}
			if d.dials() != 2 {
				t.Errorf("%d connections, want 2", d.dials())
			}
			if got := tr.String(); strings.Count(got, "C: AUTH "+mech.String()) != 2 || strings.Count(got, "C: QUIT") != 1 {
				t.Errorf("want two AUTH exchanges and the refused connection closed with QUIT:\n%s", got)
			}
		})
	}
}

func TestOAuthRefusedTwiceIsCredentialsInvalid(t *testing.T) {
	cfg, d := tokenServer(t, smtptest.WithTokenAuth(user, "ya29.the-only-good-token"))
	p := refreshProvider(t, xoauth2(oldToken), true, nil, xoauth2(newToken))
	tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s, err := tp.Open(context.Background())
	if s != nil {
		t.Fatal("Open returned a session")
	}
	e := wantKind(t, err, domain.KindCredentialsInvalid)
	if e.Code != 535 || !strings.Contains(e.Message, "refused again") {
		t.Errorf("error = %v", err)
	}
	if d.dials() != 2 {
		t.Errorf("%d connections, want 2", d.dials())
	}
	for _, tok := range []string{oldToken, newToken} {
		if strings.Contains(err.Error(), tok[5:11]) {
			t.Errorf("token in error: %v", err)
		}
	}
}

func TestOAuthRefreshWithoutChangeOpensNoSecondConnection(t *testing.T) {
	cfg, d := tokenServer(t, smtptest.WithTokenAuth(user, newToken))
	p := refreshProvider(t, xoauth2(oldToken), false, nil)
	tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = tp.Open(context.Background())
	wantKind(t, err, domain.KindCredentialsInvalid)
	if strings.Contains(err.Error(), "refused again") {
		t.Errorf("error claims a second attempt: %v", err)
	}
	if d.dials() != 1 {
		t.Errorf("%d connections, want 1", d.dials())
	}
}

func TestPasswordRefusalIsNeverRefreshed(t *testing.T) {
	cfg, d := tokenServer(t, smtptest.WithAuth(user, "right-password"))
	p := mocks.NewMockCredentialProvider(gomock.NewController(t))
	p.EXPECT().Credentials(gomock.Any()).Return(domain.PasswordCredentials(user, "wrong-password"), nil)
	// No Refresh expected: gomock fails the test if it is called.
	tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = tp.Open(context.Background())
	wantKind(t, err, domain.KindCredentialsInvalid)
	if d.dials() != 1 {
		t.Errorf("%d connections, want 1", d.dials())
	}
}

func TestOAuthRefreshFailure(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want domain.Kind
	}{
		{"auth kind passes as it is", domain.NewError(domain.KindCredentialsExpired, "token", "the token endpoint refused"), domain.KindCredentialsExpired},
		{"another kind becomes auth", domain.NewError(domain.KindInvalidInput, "token", "no fetch function"), domain.KindAuth},
		{"a plain error becomes auth, scrubbed", errors.New("endpoint rejected " + oldToken), domain.KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, d := tokenServer(t, smtptest.WithTokenAuth(user, newToken))
			p := refreshProvider(t, xoauth2(oldToken), false, tt.err)
			tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			_, err = tp.Open(context.Background())
			wantKind(t, err, tt.want)
			if !errors.Is(err, tt.err) {
				t.Errorf("the cause is lost: %v", err)
			}
			if strings.Contains(err.Error(), "old-token") {
				t.Errorf("token in error: %v", err)
			}
			if d.dials() != 1 {
				t.Errorf("%d connections, want 1", d.dials())
			}
		})
	}
	t.Run("cancelled during the refresh", func(t *testing.T) {
		cfg, d := tokenServer(t, smtptest.WithTokenAuth(user, newToken))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := mocks.NewMockCredentialProvider(gomock.NewController(t))
		p.EXPECT().Credentials(gomock.Any()).Return(xoauth2(oldToken), nil)
		p.EXPECT().Refresh(gomock.Any()).DoAndReturn(func(ctx context.Context) (bool, error) {
			cancel()
			return false, ctx.Err()
		})
		tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		_, err = tp.Open(ctx)
		wantKind(t, err, domain.KindCancelled)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("not context.Canceled: %v", err)
		}
	})
}

// seqDialer hands out the client end of one fake server per dial, in order.
type seqDialer struct {
	conns []net.Conn
	n     atomic.Int32
}

func (d *seqDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	i := int(d.n.Add(1)) - 1
	if i >= len(d.conns) {
		return nil, errors.New("no more fake servers")
	}
	return d.conns[i], nil
}

// startServers runs one fake server per script.
func startServers(t *testing.T, scripts ...string) ([]*fakeServer, *seqDialer) {
	t.Helper()
	d := &seqDialer{}
	var fs []*fakeServer
	for _, s := range scripts {
		f, pd := startServer(t, s)
		fs = append(fs, f)
		d.conns = append(d.conns, pd.conn)
	}
	return fs, d
}

const tokenGreet = greet + `
	S: 250-mx.example.test
	S: 250 AUTH XOAUTH2 OAUTHBEARER`

func TestOAuthRefusalKinds(t *testing.T) {
	// ir is the OAUTHBEARER initial response of user and oldToken, base64.
	ir := encodeResponse([]byte("n,a="+user+",\x01auth=Bearer "+oldToken+"\x01\x01"), true)
	challenge := `
		C: AUTH OAUTHBEARER ` + ir + `
		S: 334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=
		C: AQ==`
	tests := []struct {
		name    string
		script  string
		refresh bool
		want    domain.Kind
	}{
		{"5xx after the error challenge", challenge + `
			S: 554 5.7.0 go away`, true, domain.KindCredentialsInvalid},
		{"535 with 5.7.0", `
			C: AUTH OAUTHBEARER ` + ir + `
			S: 535 5.7.0 no`, true, domain.KindCredentialsInvalid},
		{"5.7.8 with another code", `
			C: AUTH OAUTHBEARER ` + ir + `
			S: 550 5.7.8 no`, true, domain.KindCredentialsInvalid},
		{"454 after the error challenge is temporary", challenge + `
			S: 454 4.7.0 try later`, false, domain.KindAuth},
		{"534 is about the mechanism", `
			C: AUTH OAUTHBEARER ` + ir + `
			S: 534 5.7.9 too weak`, false, domain.KindAuthMethodNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, d := startServers(t, tokenGreet+tt.script+quit)
			ctrl := gomock.NewController(t)
			p := mocks.NewMockCredentialProvider(ctrl)
			p.EXPECT().Credentials(gomock.Any()).Return(xoauth2(oldToken), nil)
			if tt.refresh {
				p.EXPECT().Refresh(gomock.Any()).Return(false, nil)
			}
			cfg := testConfig()
			cfg.AllowInsecureAuth = true
			cfg.AuthMechanism = domain.AuthOAuthBearer
			tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			_, err = tp.Open(context.Background())
			wantKind(t, err, tt.want)
			fs[0].wait(t)
		})
	}
}

func TestOAuthSecondAttemptFailsOtherwise(t *testing.T) {
	// The second connection fails for another reason: its error is kept.
	ir := encodeResponse([]byte("user="+user+"\x01auth=Bearer "+oldToken+"\x01\x01"), true)
	fs, d := startServers(t, tokenGreet+`
		C: AUTH XOAUTH2 `+ir+`
		S: 535 5.7.8 no`+quit, `
		S: 421 4.3.2 shutting down`)
	p := refreshProvider(t, xoauth2(oldToken), true, nil)
	cfg := testConfig()
	cfg.AllowInsecureAuth = true
	tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = tp.Open(context.Background())
	wantKind(t, err, domain.KindServerShutdown)
	for _, f := range fs {
		f.wait(t)
	}
}

// TestNewTakesAPinnedMechanismWithAProvider: the credentials come from the
// provider; the rules that tie credentials to the TLS mode and the pinned
// mechanism are bootstrap.Config.Validate's (one place).
func TestNewTakesAPinnedMechanismWithAProvider(t *testing.T) {
	cfg := testConfig()
	cfg.TLSMode = TLSStartTLSRequired
	cfg.AuthMechanism = domain.AuthXOAuth2
	p := mocks.NewMockCredentialProvider(gomock.NewController(t))
	if _, err := New(cfg, Deps{TLS: sameConn{}, Auth: wireAuth{}, Credentials: p}); err != nil {
		t.Errorf("New with a provider and a pinned mechanism: %v", err)
	}
	if _, err := New(cfg, Deps{TLS: sameConn{}, Credentials: p}); domain.KindOf(err) != domain.KindInvalidInput {
		t.Errorf("New with a provider and no authenticator: %v", err)
	}
}
