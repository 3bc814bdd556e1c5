package mime

import "bytes"

// Transfer encodings (RFC 2045 section 6).
const (
	cte7Bit            = "7bit"
	cte8Bit            = "8bit"
	cteQuotedPrintable = "quoted-printable"
	cteBase64          = "base64"
)

const (
	maxLine    = 78  // RFC 5322 "SHOULD" line length, without CRLF
	hardLine   = 998 // RFC 5322 "MUST" line length, without CRLF
	qpLineChar = 76  // RFC 2045 quoted-printable line length, "=" included
)

// normalizeNewlines returns s with every bare CR, bare LF and CRLF turned
// into CRLF.
func normalizeNewlines(s string) []byte {
	out := make([]byte, 0, len(s)+len(s)/40+2)
	for len(s) > 0 {
		i := indexNewline(s)
		if i < 0 {
			return append(out, s...)
		}
		out = append(out, s[:i]...)
		out = append(out, '\r', '\n')
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return out
}

func indexNewline(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			return i
		}
	}
	return -1
}

// textStats describes CRLF-normalised text.
type textStats struct {
	ascii   bool // no octet above 127
	nul     bool // holds a NUL, which 7bit and 8bit forbid
	longest int  // longest line in octets, CRLF excluded
}

func scanText(b []byte) textStats {
	st := textStats{ascii: true}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i-1], b[i+1:] // normalised: every LF follows a CR
		} else {
			b = nil
		}
		st.longest = max(st.longest, len(line))
		for _, c := range line {
			if c >= 0x80 {
				st.ascii = false
			} else if c == 0 {
				st.nul = true
			}
		}
	}
	return st
}

// encodeText normalises a text body to CRLF and picks its transfer
// encoding: 7bit for ASCII whose lines all fit in 998 octets, 8bit for
// other such text when allow8Bit, quoted-printable otherwise.
func encodeText(s string, allow8Bit bool) (body []byte, cte string) {
	b := normalizeNewlines(s)
	st := scanText(b)
	if !st.nul && st.longest <= hardLine {
		if st.ascii {
			return b, cte7Bit
		}
		if allow8Bit {
			return b, cte8Bit
		}
	}
	return quotedPrintable(b), cteQuotedPrintable
}

const upperHex = "0123456789ABCDEF"

// qpEscape marks the octets quoted-printable always escapes: "=", controls
// (tab aside; CR and LF are line breaks by then) and octets above 126.
var qpEscape = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '=' || c > 126 || (c < 32 && c != '\t')
	}
	return t
}()

// quotedPrintable encodes CRLF-normalised b (RFC 2045 section 6.7). CRLF
// stays a hard line break; "=", controls, octets above 126 and a space or
// tab before a line end are escaped; soft breaks keep lines within 76
// characters. "=" only ever appears as "=XX" or a soft break, so the
// output can never hold "=_", which every boundary contains.
func quotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8+16)
	col := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			out = append(out, '\r', '\n')
			col = 0
			i++
			continue
		}
		escape := qpEscape[c]
		if c == ' ' || c == '\t' {
			escape = i+1 == len(b) || b[i+1] == '\r'
		}
		n := 1
		if escape {
			n = 3
		}
		if col+n > qpLineChar-1 {
			out = append(out, '=', '\r', '\n')
			col = 0
		}
		if escape {
			out = append(out, '=', upperHex[c>>4], upperHex[c&15])
		} else {
			out = append(out, c)
		}
		col += n
	}
	return out
}
