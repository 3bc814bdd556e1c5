package tcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// openTraced runs Open under ctx against script, with rec as the
// Telemetry and deps otherwise (its Dialer replaced).
func openTraced(t *testing.T, ctx context.Context, rec *recorder, cfg Config, deps Deps, script string) (*fakeServer, *Session, error) {
	t.Helper()
	f, d := startServer(t, script)
	deps.Dialer, deps.Telemetry = d, rec
	tr, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s, err := tr.Open(ctx)
	if err != nil {
		return f, nil, err
	}
	return f, s.(*Session), nil
}

// wantTree fails the test unless rec's spans show as want (see
// recorder.tree), indented by tabs or spaces as a raw string is.
func wantTree(t *testing.T, rec *recorder, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(want), "\n") {
		l = strings.TrimLeft(l, "\t")
		lines = append(lines, l)
	}
	if got, w := strings.TrimSpace(rec.tree()), strings.Join(lines, "\n"); got != w {
		t.Errorf("spans:\n%s\nwant:\n%s", got, w)
	}
}

// wantClosedOnce fails the test unless exactly one connection lifetime,
// a positive one, was reported.
func wantClosedOnce(t *testing.T, rec *recorder) {
	t.Helper()
	if got := rec.lifetimes(); len(got) != 1 || got[0] <= 0 {
		t.Errorf("connection lifetimes reported = %v, want one, positive", got)
	}
}

// ended returns a root span's context for rec that has already ended: a
// caller's span, as smtp.send is for this package.
func ended(rec *recorder, st ports.Stage) context.Context {
	ctx, sp := rec.Start(context.Background(), st, ports.Attrs{})
	sp.End(nil)
	return ctx
}

