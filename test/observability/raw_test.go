package observability

import (
	"context"
	"strconv"
	"testing"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// A prebuilt message has its own smtp.send span too, with its size, and
// counts in the send metrics.
func TestSendRawHasASendSpan(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	tr, m := newTracer(t), newMeter(t)
	c := newClient(t, plainConfig(srv), bootstrap.WithTracerProvider(tr), bootstrap.WithMeterProvider(m))
	data := []byte("From: a@example.com\r\nTo: b@example.org\r\nSubject: raw\r\n\r\nhello\r\n")
	from, _ := domain.ParseAddress("a@example.com")
	to, _ := domain.ParseAddress("b@example.org")
	res, err := c.SendRaw(context.Background(), from, []domain.Address{to}, data)
	if err != nil {
		t.Fatalf("SendRaw: %v", err)
	}
	closeClient(t, c)
	span := one(t, tr.spans(), "smtp.send")
	checkAttrs(t, span, map[string]string{"smtp.message_size": strconv.FormatInt(res.Size, 10), "smtp.from": "a@***"})
	if got := parse(t, m.scrape(t))["smtp_emails_sent_total"].samples["host=127.0.0.1,status=success"]; got != 1 {
		t.Errorf("smtp_emails_sent_total{status=success} = %v; want 1", got)
	}
}
