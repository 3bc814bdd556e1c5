package main

import (
	"io"

	"github.com/integrations/smtp/domain"
)

// scrubWriter replaces every trace of a secret in what goes through it with
// "[REDACTED]" (domain.Scrubber: any run of 6 or more octets of the secret,
// its base64 alignments and the SASL responses). The transport already redacts what the
// client sends and scrubs its errors; this catches what the server sends
// back into the transcript, the reason line or the JSON. Each Write is one
// line or one JSON document, so a secret is never split across writes.
type scrubWriter struct {
	w     io.Writer
	scrub *domain.Scrubber
}

// scrub returns w wrapped so that the secret of creds never shows; w itself
// when there is no secret.
func scrub(w io.Writer, creds domain.Credentials) io.Writer {
	if creds.Secret.Scrub(creds.Secret.Reveal()) == creds.Secret.Reveal() {
		return w // too short to scrub, or empty
	}
	return &scrubWriter{w: w, scrub: creds.Scrubber()}
}

// Write writes p with the secret replaced and reports len(p) on success.
func (s *scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, s.scrub.Scrub(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
