package bootstrap_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/integrations/smtp/adapters/tcp"
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

	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	cfg.TLSMode = tcp.TLSNone // the test server speaks plaintext here; production keeps the STARTTLS-required default

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

// ExampleNewClient_concurrent shares one client between goroutines: their
// messages go through a pool of two sessions, coalesced when both are busy.
func ExampleNewClient_concurrent() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port, cfg.TLSMode = srv.Host(), srv.Port(), tcp.TLSNone
	cfg.Pool.MaxConnections, cfg.Pool.MinIdle = 2, -1
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		panic(err)
	}

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email, err := domain.NewEmail().From("ann@example.com").To("bob@example.org").
				Subject(fmt.Sprintf("message %d", i)).Text("hello").Build()
			if err != nil {
				panic(err)
			}
			if _, err := client.Send(context.Background(), email); err != nil {
				fmt.Println(domain.KindOf(err), err)
			}
		}()
	}
	wg.Wait()
	fmt.Println("pool size", client.PoolStatus().MaxSize)
	if err := client.Close(context.Background()); err != nil {
		panic(err)
	}
	fmt.Println("received", len(srv.Messages()), "over at most 2 connections:", srv.Connections() <= 2)
	// Output:
	// pool size 2
	// received 20 over at most 2 connections: true
}

// ExampleClient_SendRawReader streams a prebuilt message from a file.
func ExampleClient_SendRawReader() {
	srv, err := smtptest.NewServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port, cfg.TLSMode = srv.Host(), srv.Port(), tcp.TLSNone
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	defer client.Close(context.Background())

	f, err := os.CreateTemp("", "message-*.eml")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	fmt.Fprint(f, "From: ann@example.com\r\nTo: bob@example.org\r\nBcc: carl@example.net\r\nSubject: prebuilt\r\n\r\nHello\r\n")
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		panic(err)
	}
	res, err := client.SendRawReader(context.Background(), domain.MustParseAddress("ann@example.com"),
		[]domain.Address{domain.MustParseAddress("bob@example.org"), domain.MustParseAddress("carl@example.net")}, f)
	if err != nil {
		panic(err)
	}
	got := srv.Messages()[0]
	fmt.Println(res.Accepted, strings.Contains(string(got.Data), "carl"))
	// Output: [bob@example.org carl@example.net] false
}
