package tcp

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
)

// ehloLines runs a raw multi-line EHLO reply through ParseReply, as an
// adapter does, and returns its Lines.
func ehloLines(t *testing.T, raw ...string) []string {
	t.Helper()
	r, err := parseReply(raw)
	if err != nil {
		t.Fatalf("ParseReply: %v", err)
	}
	return r.Lines
}

func TestParseEHLORealServers(t *testing.T) {
	type flags struct {
		size, startTLS, eightBit, pipelining, smtpUTF8, chunking, binary, enhanced, dsn bool
	}
	tests := []struct {
		name        string
		give        []string
		wantDomain  string
		wantMaxSize int64
		wantAuth    []domain.AuthMechanism
		wantAuthRaw []string
		wantFlags   flags
		wantHas     []string
	}{
		{
			name: "Postfix",
			give: []string{
				"250-mail.example.com", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY", "250-ETRN", "250-STARTTLS",
				"250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING",
			},
			wantDomain: "mail.example.com", wantMaxSize: 10240000,
			wantFlags: flags{size: true, startTLS: true, eightBit: true, pipelining: true, smtpUTF8: true, chunking: true, enhanced: true, dsn: true},
			wantHas:   []string{"VRFY", "etrn"},
		},
		{
			name: "Gmail",
			give: []string{
				"250-smtp.gmail.com at your service, [203.0.113.5]", "250-SIZE 35882577", "250-8BITMIME",
				"250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH", "250-ENHANCEDSTATUSCODES",
				"250-PIPELINING", "250-CHUNKING", "250 SMTPUTF8",
			},
			wantDomain: "smtp.gmail.com", wantMaxSize: 35882577,
			wantAuth:    []domain.AuthMechanism{domain.AuthLogin, domain.AuthPlain, domain.AuthXOAuth2, domain.AuthOAuthBearer},
			wantAuthRaw: []string{"LOGIN", "PLAIN", "XOAUTH2", "PLAIN-CLIENTTOKEN", "OAUTHBEARER", "XOAUTH"},
			wantFlags:   flags{size: true, eightBit: true, pipelining: true, smtpUTF8: true, chunking: true, enhanced: true},
		},
		{
			name: "Exchange Online",
			give: []string{
				"250-SN4PR0201CA0044.outlook.office365.com Hello [203.0.113.5]", "250-SIZE 157286400", "250-PIPELINING",
				"250-DSN", "250-ENHANCEDSTATUSCODES", "250-AUTH LOGIN XOAUTH2", "250-8BITMIME", "250-BINARYMIME",
				"250-CHUNKING", "250 SMTPUTF8",
			},
			wantDomain: "SN4PR0201CA0044.outlook.office365.com", wantMaxSize: 157286400,
			wantAuth:    []domain.AuthMechanism{domain.AuthLogin, domain.AuthXOAuth2},
			wantAuthRaw: []string{"LOGIN", "XOAUTH2"},
			wantFlags:   flags{size: true, eightBit: true, pipelining: true, smtpUTF8: true, chunking: true, binary: true, enhanced: true, dsn: true},
		},
		{
			name: "Exchange on-premises",
			give: []string{
				"250-exch01.corp.example Hello [10.0.0.5]", "250-SIZE 37748736", "250-PIPELINING", "250-DSN",
				"250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-X-ANONYMOUSTLS", "250-AUTH NTLM",
				"250-X-EXPS GSSAPI NTLM", "250-8BITMIME", "250-BINARYMIME", "250-CHUNKING", "250 XRDST",
			},
			wantDomain: "exch01.corp.example", wantMaxSize: 37748736,
			wantAuthRaw: []string{"NTLM"},
			wantFlags:   flags{size: true, startTLS: true, eightBit: true, pipelining: true, chunking: true, binary: true, enhanced: true, dsn: true},
			wantHas:     []string{"X-ANONYMOUSTLS", "x-exps", "XRDST"},
		},
		{
			name: "Exim",
			give: []string{
				"250-mx.example.org Hello client.example.com [203.0.113.5]", "250-SIZE 52428800", "250-8BITMIME",
				"250-PIPELINING", "250-PIPECONNECT", "250-AUTH PLAIN LOGIN CRAM-MD5", "250-CHUNKING", "250-STARTTLS",
				"250-PRDR", "250 HELP",
			},
			wantDomain: "mx.example.org", wantMaxSize: 52428800,
			wantAuth:    []domain.AuthMechanism{domain.AuthPlain, domain.AuthLogin, domain.AuthCRAMMD5},
			wantAuthRaw: []string{"PLAIN", "LOGIN", "CRAM-MD5"},
			wantFlags:   flags{size: true, startTLS: true, eightBit: true, pipelining: true, chunking: true},
			wantHas:     []string{"PIPECONNECT", "PRDR", "HELP"},
		},
		{
			name:        "legacy AUTH= line next to the standard one",
			give:        []string{"250-old.example.net", "250-AUTH LOGIN PLAIN", "250-AUTH=LOGIN PLAIN", "250 SIZE"},
			wantDomain:  "old.example.net",
			wantAuth:    []domain.AuthMechanism{domain.AuthLogin, domain.AuthPlain},
			wantAuthRaw: []string{"LOGIN", "PLAIN"},
			wantFlags:   flags{size: true},
		},
		{
			name:        "legacy AUTH= alone, lower case",
			give:        []string{"250-old.example.net", "250 auth=cram-md5 login"},
			wantDomain:  "old.example.net",
			wantAuth:    []domain.AuthMechanism{domain.AuthCRAMMD5, domain.AuthLogin},
			wantAuthRaw: []string{"CRAM-MD5", "LOGIN"},
		},
		{
			name:        "duplicate AUTH lines merge",
			give:        []string{"250-x.example", "250-AUTH PLAIN", "250-AUTH LOGIN PLAIN", "250 AUTH XOAUTH2"},
			wantDomain:  "x.example",
			wantAuth:    []domain.AuthMechanism{domain.AuthPlain, domain.AuthLogin, domain.AuthXOAuth2},
			wantAuthRaw: []string{"PLAIN", "LOGIN", "XOAUTH2"},
		},
		{
			name:        "lower-case keywords",
			give:        []string{"250-x.example", "250-starttls", "250-size 1000", "250-auth plain", "250 8bitmime"},
			wantDomain:  "x.example",
			wantMaxSize: 1000,
			wantAuth:    []domain.AuthMechanism{domain.AuthPlain},
			wantAuthRaw: []string{"PLAIN"},
			wantFlags:   flags{size: true, startTLS: true, eightBit: true},
		},
		{
			name:        "AUTO is not a mechanism",
			give:        []string{"250-x.example", "250 AUTH AUTO PLAIN"},
			wantDomain:  "x.example",
			wantAuth:    []domain.AuthMechanism{domain.AuthPlain},
			wantAuthRaw: []string{"AUTO", "PLAIN"},
		},
		{name: "SIZE 0 means no limit", give: []string{"250-x.example", "250 SIZE 0"}, wantDomain: "x.example", wantFlags: flags{size: true}},
		{name: "SIZE negative ignored", give: []string{"250-x.example", "250 SIZE -5"}, wantDomain: "x.example", wantFlags: flags{size: true}},
		{name: "SIZE garbage ignored", give: []string{"250-x.example", "250 SIZE lots"}, wantDomain: "x.example", wantFlags: flags{size: true}},
		{name: "SIZE twice keeps first", give: []string{"250-x.example", "250-SIZE 100", "250 SIZE 200"}, wantDomain: "x.example", wantMaxSize: 100, wantFlags: flags{size: true}},
		{name: "greeting only (bare code)", give: []string{"250"}},
		{name: "blank extension line skipped", give: []string{"250-x.example", "250- ", "250 STARTTLS"}, wantDomain: "x.example", wantFlags: flags{startTLS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := parseEHLO(ehloLines(t, tt.give...))
			if c.Domain != tt.wantDomain {
				t.Errorf("Domain = %q, want %q", c.Domain, tt.wantDomain)
			}
			if c.MaxSize != tt.wantMaxSize {
				t.Errorf("MaxSize = %d, want %d", c.MaxSize, tt.wantMaxSize)
			}
			if !slices.Equal(c.Auth, tt.wantAuth) {
				t.Errorf("Auth = %v, want %v", c.Auth, tt.wantAuth)
			}
			if !slices.Equal(c.AuthRaw, tt.wantAuthRaw) {
				t.Errorf("AuthRaw = %q, want %q", c.AuthRaw, tt.wantAuthRaw)
			}
			got := flags{c.Size, c.StartTLS, c.EightBitMIME, c.Pipelining, c.SMTPUTF8, c.Chunking, c.BinaryMIME, c.EnhancedStatusCodes, c.DSN}
			if got != tt.wantFlags {
				t.Errorf("flags = %+v, want %+v", got, tt.wantFlags)
			}
			for _, kw := range tt.wantHas {
				if !c.Has(kw) {
					t.Errorf("Has(%q) = false, want true", kw)
				}
			}
			if c.Has("NOT-ADVERTISED") {
				t.Error("Has(NOT-ADVERTISED) = true")
			}
			for _, m := range tt.wantAuth {
				if !c.SupportsAuth(m) {
					t.Errorf("SupportsAuth(%v) = false", m)
				}
			}
			if c.SupportsAuth(domain.AuthAuto) {
				t.Error("SupportsAuth(AuthAuto) = true")
			}
		})
	}
}

