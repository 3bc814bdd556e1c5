package tcp

import (
	"errors"
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
)

// parseEnhancedCode reads an RFC 3463 code at the start of text (class 2, 4
// or 5; subject 0-999; detail 0-999) followed by a space or the end. It
// returns the code and the rest of text after the separating space.
func parseEnhancedCode(text string) (domain.EnhancedCode, string, bool) {
	field := text
	rest := ""
	if i := strings.IndexByte(text, ' '); i >= 0 {
		field, rest = text[:i], text[i+1:]
	}
	// Three dot-separated numbers, cut without allocating.
	var n [3]int
	for i := range n {
		p := field
		if i < 2 {
			j := strings.IndexByte(field, '.')
			if j < 0 {
				return domain.EnhancedCode{}, text, false
			}
			p, field = field[:j], field[j+1:]
		} else if strings.IndexByte(p, '.') >= 0 {
			return domain.EnhancedCode{}, text, false
		}
		if len(p) == 0 || len(p) > 3 || (i == 0 && len(p) != 1) {
			return domain.EnhancedCode{}, text, false
		}
		v := 0
		for _, ch := range []byte(p) {
			if ch < '0' || ch > '9' {
				return domain.EnhancedCode{}, text, false
			}
			v = v*10 + int(ch-'0')
		}
		n[i] = v
	}
	if n[0] != 2 && n[0] != 4 && n[0] != 5 {
		return domain.EnhancedCode{}, text, false
	}
	return domain.EnhancedCode{Class: n[0], Subject: n[1], Detail: n[2]}, rest, true
}

// smtpReply is one SMTP reply, possibly of several lines.
type smtpReply struct {
	Code     int                 // the three-digit reply code
	Enhanced domain.EnhancedCode // from the first line that carries one whose class matches Code's
	Lines    []string            // the text of each line, without code, separator or enhanced code
}

// Text returns the lines joined with a space.
func (r *smtpReply) Text() string { return strings.Join(r.Lines, " ") }

// String returns the reply as "CODE ENHANCED TEXT" on one line.
func (r *smtpReply) String() string {
	n := 3 + 13 + len(r.Lines) // code, " 5.999.999", a space before each line
	for _, l := range r.Lines {
		n += len(l)
	}
	var b strings.Builder
	b.Grow(n) // one allocation
	var digits [20]byte
	b.Write(strconv.AppendInt(digits[:0], int64(r.Code), 10))
	if c := r.Enhanced; !c.IsZero() {
		b.WriteByte(' ')
		b.Write(strconv.AppendInt(digits[:0], int64(c.Class), 10))
		b.WriteByte('.')
		b.Write(strconv.AppendInt(digits[:0], int64(c.Subject), 10))
		b.WriteByte('.')
		b.Write(strconv.AppendInt(digits[:0], int64(c.Detail), 10))
	}
	if len(r.Lines) > 1 || len(r.Lines) == 1 && r.Lines[0] != "" { // Text is not empty
		for _, l := range r.Lines { // " " + Text()
			b.WriteByte(' ')
			b.WriteString(l)
		}
	}
	return b.String()
}

// Positive reports whether the reply is 2xx.
func (r *smtpReply) Positive() bool { return r.Code >= 200 && r.Code < 300 }

// Intermediate reports whether the reply is 3xx.
func (r *smtpReply) Intermediate() bool { return r.Code >= 300 && r.Code < 400 }

// TransientNegative reports whether the reply is 4xx.
func (r *smtpReply) TransientNegative() bool { return r.Code >= 400 && r.Code < 500 }

// PermanentNegative reports whether the reply is 5xx.
func (r *smtpReply) PermanentNegative() bool { return r.Code >= 500 && r.Code < 600 }

// errMalformedReply is the cause of every reply-parsing failure.
var errMalformedReply = errors.New("malformed reply")

func malformed(msg string) error {
	return &domain.Error{Kind: domain.KindInvalidResponse, Op: "reply", Message: msg, Err: errMalformedReply}
}

// parseReplyLine parses one reply line without its CRLF, per RFC 5321
// section 4.2: three digits (first 2-5, second 0-5), then a space, a hyphen
// or the end of the line. more is true for a hyphen (a line follows). A bare
// code ("250") is a valid last line. Errors are *domain.Error of domain.KindInvalidResponse.
func parseReplyLine(line string) (code int, more bool, text string, err error) {
	if len(line) < 3 {
		return 0, false, "", malformed("reply line shorter than a code")
	}
	c0, c1, c2 := line[0], line[1], line[2]
	if c0 < '2' || c0 > '5' || c1 < '0' || c1 > '5' || c2 < '0' || c2 > '9' {
		return 0, false, "", malformed("reply does not start with a valid three-digit code")
	}
	code = int(c0-'0')*100 + int(c1-'0')*10 + int(c2-'0')
	if len(line) == 3 {
		return code, false, "", nil
	}
	switch line[3] {
	case ' ':
		more = false
	case '-':
		more = true
	default:
		return 0, false, "", malformed("reply code not followed by space or hyphen")
	}
	text = line[4:]
	for i := 0; i < len(text); i++ {
		if ch := text[i]; ch == '\r' || ch == '\n' || ch == 0 {
			return 0, false, "", malformed("control character in reply text")
		}
	}
	return code, more, text, nil
}

// parseReply parses a whole reply given as its lines (without CRLF). Every
// line must carry the same code; every line but the last must use a hyphen
// and the last a space or nothing. An enhanced code whose class matches the
// code's first digit is stripped from the text of every line; Enhanced is
// the first such code (a code stripped from a later line is not lost).
// Errors are *domain.Error of domain.KindInvalidResponse.
func parseReply(lines []string) (*smtpReply, error) {
	if len(lines) == 0 {
		return nil, malformed("empty reply")
	}
	var r *smtpReply
	if len(lines) == 1 { // the usual reply: its line in the same allocation
		one := &struct {
			r     smtpReply
			lines [1]string
		}{}
		r = &one.r
		r.Lines = one.lines[:0]
	} else {
		r = &smtpReply{Lines: make([]string, 0, len(lines))}
	}
	for i, line := range lines {
		code, more, text, err := parseReplyLine(line)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			r.Code = code
		} else if code != r.Code {
			return nil, malformed("reply lines carry different codes")
		}
		last := i == len(lines)-1
		if more == last {
			if last {
				return nil, malformed("last reply line marked as continued")
			}
			return nil, malformed("reply line ends the reply before its last line")
		}
		r.Lines = append(r.Lines, r.stripEnhanced(text))
	}
	return r, nil
}

func (r *smtpReply) stripEnhanced(text string) string {
	enh, rest, ok := parseEnhancedCode(text)
	if !ok || enh.Class != r.Code/100 {
		return text
	}
	if r.Enhanced.IsZero() {
		r.Enhanced = enh
	}
	return rest
}
