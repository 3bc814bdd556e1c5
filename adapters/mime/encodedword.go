package mime

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/integrations/smtp/internal/rfc5322"
)

// RFC 2047 encoded words: "=?utf-8?b?...?=" or "=?utf-8?q?...?=".
const (
	wordPrefixB  = "=?utf-8?b?"
	wordPrefixQ  = "=?utf-8?q?"
	wordSuffix   = "?="
	wordOverhead = len(wordPrefixB) + len(wordSuffix)
	maxWordLen   = 75 // RFC 2047 section 2
	minWordLen   = wordOverhead + 12
)

// EncodeHeaderValue returns s ready for an unstructured header field or a
// display name: s itself when it is printable ASCII that cannot be taken
// for an encoded word, else RFC 2047 encoded words (UTF-8, B or Q, the
// shorter) of at most 75 characters each, separated by single spaces and
// never splitting a UTF-8 sequence. The result holds no CR or LF; fold it
// at its spaces.
func EncodeHeaderValue(s string) string {
	if isPlainText(s) {
		return s
	}
	return strings.Join(encodeWords(s, maxWordLen), " ")
}

// isPlainText reports whether s can go into a header as it is: printable
// ASCII (tab allowed) that does not look like an encoded word.
func isPlainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c > 0x7e {
			return false
		}
	}
	return !looksEncoded(s)
}

// looksEncoded reports whether s holds "=?", which a decoder could take for
// the start of an encoded word. Even without a closing "?=" it is not safe
// raw: Go's mime.WordDecoder stops decoding at a "=?" it cannot parse, so
// the encoded words after it would stay undecoded.
func looksEncoded(s string) bool { return strings.Contains(s, "=?") }

// encodeWords splits s into encoded words of at most limit characters.
func encodeWords(s string, limit int) []string {
	useB := preferB(s)
	var words []string
	for s != "" {
		w, n := encodeWord(s, limit, useB)
		words = append(words, w)
		s = s[n:]
	}
	return words
}

// preferB reports whether B encoding is shorter than Q for s.
func preferB(s string) bool {
	q := 0
	for i := 0; i < len(s); i++ {
		if rfc5322.IsPhraseQSafe(s[i]) || s[i] == ' ' {
			q++
		} else {
			q += 3
		}
	}
	return base64.StdEncoding.EncodedLen(len(s)) < q
}

// encodeWord encodes the longest prefix of s made of whole runes that fits
// in one encoded word of at most limit characters (limit >= minWordLen),
// and returns the word and the number of bytes of s it holds.
func encodeWord(s string, limit int, useB bool) (string, int) {
	room := limit - wordOverhead
	n, size := 0, 0
	for n < len(s) {
		_, rl := utf8.DecodeRuneInString(s[n:])
		var grown int
		if useB {
			grown = base64.StdEncoding.EncodedLen(n + rl)
		} else {
			grown = size
			for _, c := range []byte(s[n : n+rl]) {
				if rfc5322.IsPhraseQSafe(c) || c == ' ' {
					grown++
				} else {
					grown += 3
				}
			}
		}
		if grown > room && n > 0 {
			break
		}
		n += rl
		size = grown
	}
	var b strings.Builder
	b.Grow(wordOverhead + size)
	if useB {
		b.WriteString(wordPrefixB)
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
	} else {
		b.WriteString(wordPrefixQ)
		for _, c := range []byte(s[:n]) {
			switch {
			case c == ' ':
				b.WriteByte('_')
			case rfc5322.IsPhraseQSafe(c):
				b.WriteByte(c)
			default:
				b.WriteByte('=')
				b.WriteByte(upperHex[c>>4])
				b.WriteByte(upperHex[c&15])
			}
		}
	}
	b.WriteString(wordSuffix)
	return b.String(), n
}
