package smtp_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/integrations/smtp"
	"github.com/integrations/smtp/smtptest"
)

// Example sends one email the way production does, STARTTLS required and
// AUTH, through an in-process test server (package smtptest) that trusts
// nobody but its own CA.
func Example() {
	srv, err := smtptest.NewServer(smtptest.WithSTARTTLS(), smtptest.WithAuth("me@example.com", "s3cret"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "smtp-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.pem")
	if err := srv.WriteCA(caFile); err != nil {
		panic(err)
	}

	// The zero Config plus a host and a port is the secure default:
	// STARTTLS required, TLS 1.2+, certificates verified.
	cfg := smtp.Config{Host: srv.Host(), Port: srv.Port()}
	cfg.TLS.CAFile = caFile // the test server's CA; a real server's certificate verifies against the system roots
	cfg.Credentials = smtp.PasswordCredentials("me@example.com", "s3cret")

	client, err := smtp.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	defer client.Close(context.Background())

	email, err := smtp.NewEmail().
		From("Me <me@example.com>").
		To("you@example.org").
		Subject("Hello").
		Text("Hello, world").
		Build()
	if err != nil {
		panic(err)
	}
	res, err := client.Send(context.Background(), email)
	if res != nil {
		fmt.Println("accepted:", res.Accepted, "rejected:", len(res.Rejected))
	}
	if err != nil {
		fmt.Println("failed:", smtp.KindOf(err).String(), err)
		return
	}

	got := srv.Messages()[0]
	fmt.Println("received over TLS:", got.TLS, "as", got.Auth)
	fmt.Println("has the message id:", strings.Contains(string(got.Data), res.MessageID))
	// Output:
	// accepted: [you@example.org] rejected: 0
	// received over TLS: true as me@example.com
	// has the message id: true
}

// ExampleNewClient shows that NewClient checks the whole configuration
// before anything is dialled, and reports every problem at once.
func ExampleNewClient() {
	var cfg smtp.Config
	cfg.Port = 465                         // implicit TLS's port ...
	cfg.TLSMode = smtp.TLSStartTLSRequired // ... with STARTTLS; and no Host
	_, err := smtp.NewClient(cfg)
	fmt.Println(errors.Is(err, smtp.KindMessage), smtp.KindOf(err).String())
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Println(line)
	}
	// Output:
	// true invalid_input
	// smtp config: invalid_input: host is required
	// smtp config: invalid_input: port 465 speaks implicit TLS, not STARTTLS: use TLS mode implicit, or port 587 for STARTTLS
}

// ExampleConfigFromEnv reads the configuration from SMTP_* variables, as
// a program deployed with them would; a value that does not parse is an
// error naming its variable.
func ExampleConfigFromEnv() {
	os.Setenv("SMTP_HOST", "smtp.example.com")
	os.Setenv("SMTP_PORT", "465")
	defer os.Unsetenv("SMTP_HOST")
	defer os.Unsetenv("SMTP_PORT")
	cfg, err := smtp.ConfigFromEnv()
	fmt.Println(cfg.Host, cfg.Port, err)

	os.Setenv("SMTP_PORT", "submission")
	_, err = smtp.ConfigFromEnv()
	fmt.Println(err)
	// Output:
	// smtp.example.com 465 <nil>
	// smtp environment: invalid_input: SMTP_PORT: "submission" is not a whole number
}

// ExampleNewEmail shows that Build reports every problem of a message at
// once, each an *smtp.Error of the KindMessage category.
func ExampleNewEmail() {
	_, err := smtp.NewEmail().
		From("not an address").
		To("you@example.org", "bad\r\nBcc: evil@example.net").
		Build()
	var e *smtp.Error
	fmt.Println(errors.As(err, &e), errors.Is(err, smtp.KindMessage))
	fmt.Println(len(strings.Split(err.Error(), "\n")), "problems")
	// Output:
	// true true
	// 2 problems
}

