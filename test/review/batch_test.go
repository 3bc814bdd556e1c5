package review_test

import (
	"context"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// A pipelined batch goes out in chunks of 8, 16, 32... messages, each one
// ports.Session.SendMany on the same session. When the last message of a
// chunk leaves the session unusable (here a 421 to its RCPT, which closes
// the connection), the next chunk is still handed to the dead session: its
// messages fail with connection_unhealthy without a byte of them sent, and
// with retries off they are reported failed. SendBatch's contract says the
// messages not started yet go on a new session.
func TestBatchChunkAfterADeadSessionGoesOnANewSession(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectRecipient("gone@example.test", 421, "4.3.2", "shutting down")
	c := newClient(t, config(srv, 1, 1)) // one session, no retries
	const n = 24
	emails := make([]*domain.Email, n)
	for i := range emails {
		rcpt := "rcpt@example.test"
		if i == 7 { // the last message of the first chunk
			rcpt = "gone@example.test"
		}
		emails[i] = message(t, id(i), rcpt)
	}
	res, err := c.SendBatch(context.Background(), emails)
	if err != nil {
		t.Fatalf("SendBatch: %v", err)
	}
	for i, it := range res.Items {
		if i == 7 {
			if it.Err == nil {
				t.Errorf("item 7: no error; want the 421")
			}
			continue
		}
		if it.Err != nil {
			t.Errorf("item %d: %v; want it sent on a new session (nothing of it was sent)", i, it.Err)
		}
	}
	if got := len(srv.Messages()); got != n-1 {
		t.Errorf("server stored %d messages; want %d", got, n-1)
	}
}