func TestTelemetryOfAPipelinedSend(t *testing.T) {
	rec := &recorder{}
	f, s, err := openTraced(t, ended(rec, ports.StageSend), rec, testConfig(), Deps{}, ehlo("PIPELINING", "SIZE 1000")+`
		C: MAIL FROM:<a@example.org> SIZE=7
		C| RCPT TO:<b@example.net>
		C| RCPT TO:<c@example.net>
		C| DATA
		S: 250 2.1.0 ok
		S: 250 2.1.5 ok
		S: 250 2.1.5 ok
		S: 354 go ahead
		C: Hello
		C: .
		S: 250 2.0.0 queued`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	e := env("a@example.org", "b@example.net", "c@example.net")
	e.Size = 7
	if _, err := s.Send(ended(rec, ports.StageSend), e, body("Hello\r\n")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := rec.lifetimes(); len(got) != 0 {
		t.Errorf("lifetimes %v reported before Close", got)
	}
	_ = s.Close()
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.send
		  smtp.connect
		smtp.send
		  smtp.transaction
		    smtp.mail_from a@example.org
		    smtp.rcpt_to b@example.net
		    smtp.rcpt_to c@example.net
		    smtp.data size=7`)
	wantClosedOnce(t, rec)
}

func TestTelemetryOfALockStepSendWithARefusedRecipient(t *testing.T) {
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo()+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 550 5.1.1 no such user
		C: RCPT TO:<c@example.net>
		S: 250 ok
		C: DATA
		S: 354 go
		C: hi
		C: .
		S: 250 queued`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	res, err := s.Send(ended(rec, ports.StageSend), env("a@example.org", "b@example.net", "c@example.net"), body("hi"))
	if err != nil || len(res.Rejected) != 1 {
		t.Fatalf("Send = %+v, %v; want one recipient refused", res, err)
	}
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.send
		  smtp.transaction
		    smtp.mail_from a@example.org
		    smtp.rcpt_to b@example.net ! invalid_recipient_address
		    smtp.rcpt_to c@example.net
		    smtp.data size=0`)
	de := domain.AsError(rec.find(ports.StageRcptTo)[0].err)
	if de == nil || de.Code != 550 || de.Enhanced != (domain.EnhancedCode{Class: 5, Subject: 1, Detail: 1}) {
		t.Errorf("refused recipient's span ended with %#v, want the 550 5.1.1 as a *domain.Error", rec.find(ports.StageRcptTo)[0].err)
	}
}

func TestTelemetryOfAPartialRejectionPipelined(t *testing.T) {
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| RCPT TO:<c@example.net>
		C| DATA
		S: 250 2.1.0 ok
		S: 250 2.1.5 ok
		S: 450 4.2.1 mailbox busy
		S: 354 go ahead
		C: hi
		C: .
		S: 250 2.0.0 queued`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	res, err := s.Send(context.Background(), env("a@example.org", "b@example.net", "c@example.net"), body("hi"))
	if err != nil || len(res.Rejected) != 1 {
		t.Fatalf("Send = %+v, %v; want one recipient refused", res, err)
	}
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.transaction
		  smtp.mail_from a@example.org
		  smtp.rcpt_to b@example.net
		  smtp.rcpt_to c@example.net ! temporary_failure
		  smtp.data size=0`)
	if de := domain.AsError(rec.find(ports.StageRcptTo)[1].err); de == nil || de.Code != 450 {
		t.Errorf("refused recipient's span ended with %v, want its 450", de)
	}
}

func TestTelemetryOfARefusedSender(t *testing.T) {
	// Pipelined: the RCPT and DATA were sent with MAIL; their spans end
	// with their own refusal (RCPT) or the transaction's error (DATA).
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| DATA
		S: 553 5.7.1 sender refused
		S: 503 5.5.1 no sender
		S: 503 5.5.1 no valid recipients`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	_, err = s.Send(context.Background(), env("a@example.org", "b@example.net"), body("hi"))
	if err == nil {
		t.Fatal("Send succeeded")
	}
	_ = s.Close()
	f.wait(t)
	kind := domain.KindOf(err).String()
	wantTree(t, rec, `
		smtp.connect
		smtp.transaction ! `+kind+`
		  smtp.mail_from a@example.org ! `+kind+`
		  smtp.rcpt_to b@example.net ! `+domain.KindOf(negativeReplyError(stageRcpt, &smtpReply{Code: 503})).String()+`
		  smtp.data size=0 ! `+kind)
	for _, st := range []ports.Stage{ports.StageTransaction, ports.StageMailFrom, ports.StageData} {
		if got := rec.find(st)[0].err; got != err {
			t.Errorf("%v ended with %v, want the error Send returned (%v)", st, got, err)
		}
	}
}

func TestTelemetryOfStartTLSAndAuth(t *testing.T) {
	rec := &recorder{}
	a := sasl(t, domain.AuthPlain, "PLAIN", []byte("\x00user\x00pass"))
	f, s, err := openTraced(t, ended(rec, ports.StageSend), rec, authConfig(), Deps{Credentials: static{password}, TLS: realUpgrader{t}, Auth: a}, greet+`
		S: 250-mx.example.test
		S: 250 STARTTLS
		C: STARTTLS
		S: 220 ready
		!tls
		C: EHLO client.example
		S: 250-mx.example.test
		S: 250 AUTH PLAIN
		C: AUTH PLAIN AHVzZXIAcGFzcw==
		S: 235 2.7.0 accepted`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.send
		  smtp.connect
		  smtp.tls.upgrade
		    tls.handshake
		  smtp.auth PLAIN`)
	wantClosedOnce(t, rec)
}

func TestTelemetryOfImplicitTLS(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.TLSMode = TLSImplicit
	f, s, err := openTraced(t, context.Background(), rec, cfg, Deps{TLS: realUpgrader{t}}, `
		!tls
		S: 220 mx.example.test ready
		C: EHLO client.example
		S: 250 mx.example.test`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	_ = s.Close()
	f.wait(t)
	// The handshake comes before the greeting, inside smtp.connect's time,
	// but is its own stage beside it.
	wantTree(t, rec, `
		smtp.connect
		smtp.tls.upgrade implicit
		  tls.handshake`)
}

func TestTelemetryOfAFailedHandshake(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.TLSMode = TLSImplicit
	cfg.Host = "other.example.test" // the name to verify: the certificate does not match it
	client, server := tcpPair(t)    // a net.Pipe would block the client's alert
	f, d := startServerOn(t, client, server, "!tls-fails")
	tr, err := New(cfg, Deps{TLS: realUpgrader{t}, Dialer: d, Telemetry: rec})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Open(context.Background())
	wantKind(t, err, domain.KindTLSHandshake)
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect ! tls_handshake_failed
		smtp.tls.upgrade implicit ! tls_handshake_failed
		  tls.handshake ! tls_handshake_failed`)
	for _, st := range []ports.Stage{ports.StageConnect, ports.StageTLSUpgrade, ports.StageTLSHandshake} {
		if got := rec.find(st)[0].err; got != err {
			t.Errorf("%v ended with %v, want the error Open returned (%v)", st, got, err)
		}
	}
	wantClosedOnce(t, rec)
}

func TestTelemetryOfAnAuthFailureShowsNoSecret(t *testing.T) {
	rec := &recorder{}
	a := sasl(t, domain.AuthPlain, "PLAIN", []byte("\x00user\x00"+scrubPassword))
	cfg, creds := authConfig(), static{domain.PasswordCredentials("user", scrubPassword)}
	f, _, err := openTraced(t, context.Background(), rec, cfg, Deps{Credentials: creds, TLS: sameConn{}, Auth: a}, tlsGreet+`
		C: AUTH PLAIN `+plainResponse+`
		S: 535-5.7.8 bad credentials `+plainResponse[:13]+`
		S: 535 5.7.8 `+plainResponse[13:]+quit)
	wantKind(t, err, domain.KindCredentialsInvalid)
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.tls.upgrade
		  tls.handshake
		smtp.auth PLAIN ! credentials_invalid`)
	got := rec.find(ports.StageAuth)[0].err
	if got != err {
		t.Errorf("smtp.auth ended with %v, want the error Open returned (%v)", got, err)
	}
	if l := leaked(got.Error()); l != "" || !strings.Contains(got.Error(), domain.Redacted) {
		t.Errorf("smtp.auth's error shows %q of the secret: %v", l, got)
	}
	wantClosedOnce(t, rec)
}

func TestTelemetryOfAuthRefusedBeforeAnyExchange(t *testing.T) {
	// Over plaintext without AllowInsecureAuth nothing is sent; the auth
	// stage still fails, before a mechanism is chosen.
	rec := &recorder{}
	cfg := testConfig()
	cfg.TLSMode = TLSStartTLS // opportunistic: the server offers none
	f, _, err := openTraced(t, context.Background(), rec, cfg, Deps{TLS: sameConn{}, Auth: wireAuth{}, Credentials: static{password}}, ehlo("AUTH PLAIN")+quit)
	wantKind(t, err, domain.KindAuthRequired)
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.auth AUTO ! authentication_required`)
}

func TestTelemetryOfAnOAuthRefreshIsTwoAttempts(t *testing.T) {
	cfg, d := tokenServer(t, smtptest.WithTokenAuth(user, newToken))
	cfg.AuthMechanism = domain.AuthXOAuth2
	p := refreshProvider(t, xoauth2(oldToken), true, nil, xoauth2(newToken))
	rec := &recorder{}
	tp, err := New(cfg, Deps{Dialer: d, Auth: wireAuth{}, Credentials: p, Telemetry: rec})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s, err := tp.Open(ended(rec, ports.StageSend))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	wantClosedOnce(t, rec) // the refused connection
	_ = s.Close()
	wantTree(t, rec, `
		smtp.send
		  smtp.connect
		  smtp.auth XOAUTH2 ! credentials_invalid
		  smtp.connect
		  smtp.auth XOAUTH2`)
	if got := rec.lifetimes(); len(got) != 2 {
		t.Errorf("lifetimes %v, want two connections closed", got)
	}
	if e := rec.find(ports.StageAuth)[0].err.Error(); strings.Contains(e, oldToken[5:11]) {
		t.Errorf("the refused token shows in the span's error: %s", e)
	}
}

func TestTelemetryOfAFailedGreetingClosesTheConnectionOnce(t *testing.T) {
	rec := &recorder{}
	f, _, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, `
		S: 554 5.3.2 go away
		C: QUIT
		S: 221 bye`)
	wantKind(t, err, domain.KindOf(negativeReplyError(stageGreeting, &smtpReply{Code: 554})))
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect ! `+domain.KindOf(err).String())
	if got := rec.find(ports.StageConnect)[0].err; got != err {
		t.Errorf("smtp.connect ended with %v, want the error Open returned (%v)", got, err)
	}
	wantClosedOnce(t, rec)
}

func TestTelemetryOfSendManyLinksEachMessageToThePipeline(t *testing.T) {
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+
		overlapped("one", "250 first", "c@example.net")+
		overlapped("two", "250 second", "d@example.net")+`
		C: three
		C| .
		S: 250 third`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Messages one and two come from callers with an smtp.send span each;
	// three has no Trace and goes under SendMany's ctx.
	txs := []ports.Transaction{
		tx(env("a@example.org", "b@example.net"), "one"),
		tx(env("a@example.org", "c@example.net"), "two"),
		tx(env("a@example.org", "d@example.net"), "three"),
	}
	txs[0].Trace, txs[1].Trace = ended(rec, ports.StageSend), ended(rec, ports.StageSend)
	for i, o := range s.SendMany(context.Background(), txs) {
		wantOK(t, i, o, []string{"first", "second", "third"}[i])
	}
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.send
		  smtp.transaction -> smtp.pipeline
		    smtp.mail_from a@example.org
		    smtp.rcpt_to b@example.net
		    smtp.data size=0
		smtp.send
		  smtp.transaction -> smtp.pipeline
		    smtp.mail_from a@example.org
		    smtp.rcpt_to c@example.net
		    smtp.data size=0
		smtp.pipeline n=3
		smtp.transaction -> smtp.pipeline
		  smtp.mail_from a@example.org
		  smtp.rcpt_to d@example.net
		  smtp.data size=0`)
	pipeline := rec.find(ports.StagePipeline)[0]
	for i, sp := range rec.find(ports.StageTransaction) {
		if len(sp.links) != 1 || sp.links[0] != pipeline {
			t.Errorf("transaction %d links to %v, want the one pipeline span", i+1, sp.links)
		}
	}
}

