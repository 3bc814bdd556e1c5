package observability

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// series are the thirteen metrics of section 9.2.1 with the label names
// each must carry (besides the exporter's otel_scope_* labels).
var series = map[string][]string{
	"smtp_emails_sent_total":                   {"host", "status"},
	"smtp_emails_failed_total":                 {"error_kind", "host"},
	"smtp_send_duration_seconds":               {"host"},
	"smtp_connection_duration_seconds":         {"host"},
	"smtp_connection_pool_size":                {"host", "state"},
	"smtp_connection_acquire_duration_seconds": {"host"},
	"smtp_auth_attempts_total":                 {"host", "method", "status"},
	"smtp_tls_upgrades_total":                  {"host", "status"},
	"smtp_message_size_bytes":                  {"host"},
	"smtp_recipients_per_message":              {"host"},
	"smtp_circuit_breaker_state":               {"host"},
	"smtp_rate_limit_exceeded_total":           {"host", "quota"},
	"smtp_retries_total":                       {"attempt", "host"},
}

// scripted runs the scenario of TestPrometheusSeries against a STARTTLS
// server with AUTH PLAIN, through a pool of one session, two attempts per
// send, a breaker that opens after two counted failures and a limit of
// eight emails an hour:
//
//	A  AUTH refused once (535)                  failure, credentials_invalid
//	B  accepted                                 success
//	C  one of two recipients refused (550)      partial
//	D  the only recipient refused (550)         failure, invalid_recipient_address
//	E  MAIL refused once (451), then accepted   success, one retry
//	F  421 to MAIL twice (both attempts)        failure, one retry
//	G  as F; the breaker opens                  failure, one retry
//	H  refused by the open circuit              failure, circuit_open
//	I  refused by the rate limiter              failure, local_rate_limit
//
// It returns the errors of the sends, in order, after closing the client.
func scripted(t *testing.T, opts ...bootstrap.ClientOption) (errs []error) {
	t.Helper()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("user", "pw-scripted"),
		smtptest.WithAuthMechanisms(smtptest.MechPlain))
	srv.RejectRecipient("bad@example.org", 550, "5.1.1", "No such user bad@example.org")
	cfg := tlsConfig(t, srv, domain.PasswordCredentials("user", "pw-scripted"))
	cfg.CircuitBreaker = application.BreakerConfig{FailureThreshold: 2, FailureWindow: 10 * time.Minute,
		RecoveryTimeout: 10 * time.Minute, SuccessThreshold: 1}
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 8, Window: time.Hour, OnLimit: ratelimit.Reject}
	c := newClient(t, cfg, opts...)

	step := func(name string, e *domain.Email) {
		_, err := send(c, e)
		errs = append(errs, err)
		t.Logf("%s: %v", name, err)
	}
	srv.FailTimes("AUTH", 1, 535, "5.7.8 Authentication credentials invalid")
	step("A", message(t, "a", "bob@example.org"))
	step("B", message(t, "b", "bob@example.org"))
	step("C", message(t, "c", "bob@example.org", "bad@example.org"))
	step("D", message(t, "d", "bad@example.org"))
	srv.FailTimes("MAIL", 1, 451, "4.3.0 Try again later")
	step("E", message(t, "e", "bob@example.org"))
	srv.FailAt("MAIL", 421, "4.3.2 Service shutting down")
	step("F", message(t, "f", "bob@example.org"))
	step("G", message(t, "g", "bob@example.org"))
	srv.ClearFaults()
	step("H", message(t, "h", "bob@example.org"))
	step("I", message(t, "i", "bob@example.org"))
	if got := c.CircuitState(); got != application.CircuitOpen {
		t.Errorf("after the scenario the circuit is %s; want open", got)
	}
	closeClient(t, c)
	if n := srv.Connections(); n != 7 {
		t.Errorf("the scenario opened %d connections; want 7 (A; B-D; E twice; F three times, its pooled session replaced; G twice)", n)
	}
	return errs
}

// family is a parsed metric family: each sample's labels (without the
// otel_scope_* ones) rendered as "k=v,k=v", with its value (a histogram's
// sample count).
type family struct {
	typ     dto.MetricType
	samples map[string]float64
	labels  map[string]bool // label names seen
}

// parse parses a text exposition into families by name.
func parse(t *testing.T, body []byte) map[string]family {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the scrape: %v\n%s", err, body)
	}
	out := map[string]family{}
	for name, mf := range mfs {
		f := family{typ: mf.GetType(), samples: map[string]float64{}, labels: map[string]bool{}}
		for _, m := range mf.GetMetric() {
			var kv []string
			for _, lp := range m.GetLabel() {
				if strings.HasPrefix(lp.GetName(), "otel_scope_") {
					continue
				}
				f.labels[lp.GetName()] = true
				kv = append(kv, lp.GetName()+"="+lp.GetValue())
			}
			slices.Sort(kv)
			var v float64
			switch {
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				v = float64(m.GetHistogram().GetSampleCount())
			}
			f.samples[strings.Join(kv, ",")] = v
		}
		out[name] = f
	}
	return out
}

