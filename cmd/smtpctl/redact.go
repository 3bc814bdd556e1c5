package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"

	"github.com/integrations/smtp/domain"
)

// Shortest secret, and shortest base64 run of one, that scrubbing replaces:
// shorter ones would blank out ordinary text.
const (
	minScrubSecret = 4
	minScrubRun    = 6
)

// scrubWriter replaces every trace of a secret in what goes through it with
// "[REDACTED]". The transport already redacts what the client sends; this
// catches what the server sends back, such as a refusal that quotes the
// AUTH response ("535 5.7.8 bad: AGFsaWNl..."), before it reaches the
// transcript, the reason line or the JSON. Each Write is one line or one
// JSON document, so a secret is never split across writes.
type scrubWriter struct {
	w   io.Writer
	rep *strings.Replacer
}

// scrub returns w wrapped so that the secret of creds never shows; w itself
// when there is no secret.
func scrub(w io.Writer, creds domain.Credentials) io.Writer {
	forms := secretForms(creds.Secret.Reveal())
	if len(forms) == 0 {
		return w
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, domain.Redacted)
	}
	return &scrubWriter{w: w, rep: strings.NewReplacer(pairs...)}
}

// Write writes p with the secret replaced and reports len(p) on success.
func (s *scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, s.rep.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// secretForms lists the ways secret can show: as it is, as a JSON string
// escapes it, and as the base64 runs that any base64 text holding it must
// contain, one for each of the three alignments it can have (a SASL
// response puts it after the username). Longest first, so that a longer
// form wins over a shorter one inside it.
func secretForms(secret string) []string {
	if len(secret) < minScrubSecret {
		return nil
	}
	forms := []string{secret}
	if j, err := json.Marshal(secret); err == nil && string(j[1:len(j)-1]) != secret {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	n := len(secret)
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), secret...))
		// Character j carries bits 6j to 6j+6 of the input; keep those
		// that lie wholly inside the secret, which fills bits 8k to 8(k+n).
		first, end := (8*k+5)/6, 8*(k+n)/6
		if end-first >= minScrubRun {
			forms = append(forms, enc[first:end])
		}
	}
	// strings.Replacer tries the patterns in order at each position.
	for i := 1; i < len(forms); i++ {
		for j := i; j > 0 && len(forms[j]) > len(forms[j-1]); j-- {
			forms[j], forms[j-1] = forms[j-1], forms[j]
		}
	}
	return forms
}
