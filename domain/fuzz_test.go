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
		for _, env := range []string{smtpPath(a, false), smtpPath(a, true)} {
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
		for _, env := range []string{smtpPath(a, false), smtpPath(a, true)} {
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

// smtpPath is a as the tcp adapter writes it in MAIL and RCPT,
// "<local@domain>", the domain in punycode when ascii is set.
func smtpPath(a domain.Address, ascii bool) string {
	if ascii {
		return "<" + a.LocalPart() + "@" + a.ASCIIDomain() + ">"
	}
	return "<" + a.Email() + ">"
}
