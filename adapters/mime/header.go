package mime

import (
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/internal/rfc5322"
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

// simple writes a whole field whose value is one unbreakable token. The
// token follows the field name on its line whatever its length (token
// never folds a line that holds only the name).
func (h *headerWriter) simple(name, value string) {
	h.buf = append(h.buf, name...)
	h.buf = append(h.buf, ": "...)
	h.buf = append(h.buf, value...)
	h.buf = append(h.buf, '\r', '\n')
	h.line = 0
	h.fresh = false
}

// simpleID writes a field whose value is one message ID in angle brackets,
// as simple(name, "<"+id+">") does.
func (h *headerWriter) simpleID(name, id string) {
	h.buf = append(h.buf, name...)
	h.buf = append(h.buf, ": <"...)
	h.buf = append(h.buf, id...)
	h.buf = append(h.buf, '>', '\r', '\n')
	h.line = 0
	h.fresh = false
}

// date writes the Date field, as simple("Date", FormatDate(t)) does.
func (h *headerWriter) date(t time.Time) {
	h.buf = append(h.buf, "Date: "...)
	h.buf = appendDate(h.buf, t)
	h.buf = append(h.buf, '\r', '\n')
	h.line = 0
	h.fresh = false
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
	// A run of chunks to encode is value[runStart:runEnd]: chunks are
	// contiguous and separated by single spaces, so that slice is the
	// chunks joined with a space.
	runStart, runEnd := -1, -1
	for start := 0; start < len(value); {
		chunk, next := nextChunk(value, start)
		if len(chunk) <= maxRaw && isPlainText(chunk) {
			if runStart >= 0 {
				h.encoded(value[runStart:runEnd])
				runStart = -1
			}
			h.token(chunk)
		} else {
			if runStart < 0 {
				runStart = start
			}
			runEnd = start + len(chunk)
		}
		start = next
	}
	if runStart >= 0 {
		h.encoded(value[runStart:runEnd])
	}
}

// foldChunks splits s at every single space that has a non-blank character
// on either side: the places where folding changes nothing after unfolding
// (parsers trim blanks around a fold).
func foldChunks(s string) []string {
	var chunks []string
	for start := 0; start < len(s); {
		chunk, next := nextChunk(s, start)
		chunks = append(chunks, chunk)
		start = next
	}
	return chunks
}

// nextChunk returns the chunk of s (see foldChunks) that starts at start,
// and where the next one starts (len(s) after the last).
func nextChunk(s string, start int) (chunk string, next int) {
	for i := max(start, 1); i < len(s)-1; i++ {
		if s[i] == ' ' && !isBlank(s[i-1]) && !isBlank(s[i+1]) {
			return s[start:i], i + 1
		}
	}
	return s[start:], len(s)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// addressList writes a field of mailboxes, folded between addresses where
// possible. With utf8 the mailboxes keep their Unicode form (RFC 6532);
// otherwise domains are in punycode and a non-ASCII local part is an error.
// Display names are always plain, quoted or RFC 2047 encoded.
func (h *headerWriter) addressList(name string, list []domain.Address, utf8 bool) error {
	h.field(name)
	for i, a := range list {
		local, dom, at, err := mailboxParts(a, utf8)
		if err != nil {
			return err
		}
		dn := a.Name()
		phrase, plain := displayName(dn)
		// The token after the name: the mailbox, in angle brackets after
		// a name, with a comma when another address follows.
		comma := i < len(list)-1
		want := len(local) + len(dom)
		if at {
			want++
		}
		if dn != "" {
			want += 2
		}
		if comma {
			want++
		}
		tail := want
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
		if !h.fresh && h.line+1+tail > maxLine {
			h.fold()
		}
		h.buf = append(h.buf, ' ')
		if dn != "" {
			h.buf = append(h.buf, '<')
		}
		h.buf = append(h.buf, local...)
		if at {
			h.buf = append(h.buf, '@')
			h.buf = append(h.buf, dom...)
		}
		if dn != "" {
			h.buf = append(h.buf, '>')
		}
		if comma {
			h.buf = append(h.buf, ',')
		}
		h.line += 1 + tail
		h.fresh = false
	}
	h.end()
	return nil
}

// mailboxParts returns the pieces of headerMailbox's result without
// joining them: the local part, the domain and whether an "@" goes between
// them (not for the zero address, whose mailbox is "").
func mailboxParts(a domain.Address, utf8 bool) (local, dom string, at bool, err error) {
	switch {
	case a.IsZero():
		return "", "", false, nil
	case utf8:
		return a.LocalPart(), a.Domain(), true, nil
	case a.NeedsSMTPUTF8():
		_, err := headerMailbox(a, false)
		return "", "", false, err
	}
	return a.LocalPart(), a.ASCIIDomain(), true, nil
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
	if rfc5322.IsAtomPhrase(name) {
		return name, true
	}
	return rfc5322.Quote(name), true
}

// messageIDList writes message IDs in angle brackets, folded between them.
func (h *headerWriter) messageIDList(name string, ids []string) {
	h.field(name)
	for _, id := range ids {
		if !h.fresh && h.line+3+len(id) > maxLine { // as token("<" + id + ">")
			h.fold()
		}
		h.buf = append(h.buf, ' ', '<')
		h.buf = append(h.buf, id...)
		h.buf = append(h.buf, '>')
		h.line += 3 + len(id)
		h.fresh = false
	}
	h.end()
}
