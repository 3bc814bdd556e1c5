package bootstrap_test

import (
	"context"
	"fmt"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// ExampleNewClient sends a message through an in-process test server.
func ExampleNewClient() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	cfg := domain.DefaultConfig()
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	cfg.TLSMode = domain.TLSNone // the test server speaks plaintext here; production keeps the STARTTLS-required default

	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	defer client.Close(context.Background())

	email, err := domain.NewEmail().
		From("Ann <ann@example.com>").
		To("bob@example.org").
		Subject("Hello").
		Text("Hello, Bob").
		Build()
	if err != nil {
		panic(err)
	}
	res, err := client.Send(context.Background(), email)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Accepted, len(srv.Messages()))
	// Output: [bob@example.org] 1
}
