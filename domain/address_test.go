package domain_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/integrations/smtp/domain"
)

func TestParseAddressAccepts(t *testing.T) {
	tests := []struct {
		name       string
		give       string
		wantName   string
		wantLocal  string
		wantDomain string
		wantASCII  string // ASCIIDomain; the domain when empty
	}{
		{name: "bare", give: "alice@example.com", wantLocal: "alice", wantDomain: "example.com"},
		{name: "angle only", give: "<alice@example.com>", wantLocal: "alice", wantDomain: "example.com"},
		{name: "surrounding space", give: "  alice@example.com  ", wantLocal: "alice", wantDomain: "example.com"},
		{name: "plain name", give: "Alice Liddell <alice@example.com>", wantName: "Alice Liddell", wantLocal: "alice", wantDomain: "example.com"},
		{name: "quoted name with comma", give: `"Liddell, Alice" <alice@example.com>`, wantName: "Liddell, Alice", wantLocal: "alice", wantDomain: "example.com"},
		{name: "quoted name with escaped quote", give: `"Alice \"Al\" L" <alice@example.com>`, wantName: `Alice "Al" L`, wantLocal: "alice", wantDomain: "example.com"},
		{name: "RFC 2047 Q name", give: "=?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jm@example.com>", wantName: "Jörg Müller", wantLocal: "jm", wantDomain: "example.com"},
		{name: "RFC 2047 B name", give: "=?UTF-8?B?5bGx55Sw?= <yamada@example.jp>", wantName: "山田", wantLocal: "yamada", wantDomain: "example.jp"},
		{name: "raw UTF-8 name", give: "Jörg <jm@example.com>", wantName: "Jörg", wantLocal: "jm", wantDomain: "example.com"},
		{name: "atext specials", give: "a.b+tag!#$%&'*/=?^_`{|}~-@example.com", wantLocal: "a.b+tag!#$%&'*/=?^_`{|}~-", wantDomain: "example.com"},
		{name: "upper-case domain kept", give: "bob@Example.COM", wantLocal: "bob", wantDomain: "Example.COM"},
		{name: "needless quotes dropped", give: `"john.doe"@example.com`, wantLocal: "john.doe", wantDomain: "example.com"},
		{name: "needed quotes kept", give: `"a:b"@example.com`, wantLocal: `"a:b"`, wantDomain: "example.com"},
		{name: "quoted with escaped quote", give: `"a\"b"@example.com`, wantLocal: `"a\"b"`, wantDomain: "example.com"},
		{name: "quoted double dot", give: `"a..b"@example.com`, wantLocal: `"a..b"`, wantDomain: "example.com"},
		{name: "IPv4 literal", give: "postmaster@[192.0.2.1]", wantLocal: "postmaster", wantDomain: "[192.0.2.1]"},
		{name: "IPv6 literal", give: "postmaster@[IPv6:::1]", wantLocal: "postmaster", wantDomain: "[IPv6:::1]"},
		{name: "IPv6 literal in angles", give: "Root <root@[IPv6:2001:DB8:0:0::1]>", wantName: "Root", wantLocal: "root", wantDomain: "[IPv6:2001:db8::1]"},
		{name: "IPv6 literal lower-case tag", give: "a@[ipv6:2001:db8::2]", wantLocal: "a", wantDomain: "[IPv6:2001:db8::2]"},
		{name: "IPv4-mapped IPv6 literal", give: "a@[IPv6:::ffff:192.0.2.1]", wantLocal: "a", wantDomain: "[IPv6:::ffff:192.0.2.1]"},
		{name: "IDN domain", give: "info@bücher.de", wantLocal: "info", wantDomain: "bücher.de", wantASCII: "xn--bcher-kva.de"},
		{name: "IDN domain with name", give: "Bücher <info@BÜCHER.de>", wantName: "Bücher", wantLocal: "info", wantDomain: "BÜCHER.de", wantASCII: "xn--bcher-kva.de"},
		{name: "UTF-8 local part", give: "jörg@example.com", wantLocal: "jörg", wantDomain: "example.com"},
		{name: "all international", give: "用户@例子.广告", wantLocal: "用户", wantDomain: "例子.广告", wantASCII: "xn--fsqu00a.xn--4rr70v"},
		{name: "64-octet local part", give: strings.Repeat("a", 64) + "@example.com", wantLocal: strings.Repeat("a", 64), wantDomain: "example.com"},
		{name: "63-octet label", give: "a@" + strings.Repeat("b", 63) + ".com", wantLocal: "a", wantDomain: strings.Repeat("b", 63) + ".com"},
		{name: "digit and hyphen labels", give: "a@1-2.3com.example", wantLocal: "a", wantDomain: "1-2.3com.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseAddress(tt.give)
			if err != nil {
				t.Fatalf("ParseAddress(%q) error: %v", tt.give, err)
			}
			wantASCII := tt.wantASCII
			if wantASCII == "" {
				wantASCII = tt.wantDomain
			}
			if got.Name() != tt.wantName || got.LocalPart() != tt.wantLocal || got.Domain() != tt.wantDomain || got.ASCIIDomain() != wantASCII {
				t.Errorf("ParseAddress(%q) = name %q local %q domain %q ascii %q; want %q %q %q %q",
					tt.give, got.Name(), got.LocalPart(), got.Domain(), got.ASCIIDomain(), tt.wantName, tt.wantLocal, tt.wantDomain, wantASCII)
			}
			if got.IsZero() {
				t.Error("IsZero() = true for a parsed address")
			}
			if want := tt.wantLocal + "@" + tt.wantDomain; got.Email() != want {
				t.Errorf("Email() = %q, want %q", got.Email(), want)
			}
			if want := tt.wantLocal + "@" + tt.wantDomain; got.Email() != want {
				t.Errorf("Email() = %q, want %q", got.Email(), want)
			}
			if want := tt.wantLocal + "@" + wantASCII; got.LocalPart()+"@"+got.ASCIIDomain() != want {
				t.Errorf("ASCII mailbox = %q, want %q", got.LocalPart()+"@"+got.ASCIIDomain(), want)
			}
			// Every header form parses back to the same mailbox and name.
			for _, h := range []string{got.String(), got.Header(true)} {
				back, err := domain.ParseAddress(h)
				if err != nil {
					t.Fatalf("ParseAddress(%q) (header form) error: %v", h, err)
				}
				if !back.Equal(got) || back.Name() != got.Name() {
					t.Errorf("header form %q parsed to %q/%q, want %q/%q", h, back.Email(), back.Name(), got.Email(), got.Name())
				}
			}
		})
	}
}

