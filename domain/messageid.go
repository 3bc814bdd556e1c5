package domain

import (
	"crypto/rand"
	"encoding/base32"
	"io"
	"strings"
)

var messageIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewMessageID returns a Message-ID without angle brackets: 26 base32
// characters of 128 bits from crypto/rand, "@", and host, which should be
// the ASCII domain of the author ("localhost" when empty or an address
// literal).
func NewMessageID(host string) string {
	id, _ := MessageIDFrom(rand.Reader, host) // crypto/rand does not fail
	return id
}

// MessageIDFrom is NewMessageID with the randomness read from r, for
// deterministic output in tests. It fails only when r does.
func MessageIDFrom(r io.Reader, host string) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	if host == "" || strings.HasPrefix(host, "[") {
		host = "localhost"
	}
	return messageIDEncoding.EncodeToString(b[:]) + "@" + host, nil
}
