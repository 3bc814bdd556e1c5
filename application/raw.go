package application

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/mail"
	"strings"

	"github.com/failsafe-go/failsafe-go"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// SendRaw sends a prebuilt RFC 5322 message with the given envelope, under
// the same retries as Send (interceptors, which work on *domain.Email, are
// not applied). The session still normalises line ends to CRLF and
// dot-stuffs the data. Errors are *domain.Error.
func (c *Client) SendRaw(ctx context.Context, from domain.Address, to []domain.Address, data []byte) (*domain.SendResult, error) {
	if err := c.enter("send raw"); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	if from.IsZero() {
		return nil, domain.NewError(domain.KindInvalidFromAddress, "send raw", "envelope sender is required")
	}
	if len(to) == 0 {
		return nil, domain.NewError(domain.KindInvalidRecipientAddress, "send raw", "at least one recipient is required")
	}
	if len(data) == 0 {
		return nil, domain.NewError(domain.KindInvalidInput, "send raw", "message is empty")
	}
	data, err := checkRaw(data)
	if err != nil {
		return nil, err
	}
	m := newRawMessage(data)
	var result *domain.SendResult
	err = c.exec.WithContext(ctx).RunWithExecution(func(x failsafe.Execution[any]) error {
		start := c.o.now()
		s, err := c.acquire(x.Context())
		if err != nil {
			return err
		}
		env := ports.Envelope{From: from, To: to, EightBit: m.EightBit()}
		if s.Info().Capabilities.Size {
			env.Size = m.size
		}
		tx, err := s.Send(x.Context(), env, m)
		c.release(x.Context(), s, err)
		result, err = c.outcome(m.MessageID(), env, tx, err, start, m.size)
		return err
	})
	return finish(result, err)
}

// rawMessage is a prebuilt message as a ports.Message.
type rawMessage struct {
	data     []byte
	size     int64 // after CRLF normalisation
	eightBit bool
	id       string
}

var _ ports.Message = (*rawMessage)(nil)

func newRawMessage(data []byte) *rawMessage {
	m := &rawMessage{data: data, size: normalizedSize(data)}
	for _, b := range data {
		if b >= 0x80 {
			m.eightBit = true
			break
		}
	}
	if msg, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.id = strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")
	}
	return m
}

// normalizedSize counts data as it goes on the wire: every bare CR or bare
// LF becomes CRLF.
func normalizedSize(data []byte) int64 {
	n := int64(len(data))
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			} else {
				n++
			}
		case '\n':
			n++
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' && data[len(data)-1] != '\r' {
		n += 2 // the session ends the last line before the final dot
	}
	return n
}

func (m *rawMessage) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(m.data)
	return int64(n), err
}

func (m *rawMessage) MessageID() string    { return m.id }
func (m *rawMessage) Size() (int64, error) { return m.size, nil }
func (m *rawMessage) EightBit() bool       { return m.eightBit }

// checkRaw refuses a prebuilt message that SMTP cannot carry as it is (a
// line over 998 octets, a NUL) and removes its Bcc header fields, as
// sendmail -t and Postfix do, so blind recipients stay blind. Errors are
// *domain.Error of KindInvalidInput.
func checkRaw(data []byte) ([]byte, error) {
	line := 1
	for rest := data; len(rest) > 0; line++ {
		end := bytes.IndexAny(rest, "\r\n")
		if end < 0 {
			end = len(rest)
		}
		if end > 998 {
			return nil, domain.NewError(domain.KindInvalidInput, "send raw", fmt.Sprintf("line %d is %d octets long; SMTP allows 998 (encode the message, e.g. quoted-printable)", line, end))
		}
		if bytes.IndexByte(rest[:end], 0) >= 0 {
			return nil, domain.NewError(domain.KindInvalidInput, "send raw", fmt.Sprintf("line %d holds a NUL octet", line))
		}
		rest = rest[end:]
		if len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' {
			rest = rest[2:]
		} else if len(rest) > 0 {
			rest = rest[1:]
		}
	}
	return stripBcc(data), nil
}

// stripBcc removes every Bcc field (with its folded continuation lines) from
// the header section of data; it returns data itself when there is none.
func stripBcc(data []byte) []byte {
	out := make([]byte, 0, len(data))
	found, dropping := false, false
	for rest := data; len(rest) > 0; {
		end := bytes.IndexByte(rest, '\n') + 1
		if end == 0 {
			end = len(rest)
		}
		line := rest[:end]
		rest = rest[end:]
		if len(bytes.TrimRight(line, "\r\n")) == 0 { // the blank line ends the header section
			out = append(append(out, line...), rest...)
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			dropping = len(line) >= 4 && strings.EqualFold(string(line[:4]), "bcc:")
			found = found || dropping
		}
		if !dropping {
			out = append(out, line...)
		}
	}
	if !found {
		return data
	}
	return out
}