func TestTelemetryOfOneMessageHasNoPipeline(t *testing.T) {
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+`
		C: one
		C| .
		S: 250 first`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	wantOK(t, 0, sendMany(s, tx(env("a@example.org", "b@example.net"), "one"))[0], "first")
	_ = s.Close()
	f.wait(t)
	if got := rec.find(ports.StagePipeline); len(got) != 0 {
		t.Errorf("%d smtp.pipeline spans for one message, want none", len(got))
	}
	if sp := rec.find(ports.StageTransaction); len(sp) != 1 || len(sp[0].links) != 0 {
		t.Errorf("transaction spans %v, want one without a link", sp)
	}
}

func TestTelemetryOfASplitTransaction(t *testing.T) {
	// A recipient limit: the message's second SMTP transaction is under the
	// same smtp.transaction span; the deferred recipient's first span ends
	// with the 452.
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo()+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: RCPT TO:<c@example.net>
		S: 452 4.5.3 too many recipients
		C: DATA
		S: 354 go
		C: hi
		C: .
		S: 250 first
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<c@example.net>
		S: 250 ok
		C: DATA
		S: 354 go
		C: hi
		C: .
		S: 250 second`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := s.Send(context.Background(), env("a@example.org", "b@example.net", "c@example.net"), body("hi")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.transaction
		  smtp.mail_from a@example.org
		  smtp.rcpt_to b@example.net
		  smtp.rcpt_to c@example.net ! temporary_failure
		  smtp.data size=0
		  smtp.mail_from a@example.org
		  smtp.rcpt_to c@example.net
		  smtp.data size=0`)
}

