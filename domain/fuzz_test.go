package domain_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/integrations/smtp/domain"
)

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{
		"alice@example.com", "Alice <alice@example.com>", `"Liddell, Alice" <alice@example.com>`,
		"=?utf-8?q?J=C3=B6rg?= <j@example.com>", "<a@b.c>", "jörg@bücher.de", "用户@例子.广告",
		`"a:b"@example.com`, `"a\"b"@example.com`, `"a>b"@example.com`, "a@[192.0.2.1]", "a@[IPv6:::1]",
		"Root <root@[IPv6:2001:db8::1]>", "a@[::1]", "a@example.com>\r\nDATA", "a@example.com (comment)",
		"a@b@c", "", " ", "a@ex\uff1eample.com", `"x@[IPv6:1]" <a@ [::1]>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := domain.ParseAddress(s)
		if err != nil {
			if !a.IsZero() {
				t.Fatalf("ParseAddress(%q) failed but returned %q", s, a.Email())
			}
			if domain.KindOf(err) != domain.KindInvalidInput {
				t.Fatalf("ParseAddress(%q) error kind %v", s, domain.KindOf(err))
			}
			return
		}
		if a.IsZero() || a.LocalPart() == "" || a.Domain() == "" || a.ASCIIDomain() == "" {
			t.Fatalf("ParseAddress(%q) accepted an incomplete address %#v", s, a)
		}
		for _, env := range []string{a.Envelope(false), a.Envelope(true)} {
			if !strings.HasPrefix(env, "<") || !strings.HasSuffix(env, ">") {
				t.Fatalf("ParseAddress(%q): envelope %q not in angle brackets", s, env)
			}
			if inner := env[1 : len(env)-1]; strings.ContainsAny(inner, "<>\r\n\x00 \t") {
				t.Fatalf("ParseAddress(%q): envelope %q can break an SMTP command", s, env)
			}
			if !utf8.ValidString(env) {
				t.Fatalf("ParseAddress(%q): envelope %q is not UTF-8", s, env)
			}
		}
		if len(a.Email()) > domain.MaxAddressLength || len(a.LocalPart()) > domain.MaxLocalPartLength {
			t.Fatalf("ParseAddress(%q): %q exceeds the limits", s, a.Email())
		}
		if ascii, _ := a.ASCIIEmail(); len(ascii) > domain.MaxAddressLength {
			t.Fatalf("ParseAddress(%q): ASCII form %q exceeds 254 octets", s, ascii)
		}
		for _, h := range []string{a.String(), a.Header(true)} {
			if strings.ContainsAny(h, "\r\n\x00") {
				t.Fatalf("ParseAddress(%q): header form %q has a line break", s, h)
			}
			back, err := domain.ParseAddress(h)
			if err != nil {
				t.Fatalf("ParseAddress(%q) accepted, but its header form %q does not parse: %v", s, h, err)
			}
			if !back.Equal(a) || !a.Equal(back) {
				t.Fatalf("ParseAddress(%q) = %q; header form %q parses to %q", s, a.Email(), h, back.Email())
			}
			if back.Name() != a.Name() {
				t.Fatalf("ParseAddress(%q): name %q becomes %q through %q", s, a.Name(), back.Name(), h)
			}
		}
		if again, err := domain.NewAddress(a.Name(), a.Email()); err != nil || !again.Equal(a) || again.LocalPart() != a.LocalPart() {
			t.Fatalf("NewAddress(%q, %q) = %q, %v; not stable", a.Name(), a.Email(), again.Email(), err)
		}
	})
}

func FuzzNewAddress(f *testing.F) {
	for _, s := range [][2]string{
		{"", "a@example.com"}, {"Alice", `"a:b"@example.com`}, {"", `"a\"b"@example.com`}, {"", `"\"@x.com`},
		{"Zoë", "jörg@bücher.de"}, {"", "a@[IPv6:2001:DB8::1]"}, {"", "a@[192.0.2.1]"}, {"x\r\ny", "a@b.c"}, {"", `"a>"@x.com`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, email string) {
		a, err := domain.NewAddress(name, email)
		if err != nil {
			if domain.KindOf(err) != domain.KindInvalidInput {
				t.Fatalf("NewAddress(%q, %q) error kind %v", name, email, domain.KindOf(err))
			}
			return
		}
		for _, env := range []string{a.Envelope(false), a.Envelope(true)} {
			if inner := env[1 : len(env)-1]; strings.ContainsAny(inner, "<>\r\n\x00 \t") {
				t.Fatalf("NewAddress(%q): envelope %q can break an SMTP command", email, env)
			}
		}
		back, err := domain.ParseAddress(a.String())
		if err != nil || !back.Equal(a) || back.Name() != a.Name() {
			t.Fatalf("NewAddress(%q, %q) = %q; ParseAddress(%q) = %q %q, %v", name, email, a.Email(), a.String(), back.Email(), back.Name(), err)
		}
	})
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"250 OK", "250", "250-mx.example.com\r\n250-SIZE 1000\r\n250 8BITMIME", "550 5.1.1 no such user",
		"421-4.7.0 Try again\r\n421 4.7.0 later", "250 5.1.1 odd", "550 5.1.1000 x", "550 6.1.1 x",
		"250-a\r\n251 b", "250-a", "250 a\r\n250 b", "99 x", "", "\r\n", "2500 x", "250 a\nb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Split(s, "\r\n")
		for _, line := range lines {
			code, more, text, err := domain.ParseReplyLine(line)
			if err != nil {
				if domain.KindOf(err) != domain.KindInvalidResponse {
					t.Fatalf("ParseReplyLine(%q) error kind %v", line, domain.KindOf(err))
				}
				continue
			}
			if code < 200 || code > 559 || code%100 > 59 {
				t.Fatalf("ParseReplyLine(%q) code %d", line, code)
			}
			if strings.ContainsAny(text, "\r\n\x00") {
				t.Fatalf("ParseReplyLine(%q) text %q has a control character", line, text)
			}
			if more && line[3] != '-' {
				t.Fatalf("ParseReplyLine(%q) says more without a hyphen", line)
			}
		}
		r, err := domain.ParseReply(lines)
		if err != nil {
			if domain.KindOf(err) != domain.KindInvalidResponse {
				t.Fatalf("ParseReply(%q) error kind %v", lines, domain.KindOf(err))
			}
			return
		}
		if r.Code < 200 || r.Code > 599 {
			t.Fatalf("ParseReply(%q) code %d", lines, r.Code)
		}
		if len(r.Lines) != len(lines) {
			t.Fatalf("ParseReply(%q) has %d lines, want %d", lines, len(r.Lines), len(lines))
		}
		if !r.Enhanced.IsZero() && r.Enhanced.Class != r.Code/100 {
			t.Fatalf("ParseReply(%q): enhanced %v does not match code %d", lines, r.Enhanced, r.Code)
		}
		kinds := 0
		for _, b := range []bool{r.Positive(), r.Intermediate(), r.TransientNegative(), r.PermanentNegative()} {
			if b {
				kinds++
			}
		}
		if kinds != 1 {
			t.Fatalf("ParseReply(%q): code %d falls in %d classes", lines, r.Code, kinds)
		}
		e := domain.ReplyError(domain.StageRcpt, r)
		if (e != nil) != (r.Code >= 400) {
			t.Fatalf("ReplyError(%d) = %v", r.Code, e)
		}
		if e != nil && (e.Kind == domain.KindUnknown || e.Code != r.Code || domain.IsTemporary(e) == domain.IsPermanent(e)) {
			t.Fatalf("ReplyError(%q) = %+v", lines, e)
		}
		for i, line := range lines {
			if strings.Contains(r.Lines[i], "\r") || len(r.Lines[i]) > len(line) {
				t.Fatalf("ParseReply(%q): line %d text %q", lines, i, r.Lines[i])
			}
		}
	})
}

