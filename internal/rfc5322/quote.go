package rfc5322

import "strings"

// Quote returns s as a quoted-string (RFC 5322 section 3.2.4): in double
// quotes, with '"' and '\' escaped by a backslash. It does not check s:
// callers quote only text without CR, LF or other control characters.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// IsPhraseQSafe reports whether c may stand as itself in a Q-encoded word
// in every context, a phrase included (RFC 2047 section 5 (3)): a letter, a
// digit or one of !*+-/. A space is not: it is written "_".
func IsPhraseQSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

// IsASCII reports whether every octet of s is below 0x80.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
