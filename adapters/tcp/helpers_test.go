package tcp

import (
	"errors"
	"io"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// env builds an envelope from addresses.
func env(from string, to ...string) ports.Envelope {
	e := ports.Envelope{}
	if from != "" {
		e.From = domain.MustParseAddress(from)
	}
	for _, a := range to {
		e.To = append(e.To, domain.MustParseAddress(a))
	}
	return e
}

// textBody is a body that writes the same text each time and counts how
// often it was written.
type textBody struct {
	text   string
	writes atomic.Int32
}

func body(s string) *textBody { return &textBody{text: s} }

func (b *textBody) WriteTo(w io.Writer) (int64, error) {
	b.writes.Add(1)
	n, err := io.WriteString(w, b.text)
	return int64(n), err
}

// failingBody writes some text and then fails.
type failingBody struct {
	text string
	err  error
}

func (b failingBody) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, b.text)
	if err != nil {
		return int64(n), err
	}
	return int64(n), b.err
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var errBoom = errors.New("boom")

func errUnexpectedEOF() error { return io.ErrUnexpectedEOF }