func TestTelemetryOfBDAT(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.EnableChunking = true
	f, s, err := openTraced(t, context.Background(), rec, cfg, Deps{}, ehlo("PIPELINING", "CHUNKING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		S: 250 ok
		S: 250 ok
		C: BDAT 4 LAST
		!data "hi\r\n"
		S: 250 queued`+quit)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	e := env("a@example.org", "b@example.net")
	e.Size = 4
	if _, err := s.Send(context.Background(), e, body("hi\r\n")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	_ = s.Close()
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.transaction
		  smtp.mail_from a@example.org
		  smtp.rcpt_to b@example.net
		  smtp.data size=4`)
}

func TestTelemetryOfALostConnection(t *testing.T) {
	// The connection drops after the body: every span still running ends
	// with the delivery-unknown error Send returns. Nothing is closed yet.
	rec := &recorder{}
	f, s, err := openTraced(t, context.Background(), rec, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+`
		C: hi
		C| .
		!close`)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	_, err = s.Send(context.Background(), env("a@example.org", "b@example.net"), body("hi"))
	wantKind(t, err, domain.KindDeliveryUnknown)
	f.wait(t)
	wantTree(t, rec, `
		smtp.connect
		smtp.transaction ! delivery_status_unknown
		  smtp.mail_from a@example.org
		  smtp.rcpt_to b@example.net
		  smtp.data size=0 ! delivery_status_unknown`)
	if got := rec.lifetimes(); len(got) != 0 {
		t.Errorf("lifetimes %v reported before Close", got)
	}
	_ = s.Close()
	wantClosedOnce(t, rec)
}

func TestTelemetryOfTheLookup(t *testing.T) {
	host, port := autoServer(t)
	ip := netip.MustParseAddr(host)
	tests := []struct {
		name, host string
		dialer     ports.Dialer
		want       string
	}{
		{"a name", "mail.example.test", &net.Dialer{Resolver: fakeResolver("mail.example.test", ip)}, `
			smtp.connect
			  dns.resolve`},
		{"an IP literal", host, nil, `
			smtp.connect`},
		{"an IP literal, a *net.Dialer", host, &net.Dialer{Resolver: fakeResolver("mail.example.test", ip)}, `
			smtp.connect`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			cfg := testConfig()
			cfg.Host, cfg.Port = tt.host, port
			tr, err := New(cfg, Deps{Dialer: tt.dialer, Telemetry: rec})
			if err != nil {
				t.Fatal(err)
			}
			s, err := tr.Open(context.Background())
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			_ = s.Close()
			wantTree(t, rec, tt.want)
		})
	}
}