// TestPrometheusSeries runs the scripted scenario with the SDK's meter
// provider read by the Prometheus exporter, scrapes the exporter's HTTP
// handler and checks each of the thirteen series: its type, its label
// names, and the value of every sample the scenario makes.
func TestPrometheusSeries(t *testing.T) {
	t.Parallel()
	m := newMeter(t)
	errs := scripted(t, bootstrap.WithMeterProvider(m))
	wantKinds := []domain.Kind{domain.KindCredentialsInvalid, 0, 0, domain.KindInvalidRecipientAddress, 0,
		domain.KindServerShutdown, domain.KindServerShutdown, domain.KindCircuitOpen, domain.KindLocalRateLimit}
	for i, err := range errs {
		if domain.KindOf(err) != wantKinds[i] {
			t.Errorf("send %c: %v; want kind %s", 'A'+i, err, wantKinds[i])
		}
	}
	body := m.scrape(t)
	fams := parse(t, body)

	var names []string
	for name := range fams {
		if strings.HasPrefix(name, "smtp_") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if want := slices.Sorted(maps.Keys(series)); !slices.Equal(names, want) {
		t.Errorf("smtp_ series scraped:\n %v\nwant\n %v", names, want)
	}
	for name, labels := range series {
		if got := slices.Sorted(maps.Keys(fams[name].labels)); !slices.Equal(got, labels) {
			t.Errorf("%s has labels %v; want %v", name, got, labels)
		}
	}
	types := map[dto.MetricType][]string{
		dto.MetricType_COUNTER: {"smtp_emails_sent_total", "smtp_emails_failed_total", "smtp_auth_attempts_total",
			"smtp_tls_upgrades_total", "smtp_rate_limit_exceeded_total", "smtp_retries_total"},
		dto.MetricType_HISTOGRAM: {"smtp_send_duration_seconds", "smtp_connection_duration_seconds",
			"smtp_connection_acquire_duration_seconds", "smtp_message_size_bytes", "smtp_recipients_per_message"},
		dto.MetricType_GAUGE: {"smtp_connection_pool_size", "smtp_circuit_breaker_state"},
	}
	for typ, list := range types {
		for _, name := range list {
			if got := fams[name].typ; got != typ {
				t.Errorf("%s is a %s; want a %s", name, got, typ)
			}
		}
	}

	const h = "host=127.0.0.1"
	want := map[string]map[string]float64{
		"smtp_emails_sent_total": {h + ",status=success": 2, h + ",status=partial": 1, h + ",status=failure": 6},
		"smtp_emails_failed_total": {
			"error_kind=credentials_invalid," + h: 1, "error_kind=invalid_recipient_address," + h: 1,
			"error_kind=server_shutdown," + h: 2, "error_kind=circuit_open," + h: 1, "error_kind=local_rate_limit_exceeded," + h: 1,
		},
		// Sample counts of the histograms.
		"smtp_send_duration_seconds":               {h: 9},  // every send, the refused ones included
		"smtp_connection_duration_seconds":         {h: 7},  // every connection, all closed by now
		"smtp_connection_acquire_duration_seconds": {h: 10}, // one per attempt: A-D, E, F and G twice
		"smtp_message_size_bytes":                  {h: 6},  // every message encoded and tried: B-E, and F and G (refused at MAIL)
		"smtp_recipients_per_message":              {h: 9},
		"smtp_auth_attempts_total":                 {h + ",method=PLAIN,status=success": 6, h + ",method=PLAIN,status=failure": 1},
		"smtp_tls_upgrades_total":                  {h + ",status=success": 7},
		"smtp_circuit_breaker_state":               {h: 2},
		"smtp_rate_limit_exceeded_total":           {h + ",quota=emails": 1},
		"smtp_retries_total":                       {"attempt=2," + h: 3},
		// The client is closed: nothing open, nothing waiting.
		"smtp_connection_pool_size": {h + ",state=total": 0, h + ",state=idle": 0, h + ",state=in_use": 0,
			h + ",state=pending": 0, h + ",state=max": 1},
	}
	for name, samples := range want {
		if got := fams[name].samples; !maps.Equal(got, samples) {
			t.Errorf("%s samples:\n %v\nwant\n %v", name, got, samples)
		}
	}
	for name, f := range fams {
		for labels := range f.samples {
			if strings.Contains(labels, "@") {
				t.Errorf("%s has a label value with an address or a message id: %s", name, labels)
			}
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", body)
	}
}

// A permit the configured (in-memory) rate limiter refuses is counted in
// smtp_rate_limit_exceeded_total{quota="emails"} and adds an
// "smtp.rate_limited" event to the send's span.
func TestRateLimitHitIsCountedAndTraced(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 1, Window: time.Hour, OnLimit: ratelimit.Reject}
	m, tr := newMeter(t), newTracer(t)
	c := newClient(t, cfg, bootstrap.WithMeterProvider(m), bootstrap.WithTracerProvider(tr))
	if _, err := send(c, message(t, "first", "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	tr.reset()
	if _, err := send(c, message(t, "second", "bob@example.org")); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("second send: %v; want the local rate limit", err)
	}
	closeClient(t, c)
	got := parse(t, m.scrape(t))["smtp_rate_limit_exceeded_total"].samples
	if got["host=127.0.0.1,quota=emails"] != 1 || len(got) != 1 {
		t.Errorf("smtp_rate_limit_exceeded_total = %v; want {host=127.0.0.1,quota=emails: 1}", got)
	}
	sends := find(tr.spans(), "smtp.send")
	if len(sends) != 1 {
		t.Fatalf("%d smtp.send spans; want 1", len(sends))
	}
	var events []string
	for _, ev := range sends[0].Events() {
		events = append(events, ev.Name)
		if ev.Name == "smtp.rate_limited" {
			if len(ev.Attributes) != 1 || ev.Attributes[0].Key != "smtp.quota" || ev.Attributes[0].Value.AsString() != "emails" {
				t.Errorf("smtp.rate_limited attributes %v; want smtp.quota=emails", ev.Attributes)
			}
			return
		}
	}
	t.Errorf("the refused send's span has events %v; want smtp.rate_limited", events)
}
