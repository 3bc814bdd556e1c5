package tcp

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

func TestDefaultTimeouts(t *testing.T) {
	want := Timeouts{
		Connect: 30 * time.Second, Greeting: 5 * time.Minute, Command: 5 * time.Minute, Mail: 5 * time.Minute,
		Rcpt: 5 * time.Minute, DataInit: 2 * time.Minute, DataBlock: 3 * time.Minute, DataTerm: 10 * time.Minute,
	}
	if got := DefaultTimeouts(); got != want {
		t.Errorf("DefaultTimeouts() = %+v, want %+v", got, want)
	}
	tests := []struct {
		name string
		give Timeouts
		want Timeouts
	}{
		{name: "zero", give: Timeouts{}, want: want},
		{name: "negative", give: Timeouts{Connect: -1, DataTerm: -time.Second}, want: want},
		{
			name: "kept",
			give: Timeouts{Connect: time.Second, Rcpt: 2 * time.Second, DataTerm: 3 * time.Second},
			want: func() Timeouts {
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
		mode TLSMode
		port int
		want TLSMode
	}{
		{TLSModeDefault, 587, TLSStartTLSRequired},
		{TLSModeDefault, 25, TLSStartTLSRequired},
		{TLSModeDefault, 2525, TLSStartTLSRequired},
		{TLSModeDefault, 465, TLSImplicit},
		{TLSNone, 25, TLSNone},
		{TLSStartTLS, 587, TLSStartTLS},
		{TLSImplicit, 2465, TLSImplicit},
		{TLSStartTLSRequired, 465, TLSStartTLSRequired},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			c := Config{TLSMode: tt.mode, Port: tt.port}
			if got := c.EffectiveTLSMode(); got != tt.want {
				t.Errorf("EffectiveTLSMode(%v, port %d) = %v, want %v", tt.mode, tt.port, got, tt.want)
			}
		})
	}
}

func TestParseTLSMode(t *testing.T) {
	tests := []struct {
		give    string
		want    TLSMode
		wantErr bool
	}{
		{give: "", want: TLSModeDefault},
		{give: "default", want: TLSModeDefault},
		{give: "none", want: TLSNone},
		{give: "Plaintext", want: TLSNone},
		{give: "plain", want: TLSNone},
		{give: "starttls", want: TLSStartTLS},
		{give: "opportunistic", want: TLSStartTLS},
		{give: " STARTTLS-Required ", want: TLSStartTLSRequired},
		{give: "required", want: TLSStartTLSRequired},
		{give: "implicit", want: TLSImplicit},
		{give: "tls", want: TLSImplicit},
		{give: "smtps", want: TLSImplicit},
		{give: "ssl3", wantErr: true},
		{give: "start tls", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := ParseTLSMode(tt.give)
			if tt.wantErr {
				if !errors.Is(err, domain.KindInvalidInput) {
					t.Fatalf("ParseTLSMode(%q) error = %v, want KindInvalidInput", tt.give, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseTLSMode(%q) = %v, %v; want %v", tt.give, got, err, tt.want)
			}
			if back, err := ParseTLSMode(got.String()); err != nil || back != got {
				t.Errorf("ParseTLSMode(%q) = %v, %v; String does not round trip", got.String(), back, err)
			}
		})
	}
	if got := TLSMode(42).String(); got != "default" {
		t.Errorf("TLSMode(42).String() = %q", got)
	}
}

func TestConfigAddress(t *testing.T) {
	tests := []struct {
		host     string
		port     int
		wantAddr string
	}{
		{"smtp.example.com", 587, "smtp.example.com:587"},
		{"192.0.2.1", 25, "192.0.2.1:25"},
		{"2001:db8::1", 465, "[2001:db8::1]:465"},
		{"[2001:db8::1]", 465, "[2001:db8::1]:465"},
	}
	for _, tt := range tests {
		if got := (Config{Host: tt.host, Port: tt.port}).address(); got != tt.wantAddr {
			t.Errorf("address(%q, %d) = %q, want %q", tt.host, tt.port, got, tt.wantAddr)
		}
	}
}

// TestConfigValidate: the rules on what the transport reads; every
// problem at once, each a *domain.Error of KindInvalidInput.
func TestConfigValidate(t *testing.T) {
	valid := Config{Host: "smtp.example.com", Port: 587}
	tests := []struct {
		name   string
		modify func(*Config)
		want   int // problems; 0: valid
	}{
		{"valid zero value plus host and port", func(*Config) {}, 0},
		{"valid implicit 465", func(c *Config) { c.Port = 465 }, 0},
		{"valid plaintext 25", func(c *Config) { c.Port, c.TLSMode = 25, TLSNone }, 0},
		{"valid IPv6 host", func(c *Config) { c.Host = "2001:db8::1" }, 0},
		{"valid address literal local name", func(c *Config) { c.LocalName = "[192.0.2.1]" }, 0},
		{"valid IPv6 literal local name", func(c *Config) { c.LocalName = "[IPv6:2001:db8::1]" }, 0},
		{"valid local name of 255 octets", func(c *Config) { c.LocalName = strings.Repeat("a", 251) + ".com" }, 0},
		{"no host", func(c *Config) { c.Host = " " }, 1},
		{"host with space", func(c *Config) { c.Host = "smtp example.com" }, 1},
		{"host with CRLF", func(c *Config) { c.Host = "smtp.example.com\r\n" }, 1},
		{"host is URL", func(c *Config) { c.Host = "smtp://smtp.example.com/" }, 1},
		{"port zero", func(c *Config) { c.Port = 0 }, 1},
		{"port too big", func(c *Config) { c.Port = 65536 }, 1},
		{"unknown TLS mode", func(c *Config) { c.TLSMode = 9 }, 1},
		{"STARTTLS on 465", func(c *Config) { c.Port, c.TLSMode = 465, TLSStartTLS }, 1},
		{"STARTTLS required on 465", func(c *Config) { c.Port, c.TLSMode = 465, TLSStartTLSRequired }, 1},
		{"implicit on 587", func(c *Config) { c.TLSMode = TLSImplicit }, 1},
		{"bad local name", func(c *Config) { c.LocalName = "my host" }, 1},
		{"local name injection", func(c *Config) { c.LocalName = "x\r\nMAIL FROM:<a@b>" }, 1},
		{"local name of 256 octets", func(c *Config) { c.LocalName = strings.Repeat("a", 252) + ".com" }, 1},
		{"non-ASCII local name", func(c *Config) { c.LocalName = "bücher.example" }, 1},
		{"local name with DEL", func(c *Config) { c.LocalName = "host\x7f.example" }, 1},
		{"local name with angle brackets", func(c *Config) { c.LocalName = "<host.example>" }, 1},
		{"negative timeout", func(c *Config) { c.Timeouts.DataTerm = -time.Second }, 1},
		{"negative IO timeout", func(c *Config) { c.IOTimeout = -1 }, 1},
		{"every problem at once", func(c *Config) { c.Host, c.Port, c.LocalName = "", 0, "a b" }, 3},
	}
	for _, tt := range tests {
		c := valid
		tt.modify(&c)
		err := c.Validate()
		var got []error
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			got = j.Unwrap()
		}
		if len(got) != tt.want {
			t.Errorf("%s: Validate() = %v; want %d problems", tt.name, err, tt.want)
		}
		for _, e := range got {
			if domain.KindOf(e) != domain.KindInvalidInput || !errors.Is(err, domain.KindInvalidInput) {
				t.Errorf("%s: %v is not invalid input", tt.name, e)
			}
		}
	}
}
