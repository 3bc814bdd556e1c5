package rfc5322

import "strings"

// specialAtext are the atext characters (RFC 5322 section 3.2.3) that are
// neither letters nor digits.
const specialAtext = "!#$%&'*+-/=?^_`{|}~"

// IsAtext reports whether c is an ASCII atext character: a letter, a digit
// or one of !#$%&'*+-/=?^_`{|}~.
func IsAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(specialAtext, c) >= 0
}

// IsDotAtom reports whether s is a dot-atom-text: atoms joined by single
// dots, no dot first or last. Octets of 0x80 and above count as atext, as
// RFC 6531 (UTF-8 local parts) allows.
func IsDotAtom(s string) bool { return atoms(s, '.', true) }

// IsAtomPhrase reports whether s is a phrase of ASCII atoms separated by
// single spaces, with no space first or last: a display name that needs
// neither quoting nor encoding.
func IsAtomPhrase(s string) bool { return atoms(s, ' ', false) }

// atoms reports whether s is non-empty atext runs joined by single sep
// octets; utf8 lets octets of 0x80 and above count as atext.
func atoms(s string, sep byte, utf8 bool) bool {
	if s == "" || s[0] == sep || s[len(s)-1] == sep {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == sep:
			if s[i-1] == sep {
				return false
			}
		case c >= 0x80:
			if !utf8 {
				return false
			}
		case !IsAtext(c):
			return false
		}
	}
	return true
}