func TestParseAddressRejects(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{name: "empty", give: ""},
		{name: "blank", give: "   "},
		{name: "no at", give: "alice.example.com"},
		{name: "two ats", give: "a@b@example.com"},
		{name: "at inside quotes", give: `"a@b"@example.com`},
		{name: "empty local", give: "@example.com"},
		{name: "empty domain", give: "alice@"},
		{name: "local too long", give: strings.Repeat("a", 65) + "@example.com"},
		{name: "quoted local too long", give: `"` + strings.Repeat("a", 62) + `:"@example.com`},
		{name: "label too long", give: "a@" + strings.Repeat("b", 64) + ".com"},
		{name: "domain too long", give: "a@" + strings.Repeat(strings.Repeat("b", 60)+".", 5) + "com"},
		{name: "address too long", give: strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 62)+".", 3) + "com"},
		{name: "address too long in ASCII form", give: strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("ü", 30)+".", 4) + "de"},
		{name: "leading dot", give: ".alice@example.com"},
		{name: "trailing dot", give: "alice.@example.com"},
		{name: "double dot", give: "al..ice@example.com"},
		{name: "domain trailing dot", give: "alice@example.com."},
		{name: "domain empty label", give: "alice@example..com"},
		{name: "domain leading hyphen", give: "alice@-example.com"},
		{name: "domain trailing hyphen", give: "alice@example-.com"},
		{name: "domain underscore", give: "alice@exa_mple.com"},
		{name: "bad IDN", give: "alice@ex\u200dample.com"},
		{name: "CR", give: "alice@example.com\r"},
		{name: "LF in middle", give: "ali\nce@example.com"},
		{name: "CRLF injection", give: "alice@example.com>\r\nRCPT TO:<evil@example.com"},
		{name: "NUL", give: "alice\x00@example.com"},
		{name: "DEL", give: "alice\x7f@example.com"},
		{name: "C1 control", give: "alice\u0085@example.com"},
		{name: "tab in name", give: "Al\tice <alice@example.com>"},
		{name: "trailing tab", give: "alice@example.com\t"},
		{name: "encoded CR in name", give: "=?utf-8?q?a=0Db?= <alice@example.com>"},
		{name: "encoded LF in name", give: "=?utf-8?b?YQpi?= <alice@example.com>"},
		{name: "quoted closing bracket", give: `"a>b"@example.com`},
		{name: "quoted opening bracket", give: `"a<b"@example.com`},
		{name: "quoted space", give: `"john doe"@example.com`},
		{name: "quoted bracket in angles", give: `Eve <"x>"@example.com>`},
		{name: "local bracket", give: "a>b@example.com"},
		{name: "unclosed angle", give: "Alice <alice@example.com"},
		{name: "space in local", give: "al ice@example.com"},
		{name: "comma list", give: "a@example.com, b@example.com"},
		{name: "group", give: "undisclosed-recipients:;"},
		{name: "untagged IPv6 literal", give: "a@[::1]"},
		{name: "IPv4 literal out of range", give: "a@[999.1.1.1]"},
		{name: "IPv4 literal leading zero", give: "a@[192.0.2.01]"},
		{name: "IPv4 literal three parts", give: "a@[192.0.2]"},
		{name: "IPv4 under IPv6 tag", give: "a@[IPv6:192.0.2.1]"},
		{name: "IPv6 with zone", give: "a@[IPv6:fe80::1%eth0]"},
		{name: "IPv6 malformed", give: "a@[IPv6:1::2::3]"},
		{name: "empty literal", give: "a@[]"},
		{name: "general literal", give: "a@[x400:abc]"},
		{name: "invalid UTF-8", give: "a\xff@example.com"},
		{name: "empty quoted local", give: `""@example.com`},
		{name: "stray closing bracket", give: "a@example.com]"},
		{name: "long error quote cut on a rune boundary", give: "a" + strings.Repeat("ü", 100) + "@@example.com"},
		{name: "IDN domain too long in ASCII form", give: "a@" + strings.Repeat("bücher.", 23) + "de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseAddress(tt.give)
			if err == nil {
				t.Fatalf("ParseAddress(%q) = %q (name %q), want an error", tt.give, got.Email(), got.Name())
			}
			if k := domain.KindOf(err); k != domain.KindInvalidInput {
				t.Errorf("KindOf = %v, want %v", k, domain.KindInvalidInput)
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Op != "parse address" {
				t.Errorf("error %v is not a *domain.Error of op \"parse address\"", err)
			}
			if strings.ContainsAny(err.Error(), "\r\n\x00") {
				t.Errorf("error message %q carries a raw control character", err.Error())
			}
			if utf8.ValidString(tt.give) && !utf8.ValidString(err.Error()) {
				t.Errorf("error message %q is not valid UTF-8", err.Error())
			}
			if !got.IsZero() {
				t.Errorf("rejected address is not zero: %q", got.Email())
			}
		})
	}
}

