package mime

import (
	"encoding/hex"
	"io"

	dom "github.com/integrations/smtp/domain"
)

// idBytes is the randomness of a boundary: 128 bits.
const idBytes = 16

// NewMessageID returns a new Message-ID, without angle brackets (see
// domain.NewMessageID: 128 random bits in base32 at domain).
func NewMessageID(domain string) string { return dom.NewMessageID(domain) }

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
