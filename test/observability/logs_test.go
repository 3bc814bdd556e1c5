package observability

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// logged is what the logged scenario leaves behind.
type logged struct {
	logs   logs
	tracer tracer
	errs   []error
	port   int
}

// loggedScenario sends seven messages under address policy p, with a
// logger at DEBUG and a tracer, through a STARTTLS server with AUTH PLAIN,
// a breaker that opens at the first counted failure and a limit of six
// emails an hour. Server texts quote addresses, so that error texts carry
// them:
//
//	1  AUTH refused once (535)                       ERROR
//	2  accepted                                      INFO
//	3  one of two recipients refused (550)           INFO, rejected 1
//	4  the only recipient refused (550)              ERROR
//	5  MAIL refused once (451), then accepted        WARN retry, INFO
//	6  421 to MAIL on both attempts; breaker opens   WARN retry, WARN breaker, ERROR
//	7  refused by the rate limiter                   WARN rate limit, ERROR
func loggedScenario(t *testing.T, p domain.AddressPolicy) logged {
	t.Helper()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("user", "pw-logged"),
		smtptest.WithAuthMechanisms(smtptest.MechPlain))
	srv.RejectRecipient("bad@example.org", 550, "5.1.1", "No such user bad@example.org")
	cfg := tlsConfig(t, srv, domain.PasswordCredentials("user", "pw-logged"))
	cfg.AddressPolicy = p
	cfg.CircuitBreaker = application.BreakerConfig{FailureThreshold: 1, FailureWindow: 10 * time.Minute,
		RecoveryTimeout: 10 * time.Minute, SuccessThreshold: 1}
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 6, Window: time.Hour, OnLimit: ratelimit.Reject}
	out := logged{logs: newLogs(), tracer: newTracer(t), port: srv.Port()}
	c := newClient(t, cfg, bootstrap.WithLogger(out.logs.Logger), bootstrap.WithTracerProvider(out.tracer))
	step := func(e *domain.Email) {
		_, err := send(c, e)
		out.errs = append(out.errs, err)
	}
	srv.FailTimes("AUTH", 1, 535, "5.7.8 Authentication credentials invalid")
	step(message(t, "m1", "bob@example.org"))
	step(message(t, "m2", "bob@example.org"))
	step(message(t, "m3", "bob@example.org", "bad@example.org"))
	step(message(t, "m4", "bad@example.org"))
	srv.FailTimes("MAIL", 1, 451, "4.3.0 Try again later, alice@example.com")
	step(message(t, "m5", "bob@example.org"))
	srv.FailAt("MAIL", 421, "4.3.2 Shutting down, alice@example.com")
	step(message(t, "m6", "bob@example.org"))
	srv.ClearFaults()
	step(message(t, "m7", "bob@example.org"))
	if got := c.CircuitState(); got != application.CircuitOpen {
		t.Errorf("after the scenario the circuit is %s; want open", got)
	}
	closeClient(t, c)
	want := []domain.Kind{domain.KindCredentialsInvalid, 0, 0, domain.KindInvalidRecipientAddress, 0,
		domain.KindServerShutdown, domain.KindLocalRateLimit}
	for i, err := range out.errs {
		if domain.KindOf(err) != want[i] {
			t.Errorf("send %d: %v; want kind %s", i+1, err, want[i])
		}
	}
	return out
}

// levels are the levels of the messages the client logs.
var levels = map[string]zapcore.Level{
	"smtp email sent":             zapcore.InfoLevel,
	"smtp email send failed":      zapcore.ErrorLevel,
	"smtp send failed, retrying":  zapcore.WarnLevel,
	"smtp circuit breaker opened": zapcore.WarnLevel,
	"smtp rate limit reached":     zapcore.WarnLevel,
	"smtp connection opened":      zapcore.InfoLevel,
	"smtp connection closed":      zapcore.InfoLevel,
	"smtp protocol":               zapcore.DebugLevel,
}

// fields checks the fields of entry e against want: a value, or nil for a
// field that must be absent; anyValue for one that must be there.
func fields(t *testing.T, e observer.LoggedEntry, want map[string]any) {
	t.Helper()
	got := e.ContextMap()
	for k, v := range want {
		g, ok := got[k]
		switch {
		case v == nil && ok:
			t.Errorf("%q has %s=%v; want none", e.Message, k, g)
		case v == anyValue && !ok:
			t.Errorf("%q has no %s; fields %v", e.Message, k, got)
		case v != nil && v != anyValue && g != v:
			t.Errorf("%q has %s=%v (%T); want %v (%T)", e.Message, k, g, g, v, v)
		}
	}
}

// anyValue in fields' want means any value.
var anyValue = new(int)

// count returns the entries with message msg, failing the test unless
// there are n (n < 0: at least one).
func count(t *testing.T, l logs, msg string, n int) []observer.LoggedEntry {
	t.Helper()
	got := l.entries(msg)
	if (n < 0 && len(got) == 0) || (n >= 0 && len(got) != n) {
		t.Errorf("%d %q lines; want %d (-1: some)", len(got), msg, n)
	}
	return got
}