func TestTelemetryOfAFailedLookup(t *testing.T) {
	rec := &recorder{}
	cfg := testConfig()
	cfg.Host = "unknown.example.test"
	tr, err := New(cfg, Deps{Dialer: &net.Dialer{Resolver: fakeResolver("mail.example.test", netip.MustParseAddr("127.0.0.1"))}, Telemetry: rec})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Open(context.Background())
	wantKind(t, err, domain.KindDNSResolution)
	wantTree(t, rec, `
		smtp.connect ! dns_resolution_failed
		  dns.resolve ! dns_resolution_failed`)
	if got := rec.find(ports.StageConnect)[0].err; got != err {
		t.Errorf("smtp.connect ended with %v, want the error Open returned (%v)", got, err)
	}
	var dnsErr *net.DNSError
	if !errors.As(rec.find(ports.StageResolve)[0].err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("dns.resolve ended with %v, want the lookup's not-found in the chain", rec.find(ports.StageResolve)[0].err)
	}
	if got := rec.lifetimes(); len(got) != 0 {
		t.Errorf("lifetimes %v reported without a connection", got)
	}
}

func TestNilTelemetryIsNop(t *testing.T) {
	tr, err := New(testConfig(), Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.tel.(ports.NopTelemetry); !ok || tr.traced {
		t.Errorf("telemetry = %T (traced %v), want ports.NopTelemetry, not traced", tr.tel, tr.traced)
	}
	if tr, _ := New(testConfig(), Deps{Telemetry: &recorder{}}); !tr.traced {
		t.Error("a recording Telemetry is not traced")
	}
}