func TestParseEHLORawAndParams(t *testing.T) {
	c := parseEHLO([]string{"mx.example.com greets you", "x-custom  a b ", "AUTH=LOGIN", "AUTH PLAIN", "SIZE", "XFOO"})
	wantRaw := []string{"x-custom  a b", "AUTH=LOGIN", "AUTH PLAIN", "SIZE", "XFOO"}
	if !slices.Equal(c.Raw, wantRaw) {
		t.Errorf("Raw = %q, want %q", c.Raw, wantRaw)
	}
	wantParams := map[string]string{"X-CUSTOM": "a b", "AUTH": "LOGIN PLAIN", "SIZE": "", "XFOO": ""}
	if !reflect.DeepEqual(c.Params, wantParams) {
		t.Errorf("Params = %q, want %q", c.Params, wantParams)
	}
	if !c.Has("x-Custom") || !c.Has("size") || !c.Has("XFOO") {
		t.Error("Has is not case-insensitive or misses a keyword")
	}
	if c.MaxSize != 0 || !c.Size {
		t.Errorf("SIZE without value: Size %v MaxSize %d, want true 0", c.Size, c.MaxSize)
	}
}

func TestParseEHLOEmpty(t *testing.T) {
	c := parseEHLO(nil)
	if c.Domain != "" || len(c.Raw) != 0 || c.Has("SIZE") || c.SupportsAuth(domain.AuthPlain) {
		t.Errorf("parseEHLO(nil) = %+v, want empty capabilities", c)
	}
	var zero capabilities // HELO: no Params map at all
	if zero.Has("STARTTLS") || zero.SupportsAuth(domain.AuthLogin) {
		t.Error("zero Capabilities claims an extension")
	}
}

// TestParseEHLOLinear guards against a hostile server's long EHLO reply:
// joining the parameters of a repeated AUTH line line by line, and finding
// duplicates by a linear search, once took minutes for 64k lines.
func TestParseEHLOLinear(t *testing.T) {
	const n = 1 << 16
	lines := make([]string, n+1)
	lines[0] = "hostile.example"
	for i := 1; i <= n; i++ {
		lines[i] = "AUTH PLAIN X-MECH-" + strconv.Itoa(i)
	}
	start := time.Now()
	c := parseEHLO(lines)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("ParseEHLO of %d AUTH lines took %v", n, elapsed)
	}
	if len(c.AuthRaw) != n+1 || !slices.Equal(c.Auth, []domain.AuthMechanism{domain.AuthPlain}) {
		t.Errorf("AuthRaw has %d names, Auth %v; want %d and [PLAIN]", len(c.AuthRaw), c.Auth, n+1)
	}
}