// ExampleParseAddress parses a mailbox with a display name.
func ExampleParseAddress() {
	a, err := smtp.ParseAddress(`"Doe, Ann" <ann@example.com>`)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Name(), "|", a.Email(), "|", a)
	_, err = smtp.ParseAddress("ann@")
	fmt.Println(smtp.KindOf(err).String()) // a Kind is also an error: %v prints "smtp: " first
	// Output:
	// Doe, Ann | ann@example.com | "Doe, Ann" <ann@example.com>
	// invalid_input
}

// plainClient returns a client for srv without TLS (the test server's
// plaintext listener) and one attempt per send, so that each example shows
// the server's first answer.
func plainClient(srv *smtptest.Server) *smtp.Client {
	cfg := smtp.Config{Host: srv.Host(), Port: srv.Port()}
	cfg.TLSMode = smtp.TLSNone // a local test server only
	cfg.Retry.MaxAttempts = 1
	client, err := smtp.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	return client
}

func hello(to ...string) *smtp.Email {
	email, err := smtp.NewEmail().From("me@example.com").To(to...).Subject("Hello").Text("Hello").Build()
	if err != nil {
		panic(err)
	}
	return email
}

// ExampleIsTemporary shows a 4xx reply: the condition should clear, send
// again later.
func ExampleIsTemporary() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.FailAt("MAIL", 451, "4.3.0 Try again later")
	client := plainClient(srv)
	defer client.Close(context.Background())

	_, err = client.Send(context.Background(), hello("you@example.org"))
	fmt.Println(smtp.IsTemporary(err), smtp.IsPermanent(err), smtp.IsDeliveryUnknown(err))
	e := smtp.AsError(err)
	fmt.Println(e.Code, e.Enhanced, e.Op)
	// Output:
	// true false false
	// 451 4.3.0 mail
}

// ExampleIsPermanent shows a recipient refused for good. Send returns the
// result together with the error: it lists the refused recipients.
func ExampleIsPermanent() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.RejectRecipient("nobody@example.org", 550, "5.1.1", "No such user")
	client := plainClient(srv)
	defer client.Close(context.Background())

	res, err := client.Send(context.Background(), hello("nobody@example.org"))
	fmt.Println(smtp.IsPermanent(err), smtp.IsTemporary(err))
	if res != nil {
		for _, r := range res.Rejected {
			fmt.Println(r.Address, r.Code, r.Message)
		}
	}
	// Output:
	// true false
	// nobody@example.org 550 No such user
}

// ExampleIsDeliveryUnknown shows a connection lost after the final dot,
// before the server's answer: the message may have been delivered, so it
// is neither temporary nor retried.
func ExampleIsDeliveryUnknown() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.DropAfterData()
	client := plainClient(srv)
	defer client.Close(context.Background())

	_, err = client.Send(context.Background(), hello("you@example.org"))
	fmt.Println(smtp.IsDeliveryUnknown(err), smtp.IsTemporary(err), smtp.IsPermanent(err))
	fmt.Println(smtp.KindOf(err).String())
	// Output:
	// true false false
	// delivery_status_unknown
}

// ExampleKindOf classifies an authentication failure: errors.Is matches
// its category, KindOf names the narrow kind.
func ExampleKindOf() {
	srv, err := smtptest.NewServer(smtptest.WithAuth("me@example.com", "right"), smtptest.WithAllowInsecureAuth(true))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cfg := smtp.Config{Host: srv.Host(), Port: srv.Port()}
	cfg.TLSMode, cfg.AllowInsecureAuth = smtp.TLSNone, true // a local test server only
	cfg.Credentials = smtp.PasswordCredentials("me@example.com", "wrong")
	client, err := smtp.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	defer client.Close(context.Background())

	_, err = client.Send(context.Background(), hello("you@example.org"))
	fmt.Println(smtp.KindOf(err).String(), errors.Is(err, smtp.KindAuth), smtp.IsPermanent(err))
	fmt.Println(strings.Contains(err.Error(), "wrong")) // secrets never appear in errors
	// Output:
	// credentials_invalid true true
	// false
}
