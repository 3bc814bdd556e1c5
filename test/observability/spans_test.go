package observability

import (
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// checkAttrs fails the test for every attribute of s that is not as want
// says; "" in want means the attribute must be absent, "*" that it must
// be present with any value.
func checkAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	got := attrs(s)
	for k, v := range want {
		g, ok := got[k]
		switch {
		case v == "" && ok:
			t.Errorf("%s has %s=%q; want none", s.Name(), k, g)
		case v == "*" && !ok, v != "" && v != "*" && g != v:
			t.Errorf("%s has %s=%q (present %t); want %q", s.Name(), k, g, ok, v)
		}
	}
}

// one returns the only span named name, failing the test when there are
// more or none.
func one(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	s := find(spans, name)
	if len(s) != 1 {
		t.Fatalf("%d %s spans; want 1", len(s), name)
	}
	return s[0]
}

// checkKinds checks that smtp.send and smtp.connect are of kind Client and
// every other span Internal.
func checkKinds(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	for _, s := range spans {
		want := trace.SpanKindInternal
		if s.Name() == "smtp.send" || s.Name() == "smtp.connect" {
			want = trace.SpanKindClient
		}
		if s.SpanKind() != want {
			t.Errorf("%s is of kind %s; want %s", s.Name(), s.SpanKind(), want)
		}
	}
}

