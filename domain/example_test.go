package domain_test

import (
	"errors"
	"fmt"

	"github.com/integrations/smtp/domain"
)

func ExampleNewEmail() {
	email, err := domain.NewEmail().
		From("Alice <alice@example.com>").
		To("bob@example.com", "Carol <carol@example.org>").
		Bcc("audit@example.com").
		Subject("Quarterly report").
		Text("The report is attached.").
		HTML("<p>The report is attached.</p>").
		AttachBytes("report.csv", "text/csv", []byte("q,revenue\nQ4,42\n")).
		Priority(domain.PriorityHigh).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("MAIL FROM:<" + email.EnvelopeFrom().Email() + ">")
	for _, rcpt := range email.Recipients() {
		fmt.Println("RCPT TO:<" + rcpt.Email() + ">")
	}
	fmt.Println("From:", email.From)
	fmt.Println("Attachments:", len(email.Attachments), email.Attachments[0].Filename)

	// Build reports every problem at once; classify them with errors.Is.
	_, err = domain.NewEmail().From("not an address").Subject("hi\r\nBcc: eve@example.com").Build()
	fmt.Println(errors.Is(err, domain.KindInvalidFromAddress), errors.Is(err, domain.KindInvalidHeader), errors.Is(err, domain.KindInvalidRecipientAddress))
	// Output:
	// MAIL FROM:<alice@example.com>
	// RCPT TO:<bob@example.com>
	// RCPT TO:<carol@example.org>
	// RCPT TO:<audit@example.com>
	// From: "Alice" <alice@example.com>
	// Attachments: 1 report.csv
	// true true true
}

func ExampleParseAddress() {
	a, err := domain.ParseAddress("Jörg Müller <jörg@bücher.de>")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Name())
	fmt.Println(a.Email())
	fmt.Println(a.ASCIIEmail()) // the domain in punycode; false: the local part is not ASCII
	fmt.Println(a.Header(true)) // the name RFC 2047 encoded
	fmt.Println(a.NeedsSMTPUTF8())

	_, err = domain.ParseAddress("eve@example.com>\r\nRCPT TO:<victim@example.com")
	fmt.Println(domain.KindOf(err).String())
	// Output:
	// Jörg Müller
	// jörg@bücher.de
	// jörg@xn--bcher-kva.de false
	// =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jörg@xn--bcher-kva.de>
	// true
	// invalid_input
}
