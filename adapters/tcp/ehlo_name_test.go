package tcp

import (
	"errors"
	"strings"
	"testing"
)

// withHostname makes os.Hostname answer name and err for the test.
func withHostname(t *testing.T, name string, err error) {
	t.Helper()
	old := hostname
	hostname = func() (string, error) { return name, err }
	t.Cleanup(func() { hostname = old })
}

func TestDefaultLocalName(t *testing.T) {
	tests := []struct {
		host string
		err  error
		want string
	}{
		{"mail.example.com", nil, "mail.example.com"},
		{"mail.example.com.", nil, "mail.example.com"}, // the root dot goes
		{"Build-01.CI.Example.Org", nil, "Build-01.CI.Example.Org"},
		{"a.b", nil, "a.b"},
		{"mail.example.com", errors.New("no host name"), "localhost"},
		{"", nil, "localhost"},
		{"buildbox", nil, "localhost"}, // not qualified
		{"localhost.localdomain", nil, "localhost"},
		{"localhost.example.com", nil, "localhost"},
		{"box.localdomain", nil, "localhost"},
		{"box.localhost", nil, "localhost"},
		{"MacBook-Pro.local", nil, "localhost"},
		{"10.0.0.1", nil, "localhost"}, // an address, not a name
		{"mail..example.com", nil, "localhost"},
		{"-mail.example.com", nil, "localhost"},
		{"mail-.example.com", nil, "localhost"},
		{"mail_1.example.com", nil, "localhost"},
		{"bücher.example", nil, "localhost"},
		{"my host.example.com", nil, "localhost"},
		{strings.Repeat("a", 64) + ".example.com", nil, "localhost"},
		{strings.Repeat(strings.Repeat("a", 63)+".", 4) + "com", nil, "localhost"}, // 259 octets
		{strings.Repeat(strings.Repeat("a", 60)+".", 4) + "com", nil, strings.Repeat(strings.Repeat("a", 60)+".", 4) + "com"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			withHostname(t, tt.host, tt.err)
			if got := defaultLocalName(); got != tt.want {
				t.Errorf("defaultLocalName() with host name %q = %q, want %q", tt.host, got, tt.want)
			}
		})
	}
}

func TestNewTakesTheHostNameForAnEmptyLocalName(t *testing.T) {
	withHostname(t, "client.example.net", nil)
	cfg := testConfig()
	cfg.LocalName = ""
	f, s := mustOpen(t, cfg, Deps{}, `
		S: 220 mx.example.test ESMTP ready
		C: EHLO client.example.net
		S: 250 mx.example.test`+quit)
	_ = s.Close()
	f.wait(t)

	withHostname(t, "buildbox", nil)
	f, s = mustOpen(t, cfg, Deps{}, `
		S: 220 mx.example.test ESMTP ready
		C: EHLO localhost
		S: 250 mx.example.test`+quit)
	_ = s.Close()
	f.wait(t)

	// A LocalName that is set wins over the host name.
	cfg.LocalName = "[192.0.2.1]"
	f, s = mustOpen(t, cfg, Deps{}, `
		S: 220 mx.example.test ESMTP ready
		C: EHLO [192.0.2.1]
		S: 250 mx.example.test`+quit)
	_ = s.Close()
	f.wait(t)
}
