package domain

import (
	stdmime "mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/integrations/smtp/internal/rfc5322"
)

// Limits of RFC 5321 section 4.5.3.1 and the specification's section 8.4.1.
const (
	maxLocalPartLength = 64
	maxDomainLength    = 253
	maxAddressLength   = 254
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
	if len(email) > maxAddressLength {
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
	if len(local)+1+max(len(dom), len(ascii)) > maxAddressLength {
		return Address{}, addrError(email, "longer than 254 octets in its ASCII form")
	}
	return Address{name: name, local: local, domain: dom, asciiDomain: ascii}, nil
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
	return a.local + "@" + a.asciiDomain, rfc5322.IsASCII(a.local)
}

// IsZero reports whether a is the zero ("no") address.
func (a Address) IsZero() bool { return a.local == "" }

// NeedsSMTPUTF8 reports whether the local part is non-ASCII, so the address
// cannot be sent at all to a server without SMTPUTF8.
func (a Address) NeedsSMTPUTF8() bool { return !rfc5322.IsASCII(a.local) }

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
	if !rfc5322.IsASCII(name) {
		// RFC 2047 section 5(3): in a phrase, a Q-encoded word may hold only
		// letters, digits and "!*+-/" raw; use B for anything else.
		for i := 0; i < len(name); i++ {
			if c := name[i]; c < 0x80 && c != ' ' && !rfc5322.IsPhraseQSafe(c) {
				return stdmime.BEncoding.Encode("utf-8", name)
			}
		}
		return stdmime.QEncoding.Encode("utf-8", name)
	}
	return rfc5322.Quote(name)
}

// Equal reports whether a and b name the same mailbox (the domain compared
// case-insensitively in its ASCII form; the display name ignored).
func (a Address) Equal(b Address) bool {
	return a.local == b.local && strings.EqualFold(a.asciiDomain, b.asciiDomain)
}
