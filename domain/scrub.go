package domain

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Shortest secret, and shortest base64 run of one, that Scrub replaces:
// shorter ones would blank out ordinary text.
const (
	minScrubSecret = 4
	minScrubRun    = 6
)

// Scrub returns text with every trace of s replaced by "[REDACTED]": the
// secret as it is, as a JSON string escapes it, and the base64 runs that any
// base64 text holding it must contain (a server that quotes the AUTH
// response back, "535 5.7.8 bad: AGFsaWNl...", shows it that way). Secrets
// shorter than 4 octets are left alone.
func (s Secret) Scrub(text string) string {
	forms := s.forms()
	if len(forms) == 0 || text == "" {
		return text
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// forms lists the ways the secret can show, longest first, so that a
// longer form wins over a shorter one inside it (strings.Replacer tries the
// patterns in order at each position).
func (s Secret) forms() []string {
	secret := s.Reveal()
	if len(secret) < minScrubSecret {
		return nil
	}
	forms := []string{secret}
	if j, err := json.Marshal(secret); err == nil && string(j[1:len(j)-1]) != secret {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	n := len(secret)
	for k := range 3 {
		// A SASL response puts the secret after the username, at any of the
		// three base64 alignments. Character j carries bits 6j to 6j+6 of
		// the input; keep those wholly inside the secret (bits 8k to 8(k+n)).
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), secret...))
		first, end := (8*k+5)/6, 8*(k+n)/6
		if end-first >= minScrubRun {
			forms = append(forms, enc[first:end])
		}
	}
	for i := 1; i < len(forms); i++ {
		for j := i; j > 0 && len(forms[j]) > len(forms[j-1]); j-- {
			forms[j], forms[j-1] = forms[j-1], forms[j]
		}
	}
	return forms
}