func TestNewAddress(t *testing.T) {
	tests := []struct {
		name      string
		giveName  string
		give      string
		wantLocal string // "" means an error is wanted
		wantDom   string
	}{
		{name: "plain", give: "a@example.com", wantLocal: "a", wantDom: "example.com"},
		{name: "quoted kept", give: `"a:b"@example.com`, wantLocal: `"a:b"`, wantDom: "example.com"},
		{name: "quoted dropped", give: `"ab"@example.com`, wantLocal: "ab", wantDom: "example.com"},
		{name: "needless escape dropped", give: `"a\b"@example.com`, wantLocal: "ab", wantDom: "example.com"},
		{name: "escaped backslash kept", give: `"a\\b"@example.com`, wantLocal: `"a\\b"`, wantDom: "example.com"},
		{name: "UTF-8 in quotes", give: `"jö:rg"@example.com`, wantLocal: `"jö:rg"`, wantDom: "example.com"},
		{name: "IPv6 literal canonical", give: "a@[IPv6:2001:0DB8::0001]", wantLocal: "a", wantDom: "[IPv6:2001:db8::1]"},
		{name: "name with control", giveName: "a\x00b", give: "a@example.com"},
		{name: "name invalid UTF-8", giveName: "\xc3", give: "a@example.com"},
		{name: "empty quoted", give: `""@example.com`},
		{name: "unterminated quote", give: `"ab@example.com`},
		{name: "quote in middle", give: `"a"b"@example.com`},
		{name: "escaped closing quote", give: `"\"@example.com`},
		{name: "trailing backslash", give: `"a\"@example.com`},
		{name: "stray quote unquoted", give: `a"b@example.com`},
		{name: "backslash unquoted", give: `a\b@example.com`},
		{name: "quoted DEL", give: "\"a\x7f\"@example.com"},
		{name: "quoted bracket", give: `"a>"@example.com`},
		{name: "quoted tab", give: "\"a\tb\"@example.com"},
		{name: "literal with zone", give: "a@[IPv6:fe80::1%25eth0]"},
		{name: "literal without bracket", give: "a@[192.0.2.1"},
		{name: "literal IPv6 untagged", give: "a@[2001:db8::1]"},
		{name: "name line break", giveName: "A\r\nBcc: x@example.com", give: "a@example.com"},
		{name: "empty local", give: "@example.com"},
		{name: "empty domain", give: "a@"},
		{name: "leading dot", give: ".a@example.com"},
		{name: "trailing dot", give: "a.@example.com"},
		{name: "no at", give: "example.com"},
		{name: "over 254 octets", give: strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 62)+".", 3) + "com"},
		{name: "over 254 octets only in ASCII form", give: strings.Repeat("a", 64) + "@" + strings.Repeat("bücher.", 14) + "de"},
		{name: "fits in its ASCII form", give: strings.Repeat("a", 64) + "@" + strings.Repeat("bücher.", 12) + strings.Repeat("x", 11) + ".de", wantLocal: strings.Repeat("a", 64), wantDom: strings.Repeat("bücher.", 12) + strings.Repeat("x", 11) + ".de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.NewAddress(tt.giveName, tt.give)
			if tt.wantLocal == "" {
				if err == nil {
					t.Fatalf("NewAddress(%q, %q) = %q, want an error", tt.giveName, tt.give, got.Email())
				}
				if !errors.Is(err, domain.KindInvalidInput) {
					t.Errorf("error %v is not KindInvalidInput", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewAddress(%q, %q) error: %v", tt.giveName, tt.give, err)
			}
			if got.LocalPart() != tt.wantLocal || got.Domain() != tt.wantDom {
				t.Errorf("got %q @ %q, want %q @ %q", got.LocalPart(), got.Domain(), tt.wantLocal, tt.wantDom)
			}
			back, err := domain.ParseAddress(got.String())
			if err != nil || !back.Equal(got) {
				t.Errorf("ParseAddress(%q) = %q, %v; want it equal to %q", got.String(), back.Email(), err, got.Email())
			}
		})
	}
}

