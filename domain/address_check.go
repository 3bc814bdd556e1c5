package domain

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/integrations/smtp/internal/rfc5322"
)

// validateLocal checks a local part and returns its canonical form: a
// dot-atom as it is, a quoted string unquoted when it is a dot-atom inside,
// else quoted with the fewest backslashes.
func validateLocal(email, local string) (string, error) {
	if local == "" {
		return "", addrError(email, "empty local part")
	}
	if len(local) > maxLocalPartLength {
		return "", addrError(email, "local part longer than 64 octets")
	}
	if strings.HasPrefix(local, `"`) {
		content, ok := unquoteLocal(local)
		if !ok {
			return "", addrError(email, "malformed quoted local part")
		}
		// The canonical form is never longer than the quoted one.
		return quoteLocal(content), nil
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", addrError(email, "local part has a misplaced dot")
	}
	for _, r := range local {
		if r < 0x80 && !rfc5322.IsAtext(byte(r)) && r != '.' {
			return "", addrError(email, "local part contains "+quoteRune(r))
		}
	}
	return local, nil
}

// unquoteLocal returns the content of an RFC 5321 Quoted-string local part
// (qtextSMTP and quoted-pairSMTP, UTF-8 allowed by RFC 6531). Space is not
// accepted, nor an empty string.
func unquoteLocal(q string) (string, bool) {
	if len(q) < 3 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(q)-1; i++ {
		c := q[i]
		if c == '\\' {
			i++
			if i == len(q)-1 || q[i] < 33 || q[i] > 126 {
				return "", false
			}
			b.WriteByte(q[i])
			continue
		}
		if c == '"' || c < 33 || c == 127 {
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// quoteLocal returns content as a dot-atom when it is one, else as a quoted
// string with '"' and '\' escaped.
func quoteLocal(content string) string {
	if rfc5322.IsDotAtom(content) {
		return content
	}
	return rfc5322.Quote(content)
}

var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(), idna.StrictDomainName(true))

// validateDomain checks a domain and returns it (an address literal in its
// canonical form) with its ASCII form.
func validateDomain(email, dom string) (string, string, error) {
	if dom == "" {
		return "", "", addrError(email, "empty domain")
	}
	if strings.HasPrefix(dom, "[") {
		lit, ok := addressLiteral(dom)
		if !ok {
			return "", "", addrError(email, "malformed address literal (want [192.0.2.1] or [IPv6:2001:db8::1])")
		}
		return lit, lit, nil
	}
	ascii := dom
	if !rfc5322.IsASCII(dom) {
		a, err := idnaProfile.ToASCII(dom)
		if err != nil {
			return "", "", addrError(email, "invalid international domain: "+err.Error())
		}
		ascii = a
	}
	if len(ascii) > maxDomainLength {
		return "", "", addrError(email, "domain longer than 253 octets")
	}
	for _, label := range strings.Split(ascii, ".") {
		if label == "" || len(label) > 63 {
			return "", "", addrError(email, "domain label empty or longer than 63 octets")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", "", addrError(email, "domain label starts or ends with a hyphen")
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "", "", addrError(email, "domain contains "+quoteRune(rune(c)))
			}
		}
	}
	return dom, ascii, nil
}

// addressLiteral checks an RFC 5321 address literal: "[" IPv4 dotted quad
// "]" or "[IPv6:" IPv6 address (no zone) "]". It returns the canonical form.
func addressLiteral(dom string) (string, bool) {
	if len(dom) < 3 || dom[0] != '[' || dom[len(dom)-1] != ']' {
		return "", false
	}
	lit := dom[1 : len(dom)-1]
	if len(lit) > 5 && strings.EqualFold(lit[:5], "IPv6:") {
		ip, err := netip.ParseAddr(lit[5:])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", false
		}
		return "[IPv6:" + ip.String() + "]", true
	}
	ip, err := netip.ParseAddr(lit)
	if err != nil || !ip.Is4() {
		return "", false
	}
	return "[" + ip.String() + "]", true
}

func checkControl(what, s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return &Error{Kind: KindInvalidInput, Op: "parse address", Message: what + " contains a control character " + quoteRune(r) + " (CR, LF and NUL are never allowed)"}
		}
	}
	return nil
}

func addrError(email, reason string) *Error {
	return &Error{Kind: KindInvalidInput, Op: "parse address", Message: quoteForError(email) + ": " + reason}
}

func quoteRune(r rune) string {
	switch r {
	case '\r':
		return `"\r"`
	case '\n':
		return `"\n"`
	case 0:
		return `"\x00"`
	}
	return quoteASCII(string(r))
}

func quoteASCII(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func quoteForError(s string) string {
	if len(s) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut-- // never split a UTF-8 sequence
		}
		s = s[:cut] + "..."
	}
	return quoteASCII(s)
}
