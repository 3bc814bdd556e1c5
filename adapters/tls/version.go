package tls

import (
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
)

// Version is a TLS protocol version, with the values crypto/tls uses.
type Version uint16

// The TLS versions.
const (
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

// String returns "1.0" ... "1.3", or "" for the zero version.
func (v Version) String() string {
	switch v {
	case VersionTLS10:
		return "1.0"
	case VersionTLS11:
		return "1.1"
	case VersionTLS12:
		return "1.2"
	case VersionTLS13:
		return "1.3"
	case 0:
		return ""
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// ParseVersion parses "1.0" to "1.3" (also "TLS1.2", "TLSv1.3", "tls12",
// case-insensitively); "" gives TLS 1.2. Errors are *domain.Error of
// KindInvalidInput.
func ParseVersion(s string) (Version, error) {
	t := strings.NewReplacer("tls", "", "v", "", " ", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch t {
	case "1.0", "10":
		return VersionTLS10, nil
	case "1.1", "11":
		return VersionTLS11, nil
	case "1.2", "12", "":
		return VersionTLS12, nil
	case "1.3", "13":
		return VersionTLS13, nil
	}
	return 0, domain.NewError(domain.KindInvalidInput, "config", "unknown TLS version "+strconv.Quote(s))
}