func TestAddressHeader(t *testing.T) {
	tests := []struct {
		name      string
		give      string
		wantUTF8  string // Header(false) and String()
		wantASCII string // Header(true)
	}{
		{name: "no name", give: "a@example.com", wantUTF8: "a@example.com", wantASCII: "a@example.com"},
		{name: "simple name", give: "Alice <a@example.com>", wantUTF8: `"Alice" <a@example.com>`, wantASCII: `"Alice" <a@example.com>`},
		{name: "name needing quotes", give: `"Liddell, Alice" <a@example.com>`, wantUTF8: `"Liddell, Alice" <a@example.com>`, wantASCII: `"Liddell, Alice" <a@example.com>`},
		{name: "name with quote", give: `"Al \"the\" Ice" <a@example.com>`, wantUTF8: `"Al \"the\" Ice" <a@example.com>`, wantASCII: `"Al \"the\" Ice" <a@example.com>`},
		{name: "non-ASCII name", give: "Jörg <j@example.com>", wantUTF8: "=?utf-8?q?J=C3=B6rg?= <j@example.com>", wantASCII: "=?utf-8?q?J=C3=B6rg?= <j@example.com>"},
		{name: "IDN domain", give: "Info <info@bücher.de>", wantUTF8: `"Info" <info@bücher.de>`, wantASCII: `"Info" <info@xn--bcher-kva.de>`},
		{name: "quoted local", give: `"a:b"@example.com`, wantUTF8: `"a:b"@example.com`, wantASCII: `"a:b"@example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := domain.MustParseAddress(tt.give)
			if got := a.Header(false); got != tt.wantUTF8 {
				t.Errorf("Header(false) = %q, want %q", got, tt.wantUTF8)
			}
			if got := a.String(); got != tt.wantUTF8 {
				t.Errorf("String() = %q, want %q", got, tt.wantUTF8)
			}
			if got := a.Header(true); got != tt.wantASCII {
				t.Errorf("Header(true) = %q, want %q", got, tt.wantASCII)
			}
		})
	}
}

func TestAddressInternational(t *testing.T) {
	tests := []struct {
		give              string
		wantSMTPUTF8      bool
		wantInternational bool
		wantASCIIEmail    string
		wantASCIIOK       bool
	}{
		{give: "a@example.com", wantASCIIEmail: "a@example.com", wantASCIIOK: true},
		{give: "a@bücher.de", wantInternational: true, wantASCIIEmail: "a@xn--bcher-kva.de", wantASCIIOK: true},
		{give: "jörg@example.com", wantSMTPUTF8: true, wantInternational: true, wantASCIIEmail: "jörg@example.com"},
		{give: "Jörg <j@example.com>", wantASCIIEmail: "j@example.com", wantASCIIOK: true}, // a non-ASCII name is RFC 2047's business
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			a := domain.MustParseAddress(tt.give)
			if got := a.NeedsSMTPUTF8(); got != tt.wantSMTPUTF8 {
				t.Errorf("NeedsSMTPUTF8() = %v, want %v", got, tt.wantSMTPUTF8)
			}
			if got := a.NeedsSMTPUTF8() || a.Domain() != a.ASCIIDomain(); got != tt.wantInternational {
				t.Errorf("international = %v, want %v", got, tt.wantInternational)
			}
			got, ok := a.ASCIIEmail()
			if got != tt.wantASCIIEmail || ok != tt.wantASCIIOK {
				t.Errorf("ASCIIEmail() = %q, %v; want %q, %v", got, ok, tt.wantASCIIEmail, tt.wantASCIIOK)
			}
		})
	}
}

func TestAddressEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{a: "a@example.com", b: "a@example.com", want: true},
		{a: "Alice <a@example.com>", b: "Other Name <a@example.com>", want: true},
		{a: "a@Example.COM", b: "a@example.com", want: true},
		{a: "a@bücher.de", b: "a@xn--bcher-kva.de", want: true},
		{a: "a@BÜCHER.de", b: "a@bücher.de", want: true},
		{a: `"a.b"@example.com`, b: "a.b@example.com", want: true},
		{a: "a@[IPv6:2001:db8::1]", b: "a@[IPv6:2001:DB8:0::1]", want: true},
		{a: "A@example.com", b: "a@example.com", want: false}, // local parts are case-sensitive
		{a: "a@example.com", b: "a@example.org", want: false},
		{a: "a@example.com", b: "b@example.com", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, b := domain.MustParseAddress(tt.a), domain.MustParseAddress(tt.b)
			if got := a.Equal(b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			if got := b.Equal(a); got != tt.want {
				t.Errorf("Equal is not symmetric: %v", got)
			}
		})
	}
}

func TestAddressWithName(t *testing.T) {
	a := domain.MustParseAddress("Old <a@example.com>")
	tests := []struct {
		name    string
		give    string
		wantErr bool
	}{
		{name: "new name", give: "New Name"},
		{name: "cleared", give: ""},
		{name: "unicode", give: "Zoë"},
		{name: "CRLF", give: "x\r\nBcc: evil@example.com", wantErr: true},
		{name: "NUL", give: "x\x00", wantErr: true},
		{name: "invalid UTF-8", give: "\xff", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.WithName(tt.give)
			if tt.wantErr {
				if !errors.Is(err, domain.KindInvalidInput) {
					t.Fatalf("WithName(%q) error = %v, want KindInvalidInput", tt.give, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("WithName(%q) error: %v", tt.give, err)
			}
			if got.Name() != tt.give || !got.Equal(a) {
				t.Errorf("WithName(%q) = %q <%s>", tt.give, got.Name(), got.Email())
			}
			if a.Name() != "Old" {
				t.Errorf("WithName changed the receiver's name to %q", a.Name())
			}
		})
	}
}

func TestAddressZero(t *testing.T) {
	var a domain.Address
	if !a.IsZero() {
		t.Error("zero Address: IsZero() = false")
	}
	if got := a.Email(); got != "" {
		t.Errorf("Email() = %q, want \"\"", got)
	}
	if got, ok := a.ASCIIEmail(); got != "" || !ok {
		t.Errorf("ASCIIEmail() = %q, %v; want \"\", true", got, ok)
	}
	if got := a.Header(true); got != "" {
		t.Errorf("Header(true) = %q, want \"\"", got)
	}
	if a.NeedsSMTPUTF8() || a.Domain() != a.ASCIIDomain() {
		t.Error("zero Address claims to be international")
	}
}

func TestMustParseAddressPanics(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || domain.KindOf(err) != domain.KindInvalidInput {
			t.Errorf("recover() = %v, want a KindInvalidInput error", r)
		}
	}()
	domain.MustParseAddress("not an address")
	t.Error("MustParseAddress did not panic")
}

// TestEnvelopeNeverInjects feeds hostile inputs through ParseAddress: each is
// either refused or yields an envelope with exactly one pair of brackets and
// no line break.
func TestEnvelopeNeverInjects(t *testing.T) {
	hostile := []string{
		"a@example.com>\r\nDATA",
		"<a@example.com> SIZE=1",
		`"a>"@example.com`,
		`"a\>"@example.com`,
		`"a\` + "\r" + `"@example.com`,
		"=?utf-8?q?=3E?= <a@example.com>",
		"\"<x@y>\" <a@example.com>",
		"a@[IPv6:::1]>\r\n",
		"a@[IPv6:::1>]",
		"a@example.com\u2028",
		"a@ex\uff1eample.com", // fullwidth ">" maps to ">" under IDNA
		"a\uff1e@example.com",
	}
	for _, give := range hostile {
		t.Run(give, func(t *testing.T) {
			a, err := domain.ParseAddress(give)
			if err != nil {
				return
			}
			for _, inner := range []string{a.Email(), a.LocalPart() + "@" + a.ASCIIDomain()} {
				if strings.ContainsAny(inner, "<>\r\n\x00 ") {
					t.Errorf("ParseAddress(%q) accepted, mailbox %q can break the command", give, inner)
				}
			}
		})
	}
}
