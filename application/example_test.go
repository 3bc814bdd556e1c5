package application_test

import (
	"context"
	"fmt"

	"github.com/integrations/smtp/adapters/mime"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// ExampleNew wires a Client by hand from the TCP transport and the MIME
// encoder (bootstrap.NewClient does the same with TLS and AUTH), then sends a
// batch over one connection.
func ExampleNew() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	cfg := tcp.Config{Host: srv.Host(), Port: srv.Port(), TLSMode: tcp.TLSNone}
	transport, err := tcp.New(cfg, tcp.Deps{})
	if err != nil {
		panic(err)
	}
	client, err := application.New(transport, mime.New(), application.WithRetry(application.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		panic(err)
	}
	defer client.Close(context.Background())

	var batch []*domain.Email
	for _, to := range []string{"bob@example.org", "carol@example.org"} {
		e, err := domain.NewEmail().From("ann@example.com").To(to).Subject("Hi").Text("Hello").Build()
		if err != nil {
			panic(err)
		}
		batch = append(batch, e)
	}
	res, err := client.SendBatch(context.Background(), batch)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Succeeded, "sent,", res.Failed, "failed,", srv.Connections(), "connection")
	// Output: 2 sent, 0 failed, 1 connection
}

// ExampleClient_Send shows how to read the outcome of a send.
func ExampleClient_Send() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.RejectRecipient("nobody@example.org", 550, "5.1.1", "no such user")

	cfg := tcp.Config{Host: srv.Host(), Port: srv.Port(), TLSMode: tcp.TLSNone}
	transport, _ := tcp.New(cfg, tcp.Deps{})
	client, _ := application.New(transport, mime.New())
	defer client.Close(context.Background())

	e, _ := domain.NewEmail().From("ann@example.com").To("bob@example.org", "nobody@example.org").Subject("Hi").Text("Hello").Build()
	res, err := client.Send(context.Background(), e)
	switch {
	case domain.IsDeliveryUnknown(err):
		fmt.Println("the server may have the message: do not resend blindly")
	case err != nil:
		fmt.Println("failed:", domain.KindOf(err), "temporary:", domain.IsTemporary(err))
	default:
		fmt.Println("accepted:", res.Accepted)
		for _, r := range res.Rejected {
			fmt.Println("rejected:", r.Address, r.Code, r.Enhanced)
		}
	}
	// Output:
	// accepted: [bob@example.org]
	// rejected: nobody@example.org 550 5.1.1
}
