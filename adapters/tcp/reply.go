package tcp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/integrations/smtp/domain"
)

// Limits of a reply. RFC 5321 section 4.5.3.1.5 allows 512 octets a line;
// real servers send longer ones, so the reader is lenient up to
// maxLineLength. A reply can thus hold at most maxLineLength*maxReplyLines
// octets (1 MiB) of text, whatever the server sends.
const (
	maxLineLength = 4096 // octets of one reply line, CRLF included
	maxReplyLines = 256  // lines of one reply
)

// readReply reads one reply from r: lines up to the first one whose code is
// followed by a space (or nothing). seen, when not nil, gets every line read,
// without its line end. Lines may end in CRLF or, leniently, in a bare LF.
//
// It never holds more than one line beyond the lines it returns: a line
// longer than maxLineLength or a reply of more than maxReplyLines lines is
// an *domain.Error of KindInvalidResponse, and so is anything that is not an
// SMTP reply, and a reply whose last line is continued ("250-") when the
// server closes the connection after it. Other I/O errors come back as they
// are (io.ErrUnexpectedEOF for a connection closed in the middle of a line).
func readReply(r *bufio.Reader, seen func(string)) (*smtpReply, error) {
	_, reply, err := readAck(r, seen, terseNone)
	return reply, err
}

// terse says which replies readAck may return as their code alone.
type terse uint8

const (
	terseNone terse = iota // every reply in full
	terse2xx               // a one-line 2xx (MAIL, RCPT)
	terseData              // a one-line 2xx or 354 (DATA)
)

// readAck reads one reply as readReply does. A reply of one line whose code
// t allows comes back as its code alone (reply nil), and nothing is
// allocated for it unless seen wants the line: the replies to MAIL, RCPT
// and DATA whose text nobody reads. Only a line that parseReplyLine
// takes as a last line goes that way (see terseCode); any other is read as
// readReply reads it, with the same errors.
func readAck(r *bufio.Reader, seen func(string), t terse) (code int, reply *smtpReply, err error) {
	var room [1]string // the usual one-line reply's line, without an allocation
	lines := room[:0]
	for {
		raw, err := r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return 0, nil, invalidReply("reply line longer than " + strconv.Itoa(maxLineLength) + " octets")
			}
			if errors.Is(err, io.EOF) && len(raw) == 0 && len(lines) > 0 {
				// The server hung up at a line boundary after a line that
				// promised another: its last line is marked as continued.
				return 0, nil, &domain.Error{Kind: domain.KindInvalidResponse, Op: "reply",
					Message: "reply ends with a continued line (connection closed before its last line)",
					Err:     errors.Join(errMalformedReply, io.ErrUnexpectedEOF)}
			}
			if errors.Is(err, io.EOF) && len(raw) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
		raw = bytes.TrimSuffix(raw[:len(raw)-1], []byte{'\r'})
		if len(lines) == 0 {
			if code, ok := terseCode(raw, t); ok {
				if seen != nil {
					seen(string(raw))
				}
				return code, nil, nil
			}
		}
		line := string(raw)
		if seen != nil {
			seen(line)
		}
		_, more, _, err := parseReplyLine(line)
		if err != nil {
			return 0, nil, err
		}
		lines = append(lines, line)
		if !more {
			reply, err := parseReply(lines)
			if err != nil {
				return 0, nil, err
			}
			return reply.Code, reply, nil
		}
		if len(lines) == maxReplyLines {
			return 0, nil, invalidReply("reply longer than " + strconv.Itoa(maxReplyLines) + " lines")
		}
	}
}

// terseCode returns the code of line when it is a whole reply that t lets
// go without its text. It accepts only what parseReplyLine accepts as
// a last line: a valid code, then the end or a space and text without CR,
// LF or NUL (so parseReply would take it too).
func terseCode(line []byte, t terse) (int, bool) {
	if t == terseNone || len(line) < 3 {
		return 0, false
	}
	c0, c1, c2 := line[0], line[1], line[2]
	if c0 < '2' || c0 > '5' || c1 < '0' || c1 > '5' || c2 < '0' || c2 > '9' {
		return 0, false
	}
	code := int(c0-'0')*100 + int(c1-'0')*10 + int(c2-'0')
	if !(code >= 200 && code < 300 || t == terseData && code == 354) {
		return 0, false
	}
	if len(line) > 3 {
		text := line[4:]
		if line[3] != ' ' || bytes.IndexByte(text, '\r') >= 0 || bytes.IndexByte(text, '\n') >= 0 || bytes.IndexByte(text, 0) >= 0 {
			return 0, false
		}
	}
	return code, true
}

func invalidReply(msg string) *domain.Error {
	return &domain.Error{Kind: domain.KindInvalidResponse, Op: "reply", Message: msg, Err: errMalformedReply}
}
