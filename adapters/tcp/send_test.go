package tcp

import (
	"context"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// ehlo is the server's EHLO reply with the given extensions.
func ehlo(exts ...string) string {
	if len(exts) == 0 {
		return greet + "\nS: 250 mx.example.test"
	}
	s := greet + "\nS: 250-mx.example.test"
	for i, e := range exts {
		if i == len(exts)-1 {
			s += "\nS: 250 " + e
		} else {
			s += "\nS: 250-" + e
		}
	}
	return s
}

func send(t *testing.T, s *Session, e ports.Envelope, b *textBody) (*ports.TxResult, error) {
	t.Helper()
	return s.Send(context.Background(), e, b)
}

func emails(as []domain.Address) string {
	var out []string
	for _, a := range as {
		out = append(out, a.Email())
	}
	return strings.Join(out, ",")
}

func TestSendPipelinedInOneWrite(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING", "SIZE 1000")+`
		C: MAIL FROM:<a@example.org> SIZE=7
		C| RCPT TO:<b@example.net>
		C| RCPT TO:<c@example.net>
		C| DATA
		S: 250 2.1.0 ok
		S: 250 2.1.5 ok
		S: 550 5.1.1 no such user
		S: 354 go ahead
		C: Hello
		C: .
		S: 250 2.0.0 queued as ABC`+quit)
	e := env("a@example.org", "b@example.net", "c@example.net")
	e.Size = 7
	res, err := send(t, s, e, body("Hello\r\n"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := emails(res.Accepted); got != "b@example.net" {
		t.Errorf("accepted = %s", got)
	}
	want := domain.RejectedRecipient{Address: "c@example.net", Code: 550, Enhanced: domain.EnhancedCode{Class: 5, Subject: 1, Detail: 1}, Message: "no such user"}
	if len(res.Rejected) != 1 || res.Rejected[0] != want {
		t.Errorf("rejected = %+v", res.Rejected)
	}
	if res.Response != "250 2.0.0 queued as ABC" || res.QueueID != "ABC" {
		t.Errorf("response = %q, queue id %q", res.Response, res.QueueID)
	}
	if !s.Reusable() {
		t.Error("not reusable after success")
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendLockStep(t *testing.T) {
	script := `
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: RCPT TO:<c@example.net>
		S: 250 ok
		C: DATA
		S: 354 go
		C: Hi
		C: .
		S: 250 queued` + quit
	t.Run("not advertised", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo("8BITMIME")+script)
		if _, err := send(t, s, env("a@example.org", "b@example.net", "c@example.net"), body("Hi")); err != nil {
			t.Fatalf("Send: %v", err)
		}
		_ = s.Close()
		f.wait(t)
	})
	t.Run("disabled", func(t *testing.T) {
		cfg := testConfig()
		cfg.DisablePipelining = true
		f, s := mustOpen(t, cfg, Deps{}, ehlo("PIPELINING")+script)
		if _, err := send(t, s, env("a@example.org", "b@example.net", "c@example.net"), body("Hi")); err != nil {
			t.Fatalf("Send: %v", err)
		}
		_ = s.Close()
		f.wait(t)
	})
}

func TestSendEnvelopeParameters(t *testing.T) {
	tests := []struct {
		name  string
		caps  []string
		give  ports.Envelope
		wantM string // the MAIL line
		wantR string // the RCPT line
	}{
		{"size exact", []string{"SIZE 1000"}, withSize(env("a@example.org", "b@example.net"), 1000),
			"MAIL FROM:<a@example.org> SIZE=1000", "RCPT TO:<b@example.net>"},
		{"size without limit", []string{"SIZE"}, withSize(env("a@example.org", "b@example.net"), 123456789),
			"MAIL FROM:<a@example.org> SIZE=123456789", "RCPT TO:<b@example.net>"},
		{"no size when unknown", []string{"SIZE 1000"}, env("a@example.org", "b@example.net"),
			"MAIL FROM:<a@example.org>", "RCPT TO:<b@example.net>"},
		{"no size param without SIZE", nil, withSize(env("a@example.org", "b@example.net"), 10),
			"MAIL FROM:<a@example.org>", "RCPT TO:<b@example.net>"},
		{"8bitmime", []string{"8BITMIME"}, eightBit(env("a@example.org", "b@example.net")),
			"MAIL FROM:<a@example.org> BODY=8BITMIME", "RCPT TO:<b@example.net>"},
		{"smtputf8 for a UTF-8 local part", []string{"SMTPUTF8", "8BITMIME"}, env("jürgen@bücher.example", "b@example.net"),
			"MAIL FROM:<jürgen@bücher.example> SMTPUTF8", "RCPT TO:<b@example.net>"},
		{"smtputf8 for a UTF-8 recipient", []string{"SMTPUTF8"}, env("a@example.org", "ü@bücher.example"),
			"MAIL FROM:<a@example.org> SMTPUTF8", "RCPT TO:<ü@bücher.example>"},
		{"punycode domain without SMTPUTF8", nil, env("a@bücher.example", "b@straße.example"),
			"MAIL FROM:<a@xn--bcher-kva.example>", "RCPT TO:<b@xn--strae-oqa.example>"},
		{"punycode domain even with SMTPUTF8", []string{"SMTPUTF8"}, env("a@bücher.example", "b@example.net"),
			"MAIL FROM:<a@xn--bcher-kva.example>", "RCPT TO:<b@example.net>"},
		{"null reverse path", nil, env("", "b@example.net"), "MAIL FROM:<>", "RCPT TO:<b@example.net>"},
		{"all three", []string{"SIZE", "8BITMIME", "SMTPUTF8"}, withSize(eightBit(env("ü@example.org", "b@example.net")), 5),
			"MAIL FROM:<ü@example.org> SIZE=5 BODY=8BITMIME SMTPUTF8", "RCPT TO:<b@example.net>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, ehlo(tt.caps...)+`
				C: `+tt.wantM+`
				S: 250 ok
				C: `+tt.wantR+`
				S: 250 ok
				C: DATA
				S: 354 go
				C: x
				C: .
				S: 250 ok`+quit)
			if _, err := send(t, s, tt.give, body("x\r\n")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func withSize(e ports.Envelope, n int64) ports.Envelope { e.Size = n; return e }
func eightBit(e ports.Envelope) ports.Envelope          { e.EightBit = true; return e }

func TestSendRefusesBadInputBeforeWriting(t *testing.T) {
	tests := []struct {
		name string
		caps []string
		give ports.Envelope
		body *textBody
		want domain.Kind
	}{
		{"over the SIZE limit", []string{"SIZE 1000"}, withSize(env("a@example.org", "b@example.net"), 1001), body("x"), domain.KindMessageTooLarge},
		{"8-bit without 8BITMIME", nil, eightBit(env("a@example.org", "b@example.net")), body("x"), domain.KindCapabilityMismatch},
		{"UTF-8 sender without SMTPUTF8", nil, env("jürgen@example.org", "b@example.net"), body("x"), domain.KindCapabilityMismatch},
		{"UTF-8 recipient without SMTPUTF8", []string{"8BITMIME"}, env("a@example.org", "b@example.net", "ü@example.net"), body("x"), domain.KindCapabilityMismatch},
		{"no recipients", nil, env("a@example.org"), body("x"), domain.KindInvalidInput},
		{"zero recipient", nil, ports.Envelope{From: domain.MustParseAddress("a@example.org"), To: []domain.Address{{}}}, body("x"), domain.KindInvalidRecipientAddress},
		{"negative size", nil, withSize(env("a@example.org", "b@example.net"), -1), body("x"), domain.KindInvalidInput},
		{"no body", nil, env("a@example.org", "b@example.net"), nil, domain.KindInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, ehlo(tt.caps...)+quit)
			var err error
			if tt.body == nil {
				_, err = s.Send(context.Background(), tt.give, nil)
			} else {
				_, err = send(t, s, tt.give, tt.body)
			}
			wantKind(t, err, tt.want)
			if !s.Reusable() {
				t.Error("bad input broke the session")
			}
			_ = s.Close()
			f.wait(t) // only QUIT came after EHLO
		})
	}
}

func TestSendRejections(t *testing.T) {
	tests := []struct {
		name     string
		caps     []string
		script   string
		want     domain.Kind
		wantCode int
	}{
		{"all rejected, lock-step: RSET and no DATA", nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 550 5.1.1 unknown b
			C: RCPT TO:<c@example.net>
			S: 451 4.3.0 try later
			C: RSET
			S: 250 ok`, domain.KindInvalidRecipientAddress, 550},
		{"all rejected temporarily", nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 450 4.2.1 busy
			C: RCPT TO:<c@example.net>
			S: 452 4.5.3 too many
			C: RSET
			S: 250 ok`, domain.KindTemporaryFailure, 450},
		{"all rejected, pipelined: DATA refused, then RSET", []string{"PIPELINING"}, `
			C: MAIL FROM:<a@example.org>
			C| RCPT TO:<b@example.net>
			C| RCPT TO:<c@example.net>
			C| DATA
			S: 250 ok
			S: 550 5.1.1 unknown b
			S: 550 5.1.1 unknown c
			S: 554 5.5.1 no valid recipients
			C: RSET
			S: 250 ok`, domain.KindInvalidRecipientAddress, 550},
		{"sender refused, lock-step: no RCPT", nil, `
			C: MAIL FROM:<a@example.org>
			S: 553 5.1.8 bad sender`, domain.KindInvalidFromAddress, 553},
		{"sender refused, pipelined", []string{"PIPELINING"}, `
			C: MAIL FROM:<a@example.org>
			C| RCPT TO:<b@example.net>
			C| RCPT TO:<c@example.net>
			C| DATA
			S: 553 5.1.8 bad sender
			S: 503 5.5.1 no MAIL
			S: 503 5.5.1 no MAIL
			S: 503 5.5.1 no MAIL`, domain.KindInvalidFromAddress, 553},
		{"DATA refused: RSET", nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: RCPT TO:<c@example.net>
			S: 250 ok
			C: DATA
			S: 554 5.3.0 no`, domain.KindPermanentFailure, 554},
		{"message refused after the dot", nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: RCPT TO:<c@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: x
			C: .
			S: 552 5.3.4 too big`, domain.KindMessageTooLarge, 552},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := ehlo(tt.caps...) + tt.script
			if strings.Contains(tt.name, "DATA refused: RSET") {
				script += "\nC: RSET\nS: 250 ok"
			}
			f, s := mustOpen(t, testConfig(), Deps{}, script+quit)
			res, err := send(t, s, env("a@example.org", "b@example.net", "c@example.net"), body("x"))
			e := wantKind(t, err, tt.want)
			if e.Code != tt.wantCode {
				t.Errorf("code = %d, want %d", e.Code, tt.wantCode)
			}
			// When RCPT refused everyone, the result lists each refusal;
			// otherwise (sender, DATA or final reply refused) there is none.
			if rcptRefused := strings.HasPrefix(tt.name, "all rejected"); rcptRefused != (res != nil) ||
				res != nil && (len(res.Accepted) != 0 || len(res.Rejected) != 2 || res.Response != "") {
				t.Errorf("result = %+v", res)
			}
			if tt.want == domain.KindInvalidRecipientAddress && !strings.Contains(e.Message, "b@example.net 550 5.1.1 unknown b") {
				t.Errorf("message %q does not list the rejections", e.Message)
			}
			if !s.Reusable() {
				t.Error("session not reusable after a clean refusal")
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestSendAllRejectedButDataAccepted(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| DATA
		S: 250 ok
		S: 550 no
		S: 354 go anyway`)
	_, err := send(t, s, env("a@example.org", "b@example.net"), body("x"))
	wantKind(t, err, domain.KindInvalidRecipientAddress)
	if s.Reusable() {
		t.Error("a server waiting for data is reusable")
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendSplitsOnRecipientLimit(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| RCPT TO:<c@example.net>
		C| RCPT TO:<d@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 452 4.5.3 too many recipients
		S: 452 4.5.3 too many recipients
		S: 354 go
		C: Hi
		C: .
		S: 250 first
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<c@example.net>
		C| RCPT TO:<d@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 552 5.5.3 too many
		S: 354 go
		C: Hi
		C: .
		S: 250 second
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<d@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go
		C: Hi
		C: .
		S: 250 third`+quit)
	b := body("Hi\n")
	res, err := send(t, s, env("a@example.org", "b@example.net", "c@example.net", "d@example.net"), b)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := emails(res.Accepted); got != "b@example.net,c@example.net,d@example.net" {
		t.Errorf("accepted = %s", got)
	}
	if len(res.Rejected) != 0 || responseText(res) != "third" || b.writes.Load() != 3 {
		t.Errorf("rejected = %v, reply = %q, body written %d times", res.Rejected, res.Response, b.writes.Load())
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendLaterTransactionFails(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: RCPT TO:<c@example.net>
		S: 452 4.5.3 too many recipients
		C: DATA
		S: 354 go
		C: Hi
		C: .
		S: 250 first
		C: MAIL FROM:<a@example.org>
		S: 451 4.3.0 later`+quit)
	res, err := send(t, s, env("a@example.org", "b@example.net", "c@example.net"), body("Hi"))
	wantKind(t, err, domain.KindTemporaryFailure)
	if res == nil || emails(res.Accepted) != "b@example.net" || len(res.Rejected) != 1 || res.Rejected[0].Address != "c@example.net" || res.Rejected[0].Code != 451 {
		t.Fatalf("result = %+v", res)
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendNormalisesAndDotStuffs(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go
		C: ..start
		C: mid
		C: ..
		C: ...two
		C: smuggle
		C: ..
		C: after
		C: ..
		C: end
		C: .
		S: 250 ok
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go
		C: .
		S: 250 empty`+quit)
	if _, err := send(t, s, env("a@example.org", "b@example.net"), body(".start\nmid\r.\r\n..two\r\nsmuggle\n.\nafter\r\n.\rend")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := send(t, s, env("a@example.org", "b@example.net"), body("")); err != nil {
		t.Fatalf("Send empty: %v", err)
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendBodyFailsMidData(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go`)
	_, err := s.Send(context.Background(), env("a@example.org", "b@example.net"),
		failingBody{"partial", domain.NewError(domain.KindAttachment, "encode", "file vanished")})
	wantKind(t, err, domain.KindAttachment)
	if s.Reusable() {
		t.Error("a session in the middle of DATA is reusable")
	}
	_ = s.Close() // no QUIT, no dot: the server drops the message
	f.wait(t)
}

func TestSendBodyUntypedError(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: DATA
		S: 354 go`)
	_, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), failingBody{"x", errBoom})
	wantKind(t, err, domain.KindEncodingFailed)
	_ = s.Close()
	f.wait(t)
}
