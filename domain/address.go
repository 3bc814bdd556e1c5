package domain

import (
	stdmime "mime"
	"net/mail"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits of RFC 5321 section 4.5.3.1 and the specification's section 8.4.1.
const (
	MaxLocalPartLength = 64
	MaxDomainLength    = 253
	MaxAddressLength   = 254
)

// Address is a validated mailbox: a local part, a domain and an optional
// display name. The zero Address is invalid ("no address"); build one with
// ParseAddress or NewAddress.
//
// An international domain is kept in its Unicode form (Domain) and offered
// in its ASCII (punycode) form (ASCIIDomain) for servers without SMTPUTF8.
type Address struct {
	name        string
	local       string
	domain      string // as given, Unicode normalised to lower-case-insensitive comparison not applied
	asciiDomain string
}

// ParseAddress parses "Name <local@domain>", "<local@domain>" or
// "local@domain" and validates the result (see NewAddress). Display names
// may be quoted or RFC 2047 encoded. A quoted local part is kept quoted only
// when it needs the quotes ("john.doe"@x.com becomes john.doe@x.com). An
// IPv6 address literal ("a@[IPv6:2001:db8::1]") must be the last thing in
// s, before an optional closing ">". Errors are *Error of KindInvalidInput.
func ParseAddress(s string) (Address, error) {
	if err := checkControl("address", s); err != nil {
		return Address{}, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, addrError(s, "empty address")
	}
	// net/mail knows "[1.2.3.4]" and an untagged "[::1]" but not the
	// "IPv6:" tag that RFC 5321 requires: hide the tag from it and put it
	// back afterwards.
	input, tag := untagIPv6Literal(s)
	parsed, err := mail.ParseAddress(input)
	if err != nil {
		return Address{}, &Error{Kind: KindInvalidInput, Op: "parse address", Message: quoteForError(s) + ": " + err.Error()}
	}
	// net/mail returns the local part unquoted; it may itself hold an "@".
	at := strings.LastIndexByte(parsed.Address, '@')
	if at <= 0 {
		return Address{}, addrError(s, "empty local part")
	}
	local, dom := parsed.Address[:at], parsed.Address[at+1:]
	if tag != "" && strings.HasPrefix(dom, "[") {
		dom = "[" + tag + dom[1:]
	}
	return NewAddress(parsed.Name, quoteLocal(local)+"@"+dom)
}

// untagIPv6Literal removes the "IPv6:" tag of an address literal that ends
// s (before an optional ">") and returns the tag it removed.
func untagIPv6Literal(s string) (string, string) {
	end := len(s)
	if strings.HasSuffix(s, "]>") {
		end--
	}
	if end == 0 || s[end-1] != ']' {
		return s, ""
	}
	open := strings.LastIndex(s[:end], "@[")
	if open < 0 {
		return s, ""
	}
	lit := s[open+2 : end-1]
	if len(lit) <= len("IPv6:") || !strings.EqualFold(lit[:5], "IPv6:") {
		return s, ""
	}
	for _, c := range []byte(lit[5:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
			return s, ""
		}
	}
	return s[:open+2] + s[open+7:], lit[:5]
}

// MustParseAddress is ParseAddress that panics on error; for tests and
// package-level constants only.
func MustParseAddress(s string) Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

// NewAddress validates email ("local@domain") and returns it with the display
// name. Rules: exactly one "@"; a local part of 1 to 64 octets, either a
// dot-atom or a quoted string of printable characters (without space, "@",
// "<" or ">"); a valid domain (LDH labels of 1 to 63 octets, IDNA for
// non-ASCII, or an address literal "[192.0.2.1]" or "[IPv6:2001:db8::1]"); at
// most 254 octets in all, in the Unicode and in the ASCII form; no control
// character, no CR, LF or NUL, no space, "<" or ">" anywhere in the mailbox,
// and no control character in the name. A quoted local part that does not
// need its quotes loses them, and an address literal is written in its
// canonical form, so that equal mailboxes have equal parts. Errors are
// *Error of KindInvalidInput.
func NewAddress(name, email string) (Address, error) {
	if err := checkControl("display name", name); err != nil {
		return Address{}, err
	}
	if err := checkControl("address", email); err != nil {
		return Address{}, err
	}
	if !utf8.ValidString(name) || !utf8.ValidString(email) {
		return Address{}, addrError(email, "not valid UTF-8")
	}
	if strings.Count(email, "@") != 1 {
		return Address{}, addrError(email, "must contain exactly one @")
	}
	if strings.ContainsAny(email, " \t<>") {
		return Address{}, addrError(email, "contains a space or an angle bracket")
	}
	if len(email) > MaxAddressLength {
		return Address{}, addrError(email, "longer than 254 octets")
	}
	at := strings.IndexByte(email, '@')
	local, err := validateLocal(email, email[:at])
	if err != nil {
		return Address{}, err
	}
	dom, ascii, err := validateDomain(email, email[at+1:])
	if err != nil {
		return Address{}, err
	}
	if len(local)+1+max(len(dom), len(ascii)) > MaxAddressLength {
		return Address{}, addrError(email, "longer than 254 octets in its ASCII form")
	}
	return Address{name: name, local: local, domain: dom, asciiDomain: ascii}, nil
}

// validateLocal checks a local part and returns its canonical form: a
// dot-atom as it is, a quoted string unquoted when it is a dot-atom inside,
// else quoted with the fewest backslashes.
func validateLocal(email, local string) (string, error) {
	if local == "" {
		return "", addrError(email, "empty local part")
	}
	if len(local) > MaxLocalPartLength {
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
		if r < 0x80 && !isAtext(byte(r)) && r != '.' {
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
	if isDotAtom(content) {
		return content
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(content); i++ {
		if c := content[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(content[i])
	}
	b.WriteByte('"')
	return b.String()
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && !isAtext(c) && c != '.' {
			return false
		}
	}
	return true
}

func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
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
	if !isASCII(dom) {
		a, err := idnaProfile.ToASCII(dom)
		if err != nil {
			return "", "", addrError(email, "invalid international domain: "+err.Error())
		}
		ascii = a
	}
	if len(ascii) > MaxDomainLength {
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

// Name returns the display name ("" when none).
func (a Address) Name() string { return a.name }

// LocalPart returns the part before the "@".
func (a Address) LocalPart() string { return a.local }

// Domain returns the domain as given (Unicode for an international domain).
func (a Address) Domain() string { return a.domain }

// ASCIIDomain returns the domain in its ASCII (punycode) form.
func (a Address) ASCIIDomain() string { return a.asciiDomain }

// Email returns "local@domain" in its Unicode form.
func (a Address) Email() string {
	if a.local == "" {
		return ""
	}
	return a.local + "@" + a.domain
}

// ASCIIEmail returns "local@ascii-domain"; ok is false when the local part
// itself is not ASCII, so the address can only travel over SMTPUTF8.
func (a Address) ASCIIEmail() (string, bool) {
	if a.IsZero() {
		return "", true
	}
	return a.local + "@" + a.asciiDomain, isASCII(a.local)
}

// IsZero reports whether a is the zero ("no") address.
func (a Address) IsZero() bool { return a.local == "" }

// NeedsSMTPUTF8 reports whether the local part is non-ASCII, so the address
// cannot be sent at all to a server without SMTPUTF8.
func (a Address) NeedsSMTPUTF8() bool { return !isASCII(a.local) }

// IsInternational reports whether any part of the mailbox is non-ASCII.
func (a Address) IsInternational() bool { return !isASCII(a.local) || !isASCII(a.domain) }

// WithName returns a copy of a with another display name. The name is
// validated like NewAddress does; errors are *Error of KindInvalidInput.
func (a Address) WithName(name string) (Address, error) {
	if err := checkControl("display name", name); err != nil {
		return Address{}, err
	}
	if !utf8.ValidString(name) {
		return Address{}, addrError(name, "display name is not valid UTF-8")
	}
	a.name = name
	return a, nil
}

// Envelope returns the mailbox in the form of an SMTP command argument,
// "<local@domain>". With ascii set the domain is in punycode.
func (a Address) Envelope(ascii bool) string {
	if a.IsZero() {
		return "<>"
	}
	if ascii {
		return "<" + a.local + "@" + a.asciiDomain + ">"
	}
	return "<" + a.Email() + ">"
}

// String returns the header form: `"Name" <local@domain>` with a non-ASCII
// name RFC 2047 encoded, or the bare mailbox when there is no name.
func (a Address) String() string { return a.Header(false) }

// Header returns the header form of a (see String); with ascii set the
// domain is written in punycode.
func (a Address) Header(ascii bool) string {
	email := a.Email()
	if ascii {
		email, _ = a.ASCIIEmail()
	}
	if a.name == "" {
		return email
	}
	return formatDisplayName(a.name) + " <" + email + ">"
}

// formatDisplayName writes a display name as an RFC 5322 phrase: ASCII as
// a quoted string (as net/mail does), and non-ASCII as RFC
// 2047 B-encoded words (net/mail's Q-encoding leaves characters such as a
// backslash that its own parser then refuses).
func formatDisplayName(name string) string {
	if !isASCII(name) {
		// RFC 2047 section 5(3): in a phrase, a Q-encoded word may hold only
		// letters, digits and "!*+-/" raw; use B for anything else.
		for i := 0; i < len(name); i++ {
			if c := name[i]; c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" !*+-/", c) >= 0) {
				return stdmime.BEncoding.Encode("utf-8", name)
			}
		}
		return stdmime.QEncoding.Encode("utf-8", name)
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	b.WriteByte('"')
	return b.String()
}

// Equal reports whether a and b name the same mailbox (the domain compared
// case-insensitively in its ASCII form; the display name ignored).
func (a Address) Equal(b Address) bool {
	return a.local == b.local && strings.EqualFold(a.asciiDomain, b.asciiDomain)
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
