package mime_test

import (
	"bytes"
	"fmt"
	stdmime "mime"
	"net/mail"

	"github.com/integrations/smtp/adapters/mime"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// ExampleEncoder_Prepare encodes a message once and streams it; every
// WriteTo of the prepared message yields the same bytes.
func ExampleEncoder_Prepare() {
	e, err := domain.NewEmail().
		From("Jörg <joerg@example.com>").
		To("bob@example.org").
		Subject("Grüße").
		Text("Hallo Bob").
		MessageID("fixed-id@example.com").
		Build()
	if err != nil {
		panic(err)
	}
	msg, err := mime.New().Prepare(e, ports.EncodeOptions{})
	if err != nil {
		panic(err)
	}
	var first, second bytes.Buffer
	_, _ = msg.WriteTo(&first)
	_, _ = msg.WriteTo(&second)
	size, _ := msg.Size()

	parsed, _ := mail.ReadMessage(bytes.NewReader(first.Bytes()))
	subject, _ := new(stdmime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	fmt.Println(subject, parsed.Header.Get("Message-Id"))
	fmt.Println(bytes.Equal(first.Bytes(), second.Bytes()), int64(first.Len()) == size, msg.EightBit())
	// Output:
	// Grüße <fixed-id@example.com>
	// true true false
}
