package mime

import (
	"strings"

	"github.com/integrations/smtp/domain"
)

// headerWriter appends header fields to buf, folding them (RFC 5322
// section 2.2.3) so that lines stay within 78 characters where the content
// allows and always within 998.
type headerWriter struct {
	buf   []byte
	line  int  // octets on the current line
	fresh bool // the current line holds only the field name or a fold
}

// field starts a header field.
func (h *headerWriter) field(name string) {
	h.buf = append(h.buf, name...)
	h.buf = append(h.buf, ':')
	h.line = len(name) + 1
	h.fresh = true
}

// end finishes the current field.
func (h *headerWriter) end() {
	h.buf = append(h.buf, '\r', '\n')
	h.line = 0
}

func (h *headerWriter) fold() {
	h.buf = append(h.buf, '\r', '\n')
	h.line = 0
	h.fresh = true
}

// token appends a space and tok, folding first when tok would overflow the
// line and the line already holds something.
func (h *headerWriter) token(tok string) {
	if !h.fresh && h.line+1+len(tok) > maxLine {
		h.fold()
	}
	h.buf = append(h.buf, ' ')
	h.buf = append(h.buf, tok...)
	h.line += 1 + len(tok)
	h.fresh = false
}

// simple writes a whole field whose value is one unbreakable token.
func (h *headerWriter) simple(name, value string) {
	h.field(name)
	h.token(value)
	h.end()
}

// encoded appends s as RFC 2047 encoded words, each sized to what is left
// of the line (at most 75 characters), folding between words.
func (h *headerWriter) encoded(s string) {
	useB := preferB(s)
	for s != "" {
		room := maxLine - h.line - 1
		if room < minWordLen { // a fresh continuation line always has room
			h.fold()
			room = maxLine - 1
		}
		word, n := encodeWord(s, max(min(room, maxWordLen), minWordLen), useB)
		h.token(word)
		s = s[n:]
	}
}

// text appends an unstructured value. It folds only at a single space
// between two non-blank characters, so unfolding gives the value back, and
// writes as encoded words every stretch that is not plain printable ASCII,
// that looks like an encoded word, or that is longer than maxRaw.
func (h *headerWriter) text(value string, maxRaw int) {
	var run []string // pending stretches to encode, joined by their spaces
	flush := func() {
		if len(run) > 0 {
			h.encoded(strings.Join(run, " "))
			run = run[:0]
		}
	}
	for _, chunk := range foldChunks(value) {
		if len(chunk) <= maxRaw && isPlainText(chunk) {
			flush()
			h.token(chunk)
			continue
		}
		run = append(run, chunk)
	}
	flush()
}

// foldChunks splits s at every single space that has a non-blank character
// on either side: the places where folding changes nothing after unfolding
// (parsers trim blanks around a fold).
func foldChunks(s string) []string {
	var chunks []string
	start := 0
	for i := 1; i < len(s)-1; i++ {
		if s[i] == ' ' && !isBlank(s[i-1]) && !isBlank(s[i+1]) {
			chunks = append(chunks, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		chunks = append(chunks, s[start:])
	}
	return chunks
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// addressList writes a field of mailboxes, folded between addresses where
// possible. With utf8 the mailboxes keep their Unicode form (RFC 6532);
// otherwise domains are in punycode and a non-ASCII local part is an error.
// Display names are always plain, quoted or RFC 2047 encoded.
func (h *headerWriter) addressList(name string, list []domain.Address, utf8 bool) error {
	h.field(name)
	for i, a := range list {
		mailbox, err := headerMailbox(a, utf8)
		if err != nil {
			return err
		}
		dn := a.Name()
		phrase, plain := displayName(dn)
		tail := mailbox
		if dn != "" {
			tail = "<" + mailbox + ">"
		}
		if i < len(list)-1 {
			tail += ","
		}
		want := len(tail)
		if dn != "" {
			want += 1 + len(phrase)
		}
		if !h.fresh && h.line+1+want > maxLine {
			h.fold()
		}
		switch {
		case dn == "":
		case plain:
			h.token(phrase)
		default:
			h.encoded(dn)
		}
		h.token(tail)
	}
	h.end()
	return nil
}

func headerMailbox(a domain.Address, utf8 bool) (string, error) {
	if utf8 {
		return a.Email(), nil
	}
	s, ok := a.ASCIIEmail()
	if !ok {
		return "", newError(domain.KindEncodingFailed, "address "+quote(a.Email())+" has a non-ASCII local part and needs SMTPUTF8, which the server does not offer")
	}
	return s, nil
}

// maxPlainName is the longest display name written without encoding.
const maxPlainName = 64

// displayName returns the header form of a display name and whether it is
// plain text (an atom phrase or a quoted string); when not, the caller
// encodes name and phrase is only its approximate encoded form.
func displayName(name string) (phrase string, plain bool) {
	if name == "" {
		return "", true
	}
	if len(name) > maxPlainName || !isPlainText(name) || strings.ContainsRune(name, '\t') {
		return EncodeHeaderValue(name), false
	}
	if isAtomPhrase(name) {
		return name, true
	}
	return quoteString(name), true
}

// isAtomPhrase reports whether s is atoms separated by single spaces.
func isAtomPhrase(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && !isAtext(c) {
			return false
		}
	}
	return true
}

func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// quoteString returns s as an RFC 5322 quoted-string.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// messageIDList writes message IDs in angle brackets, folded between them.
func (h *headerWriter) messageIDList(name string, ids []string) {
	h.field(name)
	for _, id := range ids {
		h.token("<" + id + ">")
	}
	h.end()
}
