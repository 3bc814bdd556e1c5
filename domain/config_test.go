package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

func TestDefaultConfigMatchesSpec(t *testing.T) {
	c := domain.DefaultConfig()
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"port", c.Port, 587},
		{"TLS mode", c.TLSMode, domain.TLSModeDefault},
		{"effective TLS mode", c.EffectiveTLSMode(), domain.TLSStartTLSRequired},
		{"TLS minimum", c.TLS.MinVersion, domain.TLS12},
		{"verify certificates", c.TLS.InsecureSkipVerify, false},
		{"no credentials", c.Credentials.IsZero(), true},
		{"auth auto", c.AuthMechanism, domain.AuthAuto},
		{"insecure auth", c.AllowInsecureAuth, false},
		{"local name left to the transport", c.LocalName, ""},
		{"connect timeout", c.Timeouts.Connect, 30 * time.Second},
		{"io timeout off: the RFC 5321 stage timeouts govern (10 min for the final reply)", c.IOTimeout, time.Duration(0)},
		{"pipelining", c.EnablePipelining, true},
		{"timeouts complete", c.Timeouts, c.Timeouts.WithDefaults()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestDefaultTimeouts(t *testing.T) {
	want := domain.Timeouts{
		Connect: 30 * time.Second, Greeting: 5 * time.Minute, Command: 5 * time.Minute, Mail: 5 * time.Minute,
		Rcpt: 5 * time.Minute, DataInit: 2 * time.Minute, DataBlock: 3 * time.Minute, DataTerm: 10 * time.Minute,
	}
	if got := domain.DefaultTimeouts(); got != want {
		t.Errorf("DefaultTimeouts() = %+v, want %+v", got, want)
	}
	tests := []struct {
		name string
		give domain.Timeouts
		want domain.Timeouts
	}{
		{name: "zero", give: domain.Timeouts{}, want: want},
		{name: "negative", give: domain.Timeouts{Connect: -1, DataTerm: -time.Second}, want: want},
		{
			name: "kept",
			give: domain.Timeouts{Connect: time.Second, Rcpt: 2 * time.Second, DataTerm: 3 * time.Second},
			want: func() domain.Timeouts {
				w := want
				w.Connect, w.Rcpt, w.DataTerm = time.Second, 2*time.Second, 3*time.Second
				return w
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.WithDefaults(); got != tt.want {
				t.Errorf("WithDefaults() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEffectiveTLSMode(t *testing.T) {
	tests := []struct {
		mode domain.TLSMode
		port int
		want domain.TLSMode
	}{
		{domain.TLSModeDefault, 587, domain.TLSStartTLSRequired},
		{domain.TLSModeDefault, 25, domain.TLSStartTLSRequired},
		{domain.TLSModeDefault, 2525, domain.TLSStartTLSRequired},
		{domain.TLSModeDefault, 465, domain.TLSImplicit},
		{domain.TLSNone, 25, domain.TLSNone},
		{domain.TLSStartTLS, 587, domain.TLSStartTLS},
		{domain.TLSImplicit, 2465, domain.TLSImplicit},
		{domain.TLSStartTLSRequired, 465, domain.TLSStartTLSRequired},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			c := domain.Config{TLSMode: tt.mode, Port: tt.port}
			if got := c.EffectiveTLSMode(); got != tt.want {
				t.Errorf("EffectiveTLSMode(%v, port %d) = %v, want %v", tt.mode, tt.port, got, tt.want)
			}
		})
	}
}

func TestParseTLSMode(t *testing.T) {
	tests := []struct {
		give    string
		want    domain.TLSMode
		wantErr bool
	}{
		{give: "", want: domain.TLSModeDefault},
		{give: "default", want: domain.TLSModeDefault},
		{give: "none", want: domain.TLSNone},
		{give: "Plaintext", want: domain.TLSNone},
		{give: "plain", want: domain.TLSNone},
		{give: "starttls", want: domain.TLSStartTLS},
		{give: "opportunistic", want: domain.TLSStartTLS},
		{give: " STARTTLS-Required ", want: domain.TLSStartTLSRequired},
		{give: "required", want: domain.TLSStartTLSRequired},
		{give: "implicit", want: domain.TLSImplicit},
		{give: "tls", want: domain.TLSImplicit},
		{give: "smtps", want: domain.TLSImplicit},
		{give: "ssl3", wantErr: true},
		{give: "start tls", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := domain.ParseTLSMode(tt.give)
			if tt.wantErr {
				if !errors.Is(err, domain.KindInvalidInput) {
					t.Fatalf("ParseTLSMode(%q) error = %v, want KindInvalidInput", tt.give, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseTLSMode(%q) = %v, %v; want %v", tt.give, got, err, tt.want)
			}
			if back, err := domain.ParseTLSMode(got.String()); err != nil || back != got {
				t.Errorf("ParseTLSMode(%q) = %v, %v; String does not round trip", got.String(), back, err)
			}
		})
	}
	if got := domain.TLSMode(42).String(); got != "default" {
		t.Errorf("TLSMode(42).String() = %q", got)
	}
}

func TestParseTLSVersion(t *testing.T) {
	tests := []struct {
		give    string
		want    domain.TLSVersion
		wantErr bool
	}{
		{give: "", want: domain.TLS12},
		{give: "1.0", want: domain.TLS10},
		{give: "10", want: domain.TLS10},
		{give: "1.1", want: domain.TLS11},
		{give: "1.2", want: domain.TLS12},
		{give: "TLS1.2", want: domain.TLS12},
		{give: "TLSv1.3", want: domain.TLS13},
		{give: "Tls1.3", want: domain.TLS13},
		{give: "tls12", want: domain.TLS12},
		{give: "TLS 1.3", want: domain.TLS13},
		{give: "13", want: domain.TLS13},
		{give: "1.4", wantErr: true},
		{give: "ssl3", wantErr: true},
		{give: "latest", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := domain.ParseTLSVersion(tt.give)
			if tt.wantErr {
				if !errors.Is(err, domain.KindInvalidInput) {
					t.Fatalf("ParseTLSVersion(%q) error = %v, want KindInvalidInput", tt.give, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseTLSVersion(%q) = %v, %v; want %v", tt.give, got, err, tt.want)
			}
			if back, err := domain.ParseTLSVersion(got.String()); err != nil || back != got {
				t.Errorf("String %q does not round trip: %v, %v", got.String(), back, err)
			}
		})
	}
	names := map[domain.TLSVersion]string{domain.TLS10: "1.0", domain.TLS11: "1.1", domain.TLS12: "1.2", domain.TLS13: "1.3", 0: "", 0x0300: "0x300"}
	for v, want := range names {
		if got := v.String(); got != want {
			t.Errorf("TLSVersion(%#x).String() = %q, want %q", uint16(v), got, want)
		}
	}
}

func TestConfigAddressAndServerName(t *testing.T) {
	tests := []struct {
		host, sni      string
		port           int
		wantAddr, want string
	}{
		{host: "smtp.example.com", port: 587, wantAddr: "smtp.example.com:587", want: "smtp.example.com"},
		{host: "192.0.2.1", port: 25, wantAddr: "192.0.2.1:25", want: "192.0.2.1"},
		{host: "2001:db8::1", port: 465, wantAddr: "[2001:db8::1]:465", want: "2001:db8::1"},
		{host: "[2001:db8::1]", port: 465, wantAddr: "[2001:db8::1]:465", want: "[2001:db8::1]"},
		{host: "10.0.0.1", sni: "mail.example.com", port: 587, wantAddr: "10.0.0.1:587", want: "mail.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.wantAddr, func(t *testing.T) {
			c := domain.Config{Host: tt.host, Port: tt.port, TLS: domain.TLSConfig{ServerName: tt.sni}}
			if got := c.Address(); got != tt.wantAddr {
				t.Errorf("Address() = %q, want %q", got, tt.wantAddr)
			}
			if got := c.ServerName(); got != tt.want {
				t.Errorf("ServerName() = %q, want %q", got, tt.want)
			}
		})
	}
}

func validConfig() domain.Config {
	c := domain.DefaultConfig()
	c.Host = "smtp.example.com"
	c.Credentials = domain.PasswordCredentials("alice", "secret")
	return c
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*domain.Config)
		want   []domain.Kind // nil: valid
	}{
		{name: "valid", modify: func(*domain.Config) {}},
		{name: "valid without credentials", modify: func(c *domain.Config) { c.Credentials = domain.Credentials{} }},
		{name: "valid implicit 465", modify: func(c *domain.Config) { c.Port = 465 }},
		{name: "valid explicit implicit 465", modify: func(c *domain.Config) { c.Port, c.TLSMode = 465, domain.TLSImplicit }},
		{name: "valid plaintext 25 no auth", modify: func(c *domain.Config) { c.Port, c.TLSMode, c.Credentials = 25, domain.TLSNone, domain.Credentials{} }},
		{name: "valid insecure auth allowed", modify: func(c *domain.Config) { c.TLSMode, c.AllowInsecureAuth = domain.TLSNone, true }},
		{name: "valid TLS 1.0 allowed", modify: func(c *domain.Config) { c.TLS.MinVersion, c.TLS.AllowInsecureTLS = domain.TLS10, true }},
		{name: "valid TLS 1.3", modify: func(c *domain.Config) { c.TLS.MinVersion = domain.TLS13 }},
		{name: "valid zero TLS version", modify: func(c *domain.Config) { c.TLS.MinVersion = 0 }},
		{name: "valid mTLS", modify: func(c *domain.Config) { c.TLS.ClientCertFile, c.TLS.ClientKeyFile = "c.pem", "k.pem" }},
		{name: "valid pinned PLAIN", modify: func(c *domain.Config) { c.AuthMechanism = domain.AuthPlain }},
		{name: "valid IPv6 host", modify: func(c *domain.Config) { c.Host = "2001:db8::1" }},
		{name: "valid empty local name", modify: func(c *domain.Config) { c.LocalName = "" }},
		{name: "no host", modify: func(c *domain.Config) { c.Host = " " }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "host with space", modify: func(c *domain.Config) { c.Host = "smtp example.com" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "host with CRLF", modify: func(c *domain.Config) { c.Host = "smtp.example.com\r\n" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "host is URL", modify: func(c *domain.Config) { c.Host = "smtp://smtp.example.com/" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "port zero", modify: func(c *domain.Config) { c.Port = 0 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "port too big", modify: func(c *domain.Config) { c.Port = 65536 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "unknown TLS mode", modify: func(c *domain.Config) { c.TLSMode = 9 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "STARTTLS on 465", modify: func(c *domain.Config) { c.Port, c.TLSMode = 465, domain.TLSStartTLS }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "STARTTLS required on 465", modify: func(c *domain.Config) { c.Port, c.TLSMode = 465, domain.TLSStartTLSRequired }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "implicit on 587", modify: func(c *domain.Config) { c.TLSMode = domain.TLSImplicit }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "TLS 1.0", modify: func(c *domain.Config) { c.TLS.MinVersion = domain.TLS10 }, want: []domain.Kind{domain.KindTLSVersion}},
		{name: "TLS 1.1", modify: func(c *domain.Config) { c.TLS.MinVersion = domain.TLS11 }, want: []domain.Kind{domain.KindTLSVersion}},
		{name: "SSL 3", modify: func(c *domain.Config) { c.TLS.MinVersion = 0x0300 }, want: []domain.Kind{domain.KindTLSVersion, domain.KindInvalidInput}},
		{name: "SSL 3 even when allowed", modify: func(c *domain.Config) { c.TLS.MinVersion, c.TLS.AllowInsecureTLS = 0x0300, true }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "TLS 1.4", modify: func(c *domain.Config) { c.TLS.MinVersion = 0x0305 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "cert without key", modify: func(c *domain.Config) { c.TLS.ClientCertFile = "c.pem" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "key without cert", modify: func(c *domain.Config) { c.TLS.ClientKeyFile = "k.pem" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "bad local name", modify: func(c *domain.Config) { c.LocalName = "my host" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name injection", modify: func(c *domain.Config) { c.LocalName = "x\r\nMAIL FROM:<a@b>" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name of 600 octets", modify: func(c *domain.Config) { c.LocalName = strings.Repeat("a", 596) + ".com" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name of 256 octets", modify: func(c *domain.Config) { c.LocalName = strings.Repeat("a", 252) + ".com" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "valid local name of 255 octets", modify: func(c *domain.Config) { c.LocalName = strings.Repeat("a", 251) + ".com" }},
		{name: "non-ASCII local name", modify: func(c *domain.Config) { c.LocalName = "bücher.example" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name with DEL", modify: func(c *domain.Config) { c.LocalName = "host\x7f.example" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "local name with angle brackets", modify: func(c *domain.Config) { c.LocalName = "<host.example>" }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "valid address literal local name", modify: func(c *domain.Config) { c.LocalName = "[192.0.2.1]" }},
		{name: "valid IPv6 literal local name", modify: func(c *domain.Config) { c.LocalName = "[IPv6:2001:db8::1]" }},
		{name: "credentials over plaintext", modify: func(c *domain.Config) { c.TLSMode = domain.TLSNone }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "credentials incomplete", modify: func(c *domain.Config) { c.Credentials = domain.PasswordCredentials("", "pw") }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "pinned XOAUTH2 with password", modify: func(c *domain.Config) { c.AuthMechanism = domain.AuthXOAuth2 }, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "pinned PLAIN with token", modify: func(c *domain.Config) {
			c.Credentials, c.AuthMechanism = domain.XOAuth2Credentials("a", "t"), domain.AuthPlain
		}, want: []domain.Kind{domain.KindInvalidInput}},
		{name: "pinned without credentials", modify: func(c *domain.Config) {
			c.Credentials, c.AuthMechanism = domain.Credentials{}, domain.AuthLogin
		}, want: []domain.Kind{domain.KindInvalidInput}},
		{
			name: "every problem at once",
			modify: func(c *domain.Config) {
				c.Host, c.Port, c.TLSMode, c.TLS.MinVersion, c.TLS.ClientCertFile = "", 0, domain.TLSNone, domain.TLS10, "c.pem"
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
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
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
