package bootstrap_test

import (
	"context"
	"testing"
	"time"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// Outcome faults found by an adversarial run of the public API, against an
// in-process server, with the default retry policy.

func defaultRetries(srv *smtptest.Server) bootstrap.Config {
	cfg := plainConfig(srv)
	cfg.Retry = application.RetryPolicy{} // 3 attempts
	return cfg
}

func TestAContextEndingAfterTheFinalDotIsDeliveryUnknown(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Delay("DATA", 20*time.Second) // the final reply never comes in time
	for _, pooled := range []bool{true, false} {
		var opts []bootstrap.ClientOption
		if !pooled {
			opts = append(opts, bootstrap.WithoutPool())
		}
		client, err := bootstrap.NewClient(defaultRetries(srv), opts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err = client.Send(ctx, email(t))
		cancel()
		if !domain.IsDeliveryUnknown(err) || domain.IsTemporary(err) || domain.AsError(err) == nil {
			t.Errorf("pooled %v: Send = %v; want a *domain.Error of delivery status unknown, not temporary", pooled, err)
		}
		closeCtx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_ = client.Close(closeCtx) // the server is still sleeping; do not wait for it
		stop()
	}
}

func TestSendDoesNotWaitForTheQuitReply(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Delay("QUIT", 20*time.Second)
	for _, pooled := range []bool{true, false} {
		var opts []bootstrap.ClientOption
		if !pooled {
			opts = append(opts, bootstrap.WithoutPool())
		}
		client, err := bootstrap.NewClient(defaultRetries(srv), opts...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		_, err = client.Send(ctx, email(t))
		cancel()
		if err != nil {
			t.Fatalf("pooled %v: Send = %v", pooled, err)
		}
		// The QUIT reply is 20 s away; the send must not be waiting for it.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("pooled %v: Send took %v; it waited for the QUIT reply", pooled, d)
		}
		closeCtx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if err := client.Close(closeCtx); err == nil && !pooled {
			t.Errorf("Close returned nil while a QUIT was unanswered; want the context's error")
		}
		stop()
	}
}

func TestARecipientDeferredTwiceIsReportedOneByOne(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectRecipient("cat@example.org", 452, "4.5.3", "try again later")
	client, err := bootstrap.NewClient(defaultRetries(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close(context.Background())
	e, err := domain.NewEmail().From("a@example.com").To("bob@example.org", "cat@example.org").Subject("s").Text("x").Build()
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Send(context.Background(), e)
	if err != nil {
		t.Fatalf("Send = %v; want no error: bob has the message, cat is reported in Rejected", err)
	}
	if len(res.Accepted) != 1 || len(res.Rejected) != 1 || res.Rejected[0].Code != 452 {
		t.Fatalf("result = %+v; want bob accepted, cat rejected with 452", res)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server got %d messages; want 1 (never retried as a whole)", n)
	}
}
