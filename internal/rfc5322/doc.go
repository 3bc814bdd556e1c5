// Package rfc5322 holds the character classes and quoting rules of the
// Internet Message Format (RFC 5322), with the RFC 6531 and RFC 2047 rules
// that extend them, shared by the domain's address validation and the MIME
// encoder so that both apply one definition: atext, dot-atom, phrases of
// atoms, quoted strings and the characters a Q-encoded word may carry raw
// in a phrase.
//
// It imports only the standard library and nothing of this module.
package rfc5322
