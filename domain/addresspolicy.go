package domain

import (
	"strings"

	"github.com/integrations/smtp/internal/rfc5322"
)

// AddressPolicy says how much of an email address logs, span attributes and
// logged error texts show (the specification's section 9.3.3). The zero
// value is AddressLocalPart.
type AddressPolicy uint8

// The address policies.
const (
	AddressLocalPart AddressPolicy = iota // "alice@***": the local part, the domain masked (default)
	AddressFull                           // the whole address
	AddressNone                           // "***": nothing of it
)

// masked stands for the hidden part of an address.
const masked = "***"

// String returns "local-part", "full" or "none".
func (p AddressPolicy) String() string {
	switch p {
	case AddressFull:
		return "full"
	case AddressNone:
		return "none"
	}
	return "local-part"
}

// ParseAddressPolicy parses the names String returns ("" gives the
// default, local-part).
func ParseAddressPolicy(s string) (AddressPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "local-part", "localpart", "local":
		return AddressLocalPart, nil
	case "full":
		return AddressFull, nil
	case "none":
		return AddressNone, nil
	}
	return AddressLocalPart, NewError(KindInvalidInput, "config", "unknown address policy "+quoteForError(s)+" (want full, local-part or none)")
}

// Mask returns addr as the policy shows it.
func (p AddressPolicy) Mask(addr string) string {
	switch p {
	case AddressFull:
		return addr
	case AddressNone:
		return masked
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	return addr[:at+1] + masked
}

// MaskText returns s with every address-like run in it (a local part, "@"
// and a domain) shown as the policy says; the rest of s is unchanged. It is
// meant for error texts that quote addresses.
func (p AddressPolicy) MaskText(s string) string {
	if p == AddressFull || strings.IndexByte(s, '@') < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		start := i
		for start > last && isLocalPartOctet(s[start-1]) {
			start--
		}
		end := i + 1
		for end < len(s) && isDomainOctet(s[end]) {
			end++
		}
		for end > i+1 && s[end-1] == '.' { // a sentence's full stop
			end--
		}
		if start == i || end == i+1 {
			continue // a lone "@", not an address
		}
		b.WriteString(s[last:start])
		b.WriteString(p.Mask(s[start:end]))
		last = end
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isLocalPartOctet(c byte) bool { return c >= 0x80 || c == '.' || rfc5322.IsAtext(c) }

func isDomainOctet(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return c == '.' || c == '-' || c == '[' || c == ']'
}