func FuzzParseEHLO(f *testing.F) {
	for _, s := range []string{
		"mx.example.com\nPIPELINING\nSIZE 10240000\nSTARTTLS\nAUTH PLAIN LOGIN\n8BITMIME",
		"smtp.gmail.com at your service\nAUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
		"x\nAUTH=LOGIN PLAIN\nAUTH LOGIN", "x\nauth auto\nsize", "x\nSIZE 0\nSIZE -1\nSIZE 99999999999999999999",
		"", "\n\n", "x\n=\nAUTH=\n AUTH", "x\nAUTH\tPLAIN",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := domain.ParseEHLO(strings.Split(s, "\n"))
		for _, m := range c.Auth {
			if m == domain.AuthAuto {
				t.Fatalf("ParseEHLO(%q): AuthAuto in Auth", s)
			}
			found := false
			for _, raw := range c.AuthRaw {
				found = found || raw == m.String()
			}
			if !found {
				t.Fatalf("ParseEHLO(%q): %v in Auth but not in AuthRaw %q", s, m, c.AuthRaw)
			}
			if !c.SupportsAuth(m) {
				t.Fatalf("ParseEHLO(%q): SupportsAuth(%v) = false", s, m)
			}
		}
		seen := map[string]bool{}
		for _, raw := range c.AuthRaw {
			if seen[raw] || raw != asciiUpper(raw) || raw == "" {
				t.Fatalf("ParseEHLO(%q): AuthRaw %q has a duplicate, lower-case or empty name", s, c.AuthRaw)
			}
			seen[raw] = true
		}
		if c.MaxSize < 0 || (c.MaxSize > 0 && !c.Size) {
			t.Fatalf("ParseEHLO(%q): Size %v MaxSize %d", s, c.Size, c.MaxSize)
		}
		for kw := range c.Params {
			if kw != asciiUpper(kw) || !c.Has(kw) || !c.Has(asciiLower(kw)) {
				t.Fatalf("ParseEHLO(%q): keyword %q not upper-case or not found by Has", s, kw)
			}
		}
		if len(c.AuthRaw) > 0 && !c.Has("AUTH") {
			t.Fatalf("ParseEHLO(%q): mechanisms without an AUTH keyword", s)
		}
	})
}

