package domain

import (
	"fmt"
	"log/slog"
)

// Redacted is what every rendering of a Secret shows.
const Redacted = "[REDACTED]"

// Secret holds a password or token. Every way of printing it (%v, %+v, %#v,
// %s, %q, String, GoString, JSON, text marshalling and slog) shows
// "[REDACTED]"; only Reveal returns the value. The zero Secret is empty.
type Secret struct {
	value string
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Reveal returns the secret value. Call it only where the value goes on the
// wire over an encrypted connection.
func (s Secret) Reveal() string { return s.value }

// IsEmpty reports whether no value is set.
func (s Secret) IsEmpty() bool { return s.value == "" }

// String returns "[REDACTED]".
func (s Secret) String() string { return Redacted }

// GoString returns "[REDACTED]" for %#v.
func (s Secret) GoString() string { return Redacted }

// Format prints "[REDACTED]" for every verb and flag.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON returns the JSON string "[REDACTED]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns "[REDACTED]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes slog print "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
