package domain

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Shortest secret that is scrubbed at all, and shortest run of one of its
// forms that is scrubbed: shorter ones would blank out ordinary text.
const (
	minScrubSecret = 4
	minScrubRun    = 6
)

// Scrubber removes secrets from text, such as a server's reply quoting an
// AUTH response back, whole or cut short or split over lines. It replaces
// every run of 6 or more consecutive octets of any of its forms with
// "[REDACTED]" (adjacent or overlapping runs make one "[REDACTED]"). The
// forms of a secret are the secret itself, its JSON string escaping, its
// standard base64 encoding and the three base64 alignments at which it can
// sit inside a longer base64 text (the characters that only its own octets
// determine); Credentials.Scrubber adds the base64 SASL responses of the
// mechanisms the credentials drive, and Add any text that went on the wire.
// A secret of 4 or 5 octets is replaced only whole; a shorter one is left
// alone.
//
// Scrub costs one hash look-up per octet of text once the Scrubber is
// built; building it costs a few per octet of the forms. A nil *Scrubber
// scrubs nothing. Scrub is safe for concurrent use; Add is not.
type Scrubber struct {
	grams map[uint64]struct{} // every run of minScrubRun octets of a form
	whole []string            // forms shorter than a run, replaced only whole
}

// NewScrubber returns a Scrubber for the given secrets.
func NewScrubber(secrets ...Secret) *Scrubber {
	sc := &Scrubber{}
	for _, s := range secrets {
		sc.addSecret(s.Reveal())
	}
	return sc
}

// Scrub returns text with every trace of s replaced by "[REDACTED]", as a
// Scrubber of s does (see Scrubber). To scrub many texts, build the
// Scrubber once with NewScrubber.
func (s Secret) Scrub(text string) string { return NewScrubber(s).Scrub(text) }

// Add makes text one more form to scrub: every run of 6 or more of its
// octets is removed from then on. Use it for what held a secret on the wire,
// such as a base64 SASL response; shorter texts are ignored.
func (sc *Scrubber) Add(text string) {
	if len(text) < minScrubRun {
		return
	}
	if sc.grams == nil {
		sc.grams = make(map[uint64]struct{}, len(text))
	}
	var k uint64
	for i := 0; i < len(text); i++ {
		k = roll(k, text[i])
		if i >= minScrubRun-1 {
			sc.grams[k] = struct{}{}
		}
	}
}

// addSecret adds the forms of one secret.
func (sc *Scrubber) addSecret(secret string) {
	if len(secret) < minScrubSecret {
		return
	}
	forms := []string{secret}
	if j, err := json.Marshal(secret); err == nil && string(j[1:len(j)-1]) != secret {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	for _, f := range forms {
		if len(f) < minScrubRun {
			sc.whole = append(sc.whole, f)
		}
		sc.Add(f)
	}
	sc.Add(base64.StdEncoding.EncodeToString([]byte(secret)))
	n := len(secret)
	for k := 1; k < 3; k++ {
		// Inside a longer base64 text the secret starts at one of three
		// alignments. Character j carries bits 6j to 6j+6 of the input;
		// keep those wholly inside the secret (bits 8k to 8(k+n)).
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), secret...))
		sc.Add(enc[(8*k+5)/6 : 8*(k+n)/6])
	}
	// Alignment 0 is the start of the plain encoding, added above.
}

// Scrub returns text with every run of 6 or more octets of a form, and
// every whole short form, replaced by "[REDACTED]".
func (sc *Scrubber) Scrub(text string) string {
	if sc == nil || text == "" || (len(sc.grams) == 0 && len(sc.whole) == 0) {
		return text
	}
	var cover []bool // lazily: most texts hold no secret
	mark := func(from, to int) {
		if cover == nil {
			cover = make([]bool, len(text))
		}
		for i := from; i < to; i++ {
			cover[i] = true
		}
	}
	if len(sc.grams) > 0 {
		var k uint64
		for i := 0; i < len(text); i++ {
			k = roll(k, text[i])
			if i < minScrubRun-1 {
				continue
			}
			if _, ok := sc.grams[k]; ok {
				mark(i+1-minScrubRun, i+1)
			}
		}
	}
	for _, f := range sc.whole {
		for at := 0; ; {
			i := strings.Index(text[at:], f)
			if i < 0 {
				break
			}
			mark(at+i, at+i+len(f))
			at += i + len(f)
		}
	}
	if cover == nil {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		switch {
		case !cover[i]:
			b.WriteByte(text[i])
		case i == 0 || !cover[i-1]:
			b.WriteString(Redacted)
		}
	}
	return b.String()
}

// roll shifts octet c into k, which then holds the last minScrubRun octets
// (one per byte, the newest highest).
func roll(k uint64, c byte) uint64 {
	return k>>8 | uint64(c)<<(8*(minScrubRun-1))
}
