package observability

import (
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// A message the server refuses at MAIL FROM was encoded and tried (its
// SIZE= went with MAIL): its smtp.send span carries smtp.message_size, as
// section 9.1.2 sets it on every send span, and smtp_message_size_bytes
// ("octets of each message sent or tried") counts it.
func TestARefusedMessageHasItsSize(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.FailAt("MAIL", 550, "5.7.1 Sender refused")
	tr, m := newTracer(t), newMeter(t)
	c := newClient(t, plainConfig(srv), bootstrap.WithTracerProvider(tr), bootstrap.WithMeterProvider(m))
	_, err := send(c, message(t, "sized", "bob@example.org"))
	if domain.KindOf(err) == domain.KindUnknown {
		t.Fatalf("send: %v; want the refusal", err)
	}
	closeClient(t, c)
	var declared string
	for _, cmd := range srv.Commands() {
		if _, after, ok := strings.Cut(cmd.Line, " SIZE="); ok && cmd.Verb() == "MAIL" {
			declared = strings.Fields(after)[0]
		}
	}
	if _, err := strconv.Atoi(declared); err != nil {
		t.Fatalf("the client declared no SIZE= with MAIL: %v", srv.Commands())
	}
	checkAttrs(t, one(t, tr.spans(), "smtp.send"), map[string]string{"smtp.message_size": declared})
	if got := parse(t, m.scrape(t))["smtp_message_size_bytes"].samples["host=127.0.0.1"]; got != 1 {
		t.Errorf("smtp_message_size_bytes count %v; want 1", got)
	}
}