// A message sent on a new session over STARTTLS with AUTH PLAIN, to a host
// given by name: the whole tree of section 9.1.1 with its attributes. The
// spans of opening the session (smtp.connect, smtp.tls.upgrade,
// smtp.auth) hang under smtp.connection.acquire, whose wait they are part
// of; the specification's drawing puts them directly under smtp.send.
func TestSpanTreeOfASuccessfulSend(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("user", "pw"), smtptest.WithAuthMechanisms(smtptest.MechPlain))
	cfg := tlsConfig(t, srv, domain.PasswordCredentials("user", "pw"))
	cfg.Host = "localhost" // a name, so that the dial looks it up (dns.resolve)
	tr := newTracer(t)
	c := newClient(t, cfg, bootstrap.WithTracerProvider(tr))
	res, err := send(c, message(t, "ok", "bob@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	closeClient(t, c)
	spans := tr.spans()
	want := lines(
		"smtp.send",
		"  smtp.connection.acquire",
		"    smtp.connect",
		"      dns.resolve",
		"    smtp.tls.upgrade",
		"      tls.handshake",
		"    smtp.auth",
		"  smtp.transaction",
		"    smtp.mail_from",
		"    smtp.rcpt_to",
		"    smtp.data",
		"  smtp.connection.release",
	)
	if got := tree(t, spans); got != want {
		t.Fatalf("span tree:\n%s\nwant\n%s", got, want)
	}
	checkKinds(t, spans)
	for _, s := range spans {
		if s.Status().Code != codes.Unset {
			t.Errorf("%s has status %v; want unset", s.Name(), s.Status())
		}
	}
	port := strconv.Itoa(srv.Port())
	size := strconv.FormatInt(res.Size, 10)
	checkAttrs(t, one(t, spans, "smtp.send"), map[string]string{
		"smtp.host": "localhost", "smtp.port": port, "smtp.from": "alice@***", "smtp.recipients.count": "1",
		"smtp.has_attachments": "false", "smtp.message_id": "ok@mid.test", "smtp.recipients.accepted": "1",
		"smtp.recipients.rejected": "0", "smtp.message_size": size, "smtp.error_kind": "",
	})
	checkAttrs(t, one(t, spans, "smtp.connect"), map[string]string{
		"smtp.host": "localhost", "smtp.port": port, "net.peer.name": "localhost", "net.peer.port": port,
		"net.transport": "tcp", "server.address": "localhost", "server.port": port,
	})
	checkAttrs(t, one(t, spans, "dns.resolve"), map[string]string{"server.address": "localhost"})
	checkAttrs(t, one(t, spans, "smtp.tls.upgrade"), map[string]string{"smtp.tls.implicit": "false"})
	checkAttrs(t, one(t, spans, "smtp.auth"), map[string]string{"smtp.auth.mechanism": "PLAIN"})
	checkAttrs(t, one(t, spans, "smtp.mail_from"), map[string]string{"smtp.from": "alice@***"})
	checkAttrs(t, one(t, spans, "smtp.rcpt_to"), map[string]string{"smtp.recipient": "bob@***"})
	checkAttrs(t, one(t, spans, "smtp.data"), map[string]string{"smtp.message_size": size})
	if res.Size <= 0 {
		t.Errorf("result size %d; want the octets sent", res.Size)
	}
}

// A send whose first attempt the server refuses at MAIL (451) and whose
// second, on a new session, goes through: two acquire/transaction/release
// groups under one smtp.send, the failed one marked, and an smtp.retry
// event on smtp.send.
func TestSpanTreeOfASendWithARetry(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.FailTimes("MAIL", 1, 451, "4.3.0 Try again later")
	tr := newTracer(t)
	c := newClient(t, plainConfig(srv), bootstrap.WithTracerProvider(tr))
	if _, err := send(c, message(t, "retry", "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	closeClient(t, c)
	spans := tr.spans()
	want := lines(
		"smtp.send",
		"  smtp.connection.acquire",
		"    smtp.connect",
		"  smtp.transaction !",
		"    smtp.mail_from !",
		"    smtp.rcpt_to !",
		"    smtp.data !",
		"  smtp.connection.release",
		"  smtp.connection.acquire",
		"    smtp.connect",
		"  smtp.transaction",
		"    smtp.mail_from",
		"    smtp.rcpt_to",
		"    smtp.data",
		"  smtp.connection.release",
	)
	if got := tree(t, spans); got != want {
		t.Fatalf("span tree:\n%s\nwant\n%s", got, want)
	}
	checkKinds(t, spans)
	root := one(t, spans, "smtp.send")
	if root.Status().Code != codes.Unset {
		t.Errorf("smtp.send status %v; want unset (the retry went through)", root.Status())
	}
	var retries int
	for _, ev := range root.Events() {
		if ev.Name != "smtp.retry" {
			t.Errorf("smtp.send has an event %q", ev.Name)
			continue
		}
		retries++
		got := map[string]string{}
		for _, kv := range ev.Attributes {
			got[string(kv.Key)] = kv.Value.Emit()
		}
		if got["smtp.retry.attempt"] != "2" || got["smtp.error_kind"] != "temporary_failure" ||
			got["exception.message"] != "smtp mail: temporary_failure: Try again later (451 4.3.0)" {
			t.Errorf("smtp.retry event %v", got)
		}
	}
	if retries != 1 {
		t.Errorf("%d smtp.retry events; want 1", retries)
	}
	failed := find(spans, "smtp.mail_from")[0]
	if failed.Status().Code != codes.Error {
		failed = find(spans, "smtp.mail_from")[1]
	}
	checkAttrs(t, failed, map[string]string{"smtp.error_kind": "temporary_failure", "smtp.error_code": "451", "smtp.error_enhanced_code": "4.3.0"})
}

// A send the server refuses at AUTH: the failure is on smtp.auth, the
// acquire that it ends and smtp.send; nothing is sent, nothing released.
func TestSpanTreeOfAnAuthFailure(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("user", "right"), smtptest.WithAuthMechanisms(smtptest.MechPlain))
	tr := newTracer(t)
	c := newClient(t, tlsConfig(t, srv, domain.PasswordCredentials("user", "wrong")), bootstrap.WithTracerProvider(tr))
	_, err := send(c, message(t, "auth", "bob@example.org"))
	if domain.KindOf(err) != domain.KindCredentialsInvalid {
		t.Fatalf("send: %v; want credentials_invalid", err)
	}
	closeClient(t, c)
	spans := tr.spans()
	want := lines(
		"smtp.send !",
		"  smtp.connection.acquire !",
		"    smtp.connect",
		"    smtp.tls.upgrade",
		"      tls.handshake",
		"    smtp.auth !",
	)
	if got := tree(t, spans); got != want {
		t.Fatalf("span tree:\n%s\nwant\n%s", got, want)
	}
	for _, name := range []string{"smtp.send", "smtp.connection.acquire", "smtp.auth"} {
		s := one(t, spans, name)
		checkAttrs(t, s, map[string]string{"smtp.error_kind": "credentials_invalid", "smtp.error_code": "535"})
		if s.Status().Description != err.Error() {
			t.Errorf("%s status %q; want the error %q", name, s.Status().Description, err)
		}
		if ev := s.Events(); len(ev) != 1 || ev[0].Name != "exception" {
			t.Errorf("%s events %v; want one exception", name, ev)
		}
	}
	checkAttrs(t, one(t, spans, "smtp.auth"), map[string]string{"smtp.auth.mechanism": "PLAIN"})
	checkAttrs(t, one(t, spans, "smtp.send"), map[string]string{"smtp.message_id": "", "smtp.recipients.accepted": ""})
}

// A message one of whose two recipients the server refuses (550): the
// send succeeds; the refused smtp.rcpt_to is marked with its code and
// its text shows the address as the policy says.
func TestSpanTreeOfAPartialRejection(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RejectRecipient("bad@example.org", 550, "5.1.1", "No such user bad@example.org")
	tr := newTracer(t)
	c := newClient(t, plainConfig(srv), bootstrap.WithTracerProvider(tr))
	res, err := send(c, message(t, "partial", "bob@example.org", "bad@example.org"))
	if err != nil || len(res.Rejected) != 1 {
		t.Fatalf("send: %+v, %v; want one recipient rejected", res, err)
	}
	closeClient(t, c)
	spans := tr.spans()
	want := lines(
		"smtp.send",
		"  smtp.connection.acquire",
		"    smtp.connect",
		"  smtp.transaction",
		"    smtp.mail_from",
		"    smtp.rcpt_to",
		"    smtp.rcpt_to !",
		"    smtp.data",
		"  smtp.connection.release",
	)
	if got := tree(t, spans); got != want {
		t.Fatalf("span tree:\n%s\nwant\n%s", got, want)
	}
	checkAttrs(t, one(t, spans, "smtp.send"), map[string]string{
		"smtp.recipients.count": "2", "smtp.recipients.accepted": "1", "smtp.recipients.rejected": "1", "smtp.error_kind": "",
	})
	for _, s := range find(spans, "smtp.rcpt_to") {
		if s.Status().Code != codes.Error {
			checkAttrs(t, s, map[string]string{"smtp.recipient": "bob@***", "smtp.error_kind": ""})
			continue
		}
		checkAttrs(t, s, map[string]string{"smtp.recipient": "bad@***", "smtp.error_kind": "invalid_recipient_address",
			"smtp.error_code": "550", "smtp.error_enhanced_code": "5.1.1"})
		const text = "smtp rcpt: invalid_recipient_address: No such user bad@*** (550 5.1.1)"
		if s.Status().Description != text {
			t.Errorf("refused smtp.rcpt_to status %q; want %q", s.Status().Description, text)
		}
		if ev := s.Events(); len(ev) != 1 || attrOf(ev[0].Attributes, "exception.message") != text {
			t.Errorf("refused smtp.rcpt_to events %v; want an exception with %q", ev, text)
		}
	}
}

// A second message on the pooled session: its acquire has no children
// (no connect, TLS or AUTH), and it is a trace of its own.
func TestSpanTreeOfAPooledSecondSend(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("user", "pw"))
	tr := newTracer(t)
	c := newClient(t, tlsConfig(t, srv, domain.PasswordCredentials("user", "pw")), bootstrap.WithTracerProvider(tr))
	if _, err := send(c, message(t, "first", "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	first := one(t, tr.spans(), "smtp.send")
	tr.reset()
	if _, err := send(c, message(t, "second", "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	spans := tr.spans() // before Close, which ends no span of the send
	want := lines(
		"smtp.send",
		"  smtp.connection.acquire",
		"  smtp.transaction",
		"    smtp.mail_from",
		"    smtp.rcpt_to",
		"    smtp.data",
		"  smtp.connection.release",
	)
	if got := tree(t, spans); got != want {
		t.Fatalf("span tree:\n%s\nwant\n%s", got, want)
	}
	second := one(t, spans, "smtp.send")
	if second.SpanContext().TraceID() == first.SpanContext().TraceID() {
		t.Error("the second send is in the first one's trace")
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("the server saw %d connections; want 1", n)
	}
	closeClient(t, c)
}
