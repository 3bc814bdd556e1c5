package mime

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strings"
)

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
	b, _ := normalizeText(s)
	return b
}

// normalizeText returns s with every bare CR, bare LF and CRLF turned into
// CRLF, and what scanText would say of the result. Text without a CR, the
// usual case, is cut at its LFs with strings.IndexByte and copied line by
// line into a buffer of the exact size.
func normalizeText(s string) ([]byte, textStats) {
	if strings.IndexByte(s, '\r') >= 0 {
		b := normalizeMixed(s)
		return b, scanText(b)
	}
	out := make([]byte, 0, len(s)+strings.Count(s, "\n"))
	longest := 0
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			longest = max(longest, len(s))
			out = append(out, s...)
			break
		}
		longest = max(longest, i)
		out = append(out, s[:i]...)
		out = append(out, '\r', '\n')
		s = s[i+1:]
	}
	st := octetStats(out)
	st.longest = longest
	return out, st
}

// normalizeMixed is normalizeNewlines for text that holds a CR.
func normalizeMixed(s string) []byte {
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
	st := octetStats(b)
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i-1], b[i+1:] // normalised: every LF follows a CR
		} else {
			b = nil
		}
		st.longest = max(st.longest, len(line))
	}
	return st
}

// octetStats reports whether b is ASCII and whether it holds a NUL (CR and
// LF are neither), eight octets at a time.
func octetStats(b []byte) textStats {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var high, zero uint64
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		high |= w
		zero |= (w - ones) &^ w // a zero octet sets its high bit here
		b = b[8:]
	}
	st := textStats{ascii: high&highs == 0, nul: zero&highs != 0}
	for _, c := range b {
		if c >= 0x80 {
			st.ascii = false
		} else if c == 0 {
			st.nul = true
		}
	}
	return st
}

// highOctets counts the octets of b above 127, eight at a time.
func highOctets(b []byte) int {
	const highs = 0x8080808080808080
	n := 0
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b) & highs)
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			n++
		}
	}
	return n
}

// lfTextStats returns what scanText would say of s with its LFs made
// CRLF, for s without a CR, without copying s.
func lfTextStats(s string) textStats {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var high, zero uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		high |= w
		zero |= (w - ones) &^ w // a zero octet sets its high bit here
	}
	st := textStats{ascii: high&highs == 0, nul: zero&highs != 0}
	for ; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			st.ascii = false
		} else if c == 0 {
			st.nul = true
		}
	}
	for rest := s; ; {
		j := strings.IndexByte(rest, '\n')
		if j < 0 {
			st.longest = max(st.longest, len(rest))
			return st
		}
		st.longest = max(st.longest, j)
		rest = rest[j+1:]
	}
}

// encodeText normalises a text body to CRLF and picks its transfer
// encoding: 7bit for ASCII whose lines all fit in 998 octets, 8bit for
// other such text when allow8Bit, quoted-printable otherwise.
func encodeText(s string, allow8Bit bool) (body []byte, cte string) {
	b, st := normalizeText(s)
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
//
// It works a line (up to a CRLF) at a time: a line of at most 75 octets
// that needs no escape is copied as it is; any other is encoded into room
// reserved for its worst case.
func quotedPrintable(b []byte) []byte {
	// Room for every octet above 127 escaped and a soft break every 64
	// octets: appends rarely have to grow it.
	out := make([]byte, 0, len(b)+2*highOctets(b)+len(b)/64*3+16)
	for {
		line, rest, brk := b, []byte(nil), false
		if i := indexCRLF(b); i >= 0 {
			line, rest, brk = b[:i], b[i+2:], true
		}
		out = appendQPLine(out, line)
		if !brk {
			return out
		}
		out = append(out, '\r', '\n')
		b = rest
	}
}

// indexCRLF returns the index of the first CRLF in b, or -1.
func indexCRLF(b []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return -1
		}
		if i += off; i > 0 && b[i-1] == '\r' {
			return i - 1
		}
		off = i + 1
	}
}

// appendQPLine appends line, which holds no CRLF, quoted-printable encoded
// with soft breaks. A space or tab is escaped at its end or before a CR
// (what quotedPrintable's caller has as a line end). Runs of octets that go
// as they are are copied whole.
func appendQPLine(out, line []byte) []byte {
	if len(line) <= qpLineChar-1 && !needsQP(line) {
		return append(out, line...)
	}
	col := 0 // characters on the output line
	for j := 0; j < len(line); {
		run := j
		for run < len(line) && !qpEscape[line[run]] {
			run++
		}
		// A space or tab before the line end or a CR is escaped.
		if run > j && isBlank(line[run-1]) && (run == len(line) || line[run] == '\r') {
			run--
		}
		for j < run {
			if col == qpLineChar-1 { // another character would make 76
				out = append(out, '=', '\r', '\n')
				col = 0
			}
			n := min(run-j, qpLineChar-1-col)
			out = append(out, line[j:j+n]...)
			col += n
			j += n
		}
		if j == len(line) {
			break
		}
		c := line[j]
		escape := qpEscape[c]
		if c == ' ' || c == '\t' {
			escape = j+1 == len(line) || line[j+1] == '\r'
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
		j++
	}
	return out
}

// needsQP reports whether a line needs an escape: an octet qpEscape marks,
// or a space or tab at its end.
func needsQP(line []byte) bool {
	if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
		return true
	}
	for _, c := range line {
		if qpEscape[c] {
			return true
		}
	}
	return false
}
