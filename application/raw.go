package application

import (
	"bytes"
	"context"
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
	m := newRawMessage(data)
	var result *domain.SendResult
	err := c.exec.WithContext(ctx).RunWithExecution(func(x failsafe.Execution[any]) error {
		start := c.o.now()
		s, err := c.acquire(x.Context())
		if err != nil {
			return err
		}
		defer c.release(x.Context(), s)
		env := ports.Envelope{From: from, To: to, EightBit: m.EightBit()}
		if s.Info().Capabilities.Size {
			env.Size = m.size
		}
		tx, err := s.Send(x.Context(), env, m)
		if err != nil {
			return err
		}
		result = c.result(m.MessageID(), env, tx, start)
		return nil
	})
	if err != nil {
		return nil, translate(err)
	}
	return result, nil
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
