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
func readReply(r *bufio.Reader, seen func(string)) (*domain.Reply, error) {
	var lines []string
	for {
		raw, err := r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, invalidReply("reply line longer than " + strconv.Itoa(maxLineLength) + " octets")
			}
			if errors.Is(err, io.EOF) && len(raw) == 0 && len(lines) > 0 {
				// The server hung up at a line boundary after a line that
				// promised another: its last line is marked as continued.
				return nil, &domain.Error{Kind: domain.KindInvalidResponse, Op: "reply",
					Message: "reply ends with a continued line (connection closed before its last line)",
					Err:     errors.Join(domain.ErrMalformedReply, io.ErrUnexpectedEOF)}
			}
			if errors.Is(err, io.EOF) && len(raw) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		raw = bytes.TrimSuffix(raw[:len(raw)-1], []byte{'\r'})
		line := string(raw)
		if seen != nil {
			seen(line)
		}
		_, more, _, err := domain.ParseReplyLine(line)
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
		if !more {
			return domain.ParseReply(lines)
		}
		if len(lines) == maxReplyLines {
			return nil, invalidReply("reply longer than " + strconv.Itoa(maxReplyLines) + " lines")
		}
	}
}

func invalidReply(msg string) *domain.Error {
	return &domain.Error{Kind: domain.KindInvalidResponse, Op: "reply", Message: msg, Err: domain.ErrMalformedReply}
}
