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
//
// The value sits behind a *string: fmt cannot call the methods of a value
// held in an unexported struct field and prints such fields by reflection,
// where it shows the address of a *string, never the string (with every
// verb, bad verbs included; a pointer to a struct would be followed). So
// even struct{ creds Credentials } printed with %+v or %#v does not leak. Two
// Secrets compare equal with == only when they are copies of one another;
// compare Reveal() results, or use reflect.DeepEqual, to compare values.
type Secret struct {
	p *string
}

// NewSecret wraps s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the secret value. Call it only where the value goes on the
// wire over an encrypted connection.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsEmpty reports whether no value is set.
func (s Secret) IsEmpty() bool { return s.p == nil || *s.p == "" }

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
