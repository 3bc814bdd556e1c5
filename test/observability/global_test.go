package observability

import (
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/integrations/smtp/smtptest"
)

// Without provider options the client reports to the global providers.
// Not parallel: it installs the SDK globally, and puts the previous
// providers back. (That an SDK installed after NewClient is also used
// holds only for the first installation in a process, since OpenTelemetry's
// global placeholder delegates once; the adapter's own tests check it.
// Here the client is made after the installation so that the test can run
// again in one process, as with -count.)
func TestGlobalProvidersAreTheDefault(t *testing.T) {
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
	})
	tr, m := newTracer(t), newMeter(t)
	otel.SetTracerProvider(tr)
	otel.SetMeterProvider(m)
	srv := smtptest.Start(t)
	c := newClient(t, plainConfig(srv))
	if _, err := send(c, message(t, "global", "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	closeClient(t, c)
	want := lines(
		"smtp.send",
		"  smtp.connection.acquire",
		"    smtp.connect",
		"  smtp.transaction",
		"    smtp.mail_from",
		"    smtp.rcpt_to",
		"    smtp.data",
		"  smtp.connection.release",
	)
	if got := tree(t, tr.spans()); got != want {
		t.Errorf("spans through the global tracer provider:\n%s\nwant\n%s", got, want)
	}
	fams := parse(t, m.scrape(t))
	if got := fams["smtp_emails_sent_total"].samples["host=127.0.0.1,status=success"]; got != 1 {
		t.Errorf("smtp_emails_sent_total{status=success} through the global meter provider = %v; want 1", got)
	}
	if got := fams["smtp_connection_pool_size"].samples["host=127.0.0.1,state=max"]; got != 1 {
		t.Errorf("smtp_connection_pool_size{state=max} through the global meter provider = %v; want 1 (the gauge's callback)", got)
	}
}
