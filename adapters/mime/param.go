package mime

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/integrations/smtp/internal/rfc5322"
)

// maxQuotedFilename is the longest filename written as a plain quoted
// string; longer or non-ASCII ones use RFC 2231.
const maxQuotedFilename = 60

// withParams writes value followed by parameters, each a list of tokens
// that may be folded apart, separated by ";".
func (h *headerWriter) withParams(name, value string, params ...[]string) {
	h.field(name)
	if len(params) == 0 {
		h.token(value)
		h.end()
		return
	}
	h.token(value + ";")
	for i, p := range params {
		for j, tok := range p {
			if j == len(p)-1 && i < len(params)-1 {
				tok += ";"
			}
			h.token(tok)
		}
	}
	h.end()
}

// isTSpecial reports whether c is an RFC 2045 tspecial.
func isTSpecial(c byte) bool { return strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 }

// isToken reports whether s is an RFC 2045 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 32 || c >= 127 || isTSpecial(c) {
			return false
		}
	}
	return true
}

// isAttrChar reports whether c may appear unescaped in an RFC 2231
// extended value.
func isAttrChar(c byte) bool {
	return c > 32 && c < 127 && c != '*' && c != '\'' && c != '%' && !isTSpecial(c)
}

// param returns attr=value as a token, a quoted string or, for non-ASCII
// or long values, an RFC 2231 extended value (continued when long).
func param(attr, value string) []string {
	switch {
	case isToken(value) && len(value) <= maxQuotedFilename:
		return []string{attr + "=" + value}
	case isPlainText(value) && len(value) <= maxQuotedFilename:
		return []string{attr + "=" + rfc5322.Quote(value)}
	}
	return extendedParam(attr, value)
}

// filenameParam returns the filename parameter: a quoted string for a short
// printable ASCII name, RFC 2231 otherwise. A name that looks like an
// encoded word is also sent the RFC 2231 way, since some parsers decode
// encoded words inside quoted strings.
func filenameParam(attr, name string) []string {
	if isPlainText(name) && len(name) <= maxQuotedFilename && !strings.Contains(name, "=?") {
		return []string{attr + "=" + rfc5322.Quote(name)}
	}
	return extendedParam(attr, name)
}

// nameParam returns the Content-Type name parameter that old clients read
// instead of the RFC 2231 filename: the quoted name, or RFC 2047 encoded
// words inside a quoted string for a name that needs RFC 2231.
func nameParam(name string) []string {
	if isPlainText(name) && len(name) <= maxQuotedFilename && !strings.Contains(name, "=?") {
		return []string{"name=" + rfc5322.Quote(name)}
	}
	words := encodeWords(name, maxQuotedFilename)
	words[0] = `name="` + words[0]
	words[len(words)-1] += `"`
	return words
}

// extendedParam returns the RFC 2231 extended form of attr (section 4:
// charset utf-8, no language, value percent-encoded), split into attr*0*=,
// attr*1*= ... continuations (section 3) of at most 76 characters each when
// long, never splitting a UTF-8 sequence. Continuations are parameters of
// their own, so all but the last end with ";".
func extendedParam(attr, value string) []string {
	const charset = "utf-8''"
	var enc strings.Builder
	enc.Grow(len(value) * 3)
	var cuts []int // offsets in enc where a rune starts
	for i := 0; i < len(value); {
		_, n := utf8.DecodeRuneInString(value[i:])
		cuts = append(cuts, enc.Len())
		for _, c := range []byte(value[i : i+n]) {
			if isAttrChar(c) {
				enc.WriteByte(c)
			} else {
				enc.WriteByte('%')
				enc.WriteByte(upperHex[c>>4])
				enc.WriteByte(upperHex[c&15])
			}
		}
		i += n
	}
	s := enc.String()
	if len(attr)+len("*=")+len(charset)+len(s) <= maxLine-2 {
		return []string{attr + "*=" + charset + s}
	}
	budget := maxLine - 2 - len(attr) - len("*999*=;")
	var out []string
	start, room := 0, budget-len(charset)
	cuts = append(cuts, len(s))
	for k := 1; k < len(cuts); k++ {
		if cuts[k]-start > room && cuts[k-1] > start {
			out = append(out, s[start:cuts[k-1]])
			start, room = cuts[k-1], budget
		}
	}
	out = append(out, s[start:])
	for i, seg := range out {
		prefix := attr + "*" + strconv.Itoa(i) + "*="
		if i == 0 {
			prefix += charset
		}
		out[i] = prefix + seg
		if i < len(out)-1 {
			out[i] += ";"
		}
	}
	return out
}