func FuzzCheckHeaderValue(f *testing.F) {
	for _, s := range []string{"plain", "tab\there", "ünïcödé", "a\r\nBcc: x", "a\nb", "a\rb", "\x00", "\x7f", "\u2028", "\xff\xfe"} {
		f.Add("X-Test", s)
	}
	f.Add("Bad:Name", "x")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, name, value string) {
		if err := domain.CheckHeaderValue(name, value); err == nil {
			if strings.ContainsAny(value, "\r\n\x00") {
				t.Fatalf("CheckHeaderValue accepted %q", value)
			}
		} else if domain.KindOf(err) != domain.KindInvalidHeader {
			t.Fatalf("CheckHeaderValue(%q) error kind %v", value, domain.KindOf(err))
		}
		if err := domain.CheckHeaderName(name); err == nil {
			if name == "" || strings.ContainsAny(name, ":\r\n\x00 \t") {
				t.Fatalf("CheckHeaderName accepted %q", name)
			}
		}
		e := domain.Email{
			From:    domain.MustParseAddress("a@example.com"),
			To:      []domain.Address{domain.MustParseAddress("b@example.com")},
			Subject: value,
			Headers: []domain.Header{{Name: name, Value: value}},
		}
		if e.Validate() == nil && (strings.ContainsAny(value, "\r\n\x00") || strings.ContainsAny(name, ":\r\n\x00")) {
			t.Fatalf("Validate accepted header %q: %q", name, value)
		}
	})
}

// asciiUpper and asciiLower change ASCII letters only, byte by byte, so
// that invalid UTF-8 survives them.
func asciiUpper(s string) string { return mapASCII(s, 'a', 'z', 'A'-'a') }

func asciiLower(s string) string { return mapASCII(s, 'A', 'Z', 'a'-'A') }

func mapASCII(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}
