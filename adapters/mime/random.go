package mime

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"io"
)

// idBytes is the randomness of a generated Message-ID and of a boundary:
// 128 bits.
const idBytes = 16

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewMessageID returns a new Message-ID, without angle brackets: 26 base32
// characters of crypto/rand randomness (128 bits), "@" and domain, which
// should be the ASCII domain of the author; "localhost" when it is empty.
func NewMessageID(domain string) string {
	id, _ := messageID(rand.Reader, domain) // crypto/rand never fails
	return id
}

func messageID(r io.Reader, domain string) (string, error) {
	var b [idBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	if domain == "" {
		domain = "localhost"
	}
	return idEncoding.EncodeToString(b[:]) + "@" + domain, nil
}

// boundaryPrefix starts every boundary. Quoted-printable output never holds
// "=_" ("=" is always followed by two hex digits or a line end) and base64
// output holds neither "-" nor "_", so no line of such a part can start
// with "--" and a boundary; 7bit and 8bit text is searched for the boundary
// instead (see assignBoundaries).
const boundaryPrefix = "=_"

func newBoundary(r io.Reader) (string, error) {
	var b [idBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return boundaryPrefix + hex.EncodeToString(b[:]), nil
}
