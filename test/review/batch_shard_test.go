package review_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// A batch large enough to be sharded over every pooled session, while the
// server refuses MAIL, or a message after its final dot, with 421 now and
// then (closing the connection): every
// item gets exactly one outcome, an item reported sent is stored exactly
// once, an item reported failed (not delivery-unknown) is not stored.
func TestShardedBatchAccountsForEveryMessage(t *testing.T) {
	srv := smtptest.Start(t)
	c := newClient(t, config(srv, 4, 5))
	const n = 400
	emails := make([]*domain.Email, n)
	for i := range emails {
		emails[i] = message(t, id(i), "rcpt@example.test")
	}
	srv.FailTimes("MAIL", 6, 421, "4.3.2 try later")
	srv.FailTimes("DATA", 6, 421, "4.3.2 shutting down") // refused after the final dot
	res, err := c.SendBatch(context.Background(), emails)
	if err != nil {
		t.Fatalf("SendBatch: %v", err)
	}
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[messageIDOf(m.Data)]++
	}
	for i, it := range res.Items {
		k := got[id(i)]
		switch {
		case it.Err == nil && it.Result == nil:
			t.Errorf("item %d: neither result nor error", i)
		case it.Err == nil && k != 1:
			t.Errorf("item %d reported sent; stored %d times", i, k)
		case it.Err != nil && domain.IsDeliveryUnknown(it.Err) && k > 1:
			t.Errorf("item %d delivery unknown; stored %d times", i, k)
		case it.Err != nil && !domain.IsDeliveryUnknown(it.Err) && it.Result == nil && k != 0:
			t.Errorf("item %d reported failed (%v); stored %d times", i, it.Err, k)
		}
	}
	if res.Succeeded+res.Failed != n {
		t.Errorf("succeeded %d + failed %d != %d", res.Succeeded, res.Failed, n)
	}
}

func messageIDOf(data []byte) string {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Message-ID") {
			return strings.Trim(strings.TrimSpace(string(value)), "<>")
		}
	}
	return ""
}
