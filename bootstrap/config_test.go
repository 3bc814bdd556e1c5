package bootstrap_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/tcp"
	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

func validConfig() bootstrap.Config {
	return bootstrap.Config{Host: "smtp.example.com", Port: 587, Credentials: domain.PasswordCredentials("alice", "secret")}
}

func TestConfigValidate(t *testing.T) {
	type cfg = bootstrap.Config
	tests := []struct {
		name   string
		modify func(*cfg)
		want   []domain.Kind // nil: valid
	}{
		{name: "valid", modify: func(*cfg) {}},
		{name: "valid zero value plus host and port", modify: func(c *cfg) { *c = cfg{Host: "smtp.example.com", Port: 587} }},
		{name: "valid without credentials", modify: func(c *cfg) { c.Credentials = domain.Credentials{} }},
		{name: "valid implicit 465", modify: func(c *cfg) { c.Port = 465 }},
		{name: "valid explicit implicit 465", modify: func(c *cfg) { c.Port, c.TLSMode = 465, tcp.TLSImplicit }},
		{name: "valid plaintext 25 no auth", modify: func(c *cfg) { c.Port, c.TLSMode, c.Credentials = 25, tcp.TLSNone, domain.Credentials{} }},
		{name: "valid insecure auth allowed", modify: func(c *cfg) { c.TLSMode, c.AllowInsecureAuth = tcp.TLSNone, true }},
		{name: "valid TLS 1.0 allowed", modify: func(c *cfg) { c.TLS.MinVersion, c.TLS.AllowInsecureTLS = smtptls.VersionTLS10, true }},
		{name: "valid TLS 1.3", modify: func(c *cfg) { c.TLS.MinVersion = smtptls.VersionTLS13 }},
		{name: "valid mTLS", modify: func(c *cfg) { c.TLS.ClientCertFile, c.TLS.ClientKeyFile = "c.pem", "k.pem" }},
		{name: "valid pinned PLAIN", modify: func(c *cfg) { c.AuthMechanism = domain.AuthPlain }},
		{name: "valid IPv6 host", modify: func(c *cfg) { c.Host = "2001:db8::1" }},
		{name: "valid rate limit", modify: func(c *cfg) { c.RateLimit = &ratelimit.Config{MaxEmails: 10, Window: time.Minute} }},
		{name: "valid shared rate limit", modify: func(c *cfg) {
			c.RateLimit = &ratelimit.Config{MaxEmails: 10, Window: time.Minute}
			c.RateLimitRedis = &redislimit.Config{URL: "redis://h:1/0"}
		}},
		{name: "valid breaker off, one attempt, no pipelining", modify: func(c *cfg) {
			c.CircuitBreaker.Disabled, c.Retry.MaxAttempts, c.DisablePipelining = true, 1, true
		}},
		{name: "valid coalescing off", modify: func(c *cfg) { c.Coalesce = 1 }},
		{name: "negative coalescing bound", modify: func(c *cfg) { c.Coalesce = -1 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "no host", modify: func(c *cfg) { c.Host = " " }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "host with space", modify: func(c *cfg) { c.Host = "smtp example.com" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "host with CRLF", modify: func(c *cfg) { c.Host = "smtp.example.com\r\n" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "host is URL", modify: func(c *cfg) { c.Host = "smtp://smtp.example.com/" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "port zero", modify: func(c *cfg) { c.Port = 0 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "port too big", modify: func(c *cfg) { c.Port = 65536 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "unknown TLS mode", modify: func(c *cfg) { c.TLSMode = 9 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "unknown address policy", modify: func(c *cfg) { c.AddressPolicy = 9 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "STARTTLS on 465", modify: func(c *cfg) { c.Port, c.TLSMode = 465, tcp.TLSStartTLS }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "STARTTLS required on 465", modify: func(c *cfg) { c.Port, c.TLSMode = 465, tcp.TLSStartTLSRequired }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "implicit on 587", modify: func(c *cfg) { c.TLSMode = tcp.TLSImplicit }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "TLS 1.0", modify: func(c *cfg) { c.TLS.MinVersion = smtptls.VersionTLS10 }, want: []domain.Kind{domain.KindTLSVersion}},
		{name: "SSL 3", modify: func(c *cfg) { c.TLS.MinVersion = 0x0300 }, want: []domain.Kind{domain.KindTLSVersion, domain.KindInvalidInput}},
		{name: "cert without key", modify: func(c *cfg) { c.TLS.ClientCertFile = "c.pem" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "bad local name", modify: func(c *cfg) { c.LocalName = "my host" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name injection", modify: func(c *cfg) { c.LocalName = "x\r\nMAIL FROM:<a@b>" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name of 256 octets", modify: func(c *cfg) { c.LocalName = strings.Repeat("a", 252) + ".com" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "valid local name of 255 octets", modify: func(c *cfg) { c.LocalName = strings.Repeat("a", 251) + ".com" }},
		{name: "non-ASCII local name", modify: func(c *cfg) { c.LocalName = "bücher.example" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name with DEL", modify: func(c *cfg) { c.LocalName = "host\x7f.example" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name with angle brackets", modify: func(c *cfg) { c.LocalName = "<host.example>" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "valid address literal local name", modify: func(c *cfg) { c.LocalName = "[192.0.2.1]" }},
		{name: "valid IPv6 literal local name", modify: func(c *cfg) { c.LocalName = "[IPv6:2001:db8::1]" }},
		{name: "credentials over plaintext", modify: func(c *cfg) { c.TLSMode = tcp.TLSNone }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "credentials incomplete", modify: func(c *cfg) { c.Credentials = domain.PasswordCredentials("", "pw") }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "pinned XOAUTH2 with password", modify: func(c *cfg) { c.AuthMechanism = domain.AuthXOAuth2 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "pinned PLAIN with token", modify: func(c *cfg) {
			c.Credentials, c.AuthMechanism = domain.XOAuth2Credentials("a", "t"), domain.AuthPlain
		}, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "pinned without credentials", modify: func(c *cfg) {
			c.Credentials, c.AuthMechanism = domain.Credentials{}, domain.AuthLogin
		}, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "negative pool", modify: func(c *cfg) { c.Pool.MaxConnections = -1 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "min idle above max", modify: func(c *cfg) { c.Pool.MinIdle = 6 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "negative retries", modify: func(c *cfg) { c.Retry.MaxAttempts = -1 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "retry delays crossed", modify: func(c *cfg) { c.Retry.InitialDelay, c.Retry.MaxDelay = 2*time.Second, time.Second }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "negative breaker", modify: func(c *cfg) { c.CircuitBreaker.RecoveryTimeout = -1 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "limit above the maximum", modify: func(c *cfg) { c.Limits.MaxRecipients = 101 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "empty rate limit", modify: func(c *cfg) { c.RateLimit = &ratelimit.Config{} }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "redis without a rate limit", modify: func(c *cfg) { c.RateLimitRedis = &redislimit.Config{URL: "redis://h:1/0"} }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "bad redis", modify: func(c *cfg) {
			c.RateLimit = &ratelimit.Config{MaxEmails: 10, Window: time.Minute}
			c.RateLimitRedis = &redislimit.Config{URL: "http://h:1", Timeout: -1}
		}, want: []domain.Kind{domain.KindInvalidInput, domain.KindInvalidInput}},
		{name: "negative IO timeout", modify: func(c *cfg) { c.IOTimeout = -1 }, want: []domain.Kind{domain.KindInvalidInput}},
		{
			name: "every problem at once",
			modify: func(c *cfg) {
				c.Host, c.Port, c.TLSMode, c.TLS.MinVersion, c.TLS.ClientCertFile = "", 0, tcp.TLSNone, smtptls.VersionTLS10, "c.pem"
			},
			want: []domain.Kind{domain.KindInvalidInput, domain.KindInvalidInput, domain.KindTLSVersion, domain.KindInvalidInput, domain.KindInvalidInput},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.modify(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			got := kindsOf(err)
			if !sameKinds(got, tt.want) {
				t.Errorf("Validate() kinds = %v, want %v (%v)", got, tt.want, err)
			}
			for _, k := range tt.want {
				if !errors.Is(err, k) {
					t.Errorf("errors.Is(err, %v) = false", k)
				}
			}
		})
	}
}

// TestValidateWithACredentialProvider: a pinned mechanism needs no
// Credentials when a CredentialProvider is set; the other rules hold.
func TestValidateWithACredentialProvider(t *testing.T) {
	pinned := validConfig()
	pinned.Credentials, pinned.AuthMechanism = domain.Credentials{}, domain.AuthXOAuth2
	if err := pinned.Validate(); err == nil || !strings.Contains(err.Error(), "auth mechanism XOAUTH2 set without credentials") {
		t.Errorf("Validate(pinned XOAUTH2, no credentials, no provider) = %v", err)
	}
	pinned.CredentialProvider = staticProvider{domain.XOAuth2Credentials("me@example.com", "token")}
	if err := pinned.Validate(); err != nil {
		t.Errorf("Validate(pinned XOAUTH2, a provider) = %v", err)
	}

	plain := pinned
	plain.TLSMode = tcp.TLSNone
	err := plain.Validate()
	if got := kindsOf(err); len(got) != 1 || got[0] != domain.KindInvalidInput || !strings.Contains(err.Error(), "without TLS") {
		t.Errorf("Validate(provider, TLS none, no AllowInsecureAuth) = %v", err)
	}
	plain.AllowInsecureAuth = true
	if err := plain.Validate(); err != nil {
		t.Errorf("Validate(provider, TLS none, AllowInsecureAuth) = %v", err)
	}

	bad := pinned
	bad.Port = 0
	if err := bad.Validate(); !errors.Is(err, domain.KindInvalidInput) {
		t.Errorf("Validate(provider, port 0) = %v", err)
	}
	mismatch := validConfig()
	mismatch.AuthMechanism = domain.AuthXOAuth2 // with password credentials
	mismatch.CredentialProvider = pinned.CredentialProvider
	if err := mismatch.Validate(); err == nil || !strings.Contains(err.Error(), "cannot use password credentials") {
		t.Errorf("Validate(XOAUTH2 with a password) = %v", err)
	}
}

func TestEffectiveTLSMode(t *testing.T) {
	tests := []struct {
		mode tcp.TLSMode
		port int
		want tcp.TLSMode
	}{
		{tcp.TLSModeDefault, 587, tcp.TLSStartTLSRequired},
		{tcp.TLSModeDefault, 25, tcp.TLSStartTLSRequired},
		{tcp.TLSModeDefault, 2525, tcp.TLSStartTLSRequired},
		{tcp.TLSModeDefault, 465, tcp.TLSImplicit},
		{tcp.TLSNone, 25, tcp.TLSNone},
		{tcp.TLSStartTLS, 587, tcp.TLSStartTLS},
		{tcp.TLSImplicit, 2465, tcp.TLSImplicit},
		{tcp.TLSStartTLSRequired, 465, tcp.TLSStartTLSRequired},
	}
	for _, tt := range tests {
		c := bootstrap.Config{TLSMode: tt.mode, Port: tt.port}
		if got := c.EffectiveTLSMode(); got != tt.want {
			t.Errorf("EffectiveTLSMode(%v, port %d) = %v, want %v", tt.mode, tt.port, got, tt.want)
		}
	}
}

// kindsOf returns the kind of every *domain.Error joined in err.
func kindsOf(err error) []domain.Kind {
	var out []domain.Kind
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, kindsOf(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []domain.Kind{domain.KindOf(err)}
}

// sameKinds compares two multisets of kinds.
func sameKinds(a, b []domain.Kind) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[domain.Kind]int{}
	for _, k := range a {
		count[k]++
	}
	for _, k := range b {
		count[k]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