// The levels and fields of section 9.3 through the default address
// policy (local part): INFO summaries of sent messages and connection
// events, ERROR failed sends (the auth failure among them), WARN retries,
// the breaker opening and the rate limit, DEBUG the transcript; every line
// with smtp.host and smtp.port.
func TestLogLevelsAndFields(t *testing.T) {
	t.Parallel()
	out := loggedScenario(t, domain.AddressLocalPart)
	l := out.logs
	for _, e := range l.obs.All() {
		if want, ok := levels[e.Message]; ok && e.Level != want {
			t.Errorf("%q logged at %s; want %s", e.Message, e.Level, want)
		} else if !ok {
			t.Logf("also logged: %s", render(t, e))
		}
		fields(t, e, map[string]any{"smtp.host": "127.0.0.1", "smtp.port": int64(out.port)})
	}

	sent := count(t, l, "smtp email sent", 3)
	for i, id := range []string{"m2@mid.test", "m3@mid.test", "m5@mid.test"} {
		if i >= len(sent) {
			break
		}
		rcpts, rejected := int64(1), int64(0)
		if i == 1 {
			rcpts, rejected = 2, 1
		}
		fields(t, sent[i], map[string]any{"smtp.message_id": id, "smtp.recipients": rcpts, "smtp.accepted": int64(1),
			"smtp.rejected": rejected, "smtp.duration_ms": anyValue, "smtp.error_kind": nil})
		if ms, _ := sent[i].ContextMap()["smtp.duration_ms"].(int64); ms < 0 || ms > 60_000 {
			t.Errorf("smtp.duration_ms = %d", ms)
		}
	}

	failed := count(t, l, "smtp email send failed", 4)
	wantFailed := []map[string]any{
		{"smtp.error_kind": "credentials_invalid", "smtp.error_code": int64(535), "smtp.retryable": false,
			"error": "smtp auth: credentials_invalid: Authentication credentials invalid (535 5.7.8)"},
		{"smtp.error_kind": "invalid_recipient_address", "smtp.error_code": int64(550), "smtp.retryable": false,
			"error": "smtp rcpt: invalid_recipient_address: no recipient accepted: bad@*** 550 5.1.1 No such user bad@*** (550 5.1.1)"},
		{"smtp.error_kind": "server_shutdown", "smtp.error_code": int64(421), "smtp.retryable": true,
			"error": "smtp mail: server_shutdown: Shutting down, alice@*** (421 4.3.2)"},
		{"smtp.error_kind": "local_rate_limit_exceeded", "smtp.error_code": nil, "smtp.retryable": anyValue, "error": anyValue},
	}
	for i, e := range failed {
		if i < len(wantFailed) {
			wantFailed[i]["smtp.recipients"] = int64(1)
			wantFailed[i]["smtp.duration_ms"] = anyValue
			fields(t, e, wantFailed[i])
		}
	}

	retries := count(t, l, "smtp send failed, retrying", 2)
	for i, code := range []int64{451, 421} {
		if i < len(retries) {
			fields(t, retries[i], map[string]any{"smtp.attempt": int64(2), "smtp.error_code": code, "smtp.retryable": true,
				"smtp.error_kind": anyValue, "error": anyValue})
		}
	}
	count(t, l, "smtp circuit breaker opened", 1)
	for _, e := range count(t, l, "smtp rate limit reached", 1) {
		fields(t, e, map[string]any{"quota": "emails", "smtp.error_kind": "local_rate_limit_exceeded", "smtp.retryable": anyValue})
	}
	// Connections: 1 (AUTH refused), 2 (sends 2-5, discarded at the 451),
	// 3 (the retry of 5, the first attempt of 6, then replaced), 4, 5.
	count(t, l, "smtp connection opened", -1)
	for _, e := range count(t, l, "smtp connection closed", -1) {
		fields(t, e, map[string]any{"reason": anyValue, "messages": anyValue})
	}

	var transcript []string
	for _, e := range l.entries("smtp protocol") {
		transcript = append(transcript, e.ContextMap()["dir"].(string)+": "+e.ContextMap()["line"].(string))
	}
	all := strings.Join(transcript, "\n")
	for _, want := range []string{"S: 220 ", "C: EHLO client.test", "C: STARTTLS", "C: AUTH PLAIN [REDACTED]",
		"C: MAIL FROM:<alice@***>", "C: RCPT TO:<bob@***>", "S: 550 5.1.1 No such user bad@***", "C: QUIT"} {
		if !strings.Contains(all, want) {
			t.Errorf("the DEBUG transcript has no %q:\n%s", want, all)
		}
	}
}

// The address policy on every log line, every span attribute, event and
// status, and the texts of errors that reach them: full shows the
// addresses, local-part only "local@***", none only "***".
func TestAddressPolicyEverywhere(t *testing.T) {
	t.Parallel()
	for _, p := range []domain.AddressPolicy{domain.AddressFull, domain.AddressLocalPart, domain.AddressNone} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			out := loggedScenario(t, p)
			var logText strings.Builder
			for _, e := range out.logs.obs.All() {
				logText.WriteString(render(t, e))
			}
			checkPolicy(t, p, "logs", logText.String())
			checkPolicy(t, p, "spans", renderSpans(out.tracer.spans()))
		})
	}
}

// checkPolicy checks text, what a channel carried, against policy p.
func checkPolicy(t *testing.T, p domain.AddressPolicy, channel, text string) {
	t.Helper()
	domains := []string{"example.org", "example.com"}
	var must, mustNot []string
	switch p {
	case domain.AddressFull:
		must = []string{"alice@example.com", "bob@example.org", "bad@example.org"}
	case domain.AddressLocalPart:
		must, mustNot = []string{"alice@***", "bob@***", "bad@***"}, domains
	case domain.AddressNone:
		must, mustNot = []string{"***"}, append(domains, "alice@", "bob@", "bad@")
	}
	for _, s := range must {
		if !strings.Contains(text, s) {
			t.Errorf("%s under %s never show %q", channel, p, s)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		for _, s := range mustNot {
			if strings.Contains(line, s) {
				t.Errorf("%s under %s show %q: %s", channel, p, s, line)
			}
		}
	}
}
