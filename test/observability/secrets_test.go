package observability

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// refreshing is a credential provider whose first token the server
// refuses; Refresh replaces it with the right one.
type refreshing struct {
	mu              sync.Mutex
	user, bad, good string
	refreshed       bool
}

func (p *refreshing) Credentials(context.Context) (domain.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refreshed {
		return domain.XOAuth2Credentials(p.user, p.good), nil
	}
	return domain.XOAuth2Credentials(p.user, p.bad), nil
}

func (p *refreshing) Refresh(context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := !p.refreshed
	p.refreshed = true
	return changed, nil
}

// forbidden returns what must never be seen of user's secret: the secret
// itself, the SASL blobs that carry it (PLAIN, XOAUTH2, OAUTHBEARER), and
// each of those in base64 (padded, unpadded, URL-safe).
func forbidden(user, secret string) []string {
	raw := []string{
		secret,
		"\x00" + user + "\x00" + secret,
		user + "\x00" + secret,
		"user=" + user + "\x01auth=Bearer " + secret + "\x01\x01",
		"n,a=" + user + ",\x01auth=Bearer " + secret + "\x01\x01",
		"auth=Bearer " + secret,
	}
	out := append([]string(nil), raw...)
	for _, r := range raw {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			out = append(out, enc.EncodeToString([]byte(r)))
		}
	}
	return out
}

// Every SASL mechanism, accepted and refused (and an XOAUTH2 token
// refreshed after a refusal), at DEBUG: no log line (every field
// rendered), span attribute, event or status, metric label or value, and
// no error or result text shows a password or a token, or a SASL blob
// carrying one, plain or in base64.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	const user = "user"
	type tc struct {
		name    string
		mech    string
		token   bool   // the server takes a token, not a password
		secret  string // the client's password or token
		right   string // the server's
		refresh bool   // through a provider whose first token is refused
	}
	var cases []tc
	for _, m := range []string{smtptest.MechPlain, smtptest.MechLogin, smtptest.MechCRAMMD5, smtptest.MechXOAuth2, smtptest.MechOAuthBearer} {
		token := m == smtptest.MechXOAuth2 || m == smtptest.MechOAuthBearer
		right := "S3cret-" + m + "-right"
		cases = append(cases,
			tc{name: m + "/accepted", mech: m, token: token, secret: right, right: right},
			tc{name: m + "/refused", mech: m, token: token, secret: "S3cret-" + m + "-wrong", right: right})
	}
	cases = append(cases, tc{name: "XOAUTH2/refreshed", mech: smtptest.MechXOAuth2, token: true,
		secret: "S3cret-stale-token", right: "S3cret-fresh-token", refresh: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			auth := smtptest.WithAuth(user, c.right)
			if c.token {
				auth = smtptest.WithTokenAuth(user, c.right)
			}
			srv := smtptest.Start(t, smtptest.WithSTARTTLS(), auth, smtptest.WithAuthMechanisms(c.mech))
			mech, _ := domain.ParseAuthMechanism(c.mech)
			var creds domain.Credentials
			switch mech {
			case domain.AuthXOAuth2:
				creds = domain.XOAuth2Credentials(user, c.secret)
			case domain.AuthOAuthBearer:
				creds = domain.OAuthBearerCredentials(user, c.secret)
			default:
				creds = domain.PasswordCredentials(user, c.secret)
			}
			cfg := tlsConfig(t, srv, creds)
			cfg.AuthMechanism = mech
			cfg.AddressPolicy = domain.AddressFull // nothing hidden but the secrets
			l, tr, m := newLogs(), newTracer(t), newMeter(t)
			opts := []bootstrap.ClientOption{bootstrap.WithLogger(l.Logger), bootstrap.WithTracerProvider(tr), bootstrap.WithMeterProvider(m)}
			if c.refresh {
				cfg.Credentials = domain.Credentials{}
				cfg.CredentialProvider = &refreshing{user: user, bad: c.secret, good: c.right}
			}
			cl := newClient(t, cfg, opts...)
			res, err := send(cl, message(t, "secret", "bob@example.org"))
			refused := c.secret != c.right && !c.refresh
			if refused && !errorsIsAuth(err) {
				t.Fatalf("send with a wrong secret: %v; want an authentication error", err)
			}
			if !refused && err != nil {
				t.Fatalf("send: %v", err)
			}
			closeClient(t, cl)

			channels := map[string]string{
				"logs":    l.renderAll(t),
				"spans":   renderSpans(tr.spans()),
				"metrics": string(m.scrape(t)),
				"error":   fmt.Sprintf("%v\n%+v\n%#v\n%s", err, err, err, errText(err)),
				"result":  fmt.Sprintf("%+v", res),
			}
			if !strings.Contains(channels["logs"], "AUTH "+c.mech) || !strings.Contains(channels["logs"], "[REDACTED]") {
				t.Errorf("the DEBUG transcript shows no redacted AUTH %s exchange:\n%s", c.mech, channels["logs"])
			}
			if !strings.Contains(channels["metrics"], `method="`+c.mech+`"`) {
				t.Errorf("no smtp_auth_attempts_total sample for %s", c.mech)
			}
			// The patterns are what goes on the wire: the server recorded
			// one in the AUTH command's initial response (it does not record
			// LOGIN's later responses; CRAM-MD5 sends a digest).
			if mech != domain.AuthCRAMMD5 && mech != domain.AuthLogin {
				var wire strings.Builder
				for _, cmd := range srv.Commands() {
					wire.WriteString(cmd.Line + "\n")
				}
				seen := false
				for _, f := range forbidden(user, c.secret) {
					seen = seen || strings.Contains(wire.String(), f)
				}
				if !seen {
					t.Errorf("none of the secret's forms reached the server; the patterns are wrong:\n%s", wire.String())
				}
			}
			secrets := []string{c.secret}
			if c.refresh {
				secrets = append(secrets, c.right)
			}
			for name, text := range channels {
				for _, s := range secrets {
					for _, f := range forbidden(user, s) {
						if strings.Contains(text, f) {
							t.Errorf("the %s show %q (of secret %q):\n%s", name, f, s, text)
						}
					}
				}
			}
		})
	}
}

// errorsIsAuth reports whether err is an authentication error.
func errorsIsAuth(err error) bool { return domain.KindOf(err).Category() == domain.KindAuth }

// errText returns err's text and that of every error it wraps.
func errText(err error) string {
	var b strings.Builder
	for err != nil {
		b.WriteString(err.Error() + "\n")
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return b.String()
}
