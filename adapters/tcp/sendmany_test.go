package tcp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

func tx(e ports.Envelope, b string) ports.Transaction {
	return ports.Transaction{Envelope: e, Body: body(b)}
}

func sendMany(s *Session, txs ...ports.Transaction) []ports.TxOutcome {
	return s.SendMany(context.Background(), txs)
}

// wantOK fails the test unless o is a success whose final reply has text.
func wantOK(t *testing.T, i int, o ports.TxOutcome, text string) {
	t.Helper()
	if o.Err != nil || o.Result == nil || responseText(o.Result) != text {
		t.Fatalf("outcome %d = %+v, %v; want success %q", i, o.Result, o.Err, text)
	}
}

// wantNotSent fails the test unless err says the transaction never started
// and may be sent again.
func wantNotSent(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	wantKind(t, err, k)
	if !errors.Is(err, ports.ErrNotSent) || errors.Is(err, domain.KindDeliveryUnknown) {
		t.Fatalf("%v: want ErrNotSent in the chain and no delivery-unknown", err)
	}
}

// overlapped is the part of a script where a message's body and final dot
// are followed, in the same write, by the next command group for one
// recipient, and the server answers the message (final, a whole reply
// line) and then the group (by default 250, 250, 354).
func overlapped(text, final, next string, group ...string) string {
	if group == nil {
		group = []string{"250 ok", "250 ok", "354 go"}
	}
	s := `
		C: ` + text + `
		C| .
		C| MAIL FROM:<a@example.org>
		C| RCPT TO:<` + next + `>
		C| DATA
		S: ` + final
	for _, g := range group {
		s += "\nS: " + g
	}
	return s
}

const firstGroup = `
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go`

func TestSendManyPutsTheNextGroupBehindTheDot(t *testing.T) {
	// Each "C|" line must arrive in the same client write as the dot, and
	// the fake sends "250 first" only after reading them: the next MAIL,
	// RCPT and DATA left before the verdict on the message.
	tr := &transcript{}
	f, s := mustOpen(t, testConfig(), Deps{Transcript: tr}, ehlo("PIPELINING")+firstGroup+
		overlapped("one", "250 first", "c@example.net")+
		overlapped("two", "250 second", "d@example.net")+`
		C: three
		C| .
		S: 250 third`+quit)
	out := sendMany(s,
		tx(env("a@example.org", "b@example.net"), "one"),
		tx(env("a@example.org", "c@example.net"), "two\r\n"),
		tx(env("a@example.org", "d@example.net"), "three\n"))
	for i, want := range []string{"first", "second", "third"} {
		wantOK(t, i, out[i], want)
	}
	if got := emails(out[1].Result.Accepted); got != "c@example.net" {
		t.Errorf("accepted of the second = %s", got)
	}
	if !s.Reusable() {
		t.Error("not reusable after the run")
	}
	_ = s.Close()
	f.wait(t)
	// The transcript shows the commands in the order they were written.
	if !strings.Contains(tr.String(), "C: .\nC: MAIL FROM:<a@example.org>\nC: RCPT TO:<c@example.net>\nC: DATA\nS: 250 first") {
		t.Errorf("transcript:\n%s", tr)
	}
}

func TestSendManyFailuresInTheMiddle(t *testing.T) {
	// 1 succeeds; 2 loses one of two recipients; 3 has its only recipient
	// refused (RSET, then 4's group goes out on its own); 4 is refused
	// after its dot; 5, whose group followed 4's dot, still goes through.
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+`
		C: one
		C| .
		C| MAIL FROM:<a@example.org>
		C| RCPT TO:<c@example.net>
		C| RCPT TO:<x@example.net>
		C| DATA
		S: 250 first
		S: 250 ok
		S: 250 ok
		S: 550 5.1.1 no such user
		S: 354 go`+
		overlapped("two", "250 second", "y@example.net", "250 ok", "550 5.1.1 no y", "554 5.5.1 no valid recipients")+`
		C: RSET
		S: 250 ok
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<d@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go`+
		overlapped("four", "554 5.7.1 looks like spam", "e@example.net")+`
		C: five
		C| .
		S: 250 fifth`+quit)
	out := sendMany(s,
		tx(env("a@example.org", "b@example.net"), "one"),
		tx(env("a@example.org", "c@example.net", "x@example.net"), "two"),
		tx(env("a@example.org", "y@example.net"), "three"),
		tx(env("a@example.org", "d@example.net"), "four"),
		tx(env("a@example.org", "e@example.net"), "five"))
	wantOK(t, 0, out[0], "first")
	wantOK(t, 1, out[1], "second")
	if r := out[1].Result; emails(r.Accepted) != "c@example.net" || len(r.Rejected) != 1 || r.Rejected[0].Address != "x@example.net" || r.Rejected[0].Code != 550 {
		t.Errorf("second = %+v", r)
	}
	if e := wantKind(t, out[2].Err, domain.KindInvalidRecipientAddress); e.Code != 550 || out[2].Result == nil ||
		len(out[2].Result.Accepted) != 0 || len(out[2].Result.Rejected) != 1 {
		t.Errorf("third = %+v, %v", out[2].Result, e)
	}
	if e := wantKind(t, out[3].Err, domain.KindPermanentFailure); e.Code != 554 || out[3].Result != nil {
		t.Errorf("fourth = %+v, %v", out[3].Result, e)
	}
	wantOK(t, 4, out[4], "fifth")
	if !s.Reusable() {
		t.Error("clean refusals made the session unusable")
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendManyFatalFailureMidRun(t *testing.T) {
	// Message 1 goes through with 2's group behind its dot; then the
	// session dies on message 2. Messages 3 and 4 are never started.
	sent := overlapped("one", "250 first", "c@example.net")
	twoAndThreesGroup := `
		C: two
		C| .
		C| MAIL FROM:<a@example.org>
		C| RCPT TO:<d@example.net>
		C| DATA`
	tests := []struct {
		name   string
		script string // after message 1's group
		want   domain.Kind
	}{
		{"connection lost after the dot", sent + twoAndThreesGroup + "\n!close", domain.KindDeliveryUnknown},
		{"half a verdict", sent + twoAndThreesGroup + "\n!raw \"250 que\"\n!close", domain.KindDeliveryUnknown},
		{"421 after the dot", sent + twoAndThreesGroup + "\nS: 421 4.3.2 shutting down", domain.KindServerShutdown},
		{"421 to the MAIL behind the dot", overlapped("one", "250 first", "c@example.net", "421 4.3.2 bye"), domain.KindServerShutdown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+tt.script)
			out := sendMany(s,
				tx(env("a@example.org", "b@example.net"), "one"),
				tx(env("a@example.org", "c@example.net"), "two"),
				tx(env("a@example.org", "d@example.net"), "three"),
				tx(env("a@example.org", "e@example.net"), "four"))
			wantOK(t, 0, out[0], "first")
			wantKind(t, out[1].Err, tt.want)
			if domain.IsTemporary(out[1].Err) != (tt.want != domain.KindDeliveryUnknown) {
				t.Errorf("%v: retryable %v", out[1].Err, domain.IsTemporary(out[1].Err))
			}
			for i := 2; i < 4; i++ {
				wantNotSent(t, out[i].Err, domain.KindConnection)
				if !domain.IsTemporary(out[i].Err) || out[i].Result != nil {
					t.Errorf("outcome %d: retryable %v, result %v", i, domain.IsTemporary(out[i].Err), out[i].Result)
				}
			}
			if s.Reusable() {
				t.Error("reusable after a fatal failure")
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestSendManyBodyFailsHalfWay(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+
		overlapped("one", "250 first", "c@example.net"))
	out := s.SendMany(context.Background(), []ports.Transaction{
		tx(env("a@example.org", "b@example.net"), "one"),
		{Envelope: env("a@example.org", "c@example.net"), Body: failingBody{"partial\r\n", domain.NewError(domain.KindAttachment, "encode", "file vanished")}},
		tx(env("a@example.org", "d@example.net"), "three"),
	})
	wantOK(t, 0, out[0], "first")
	wantKind(t, out[1].Err, domain.KindAttachment)
	wantNotSent(t, out[2].Err, domain.KindConnection)
	_ = s.Close() // no dot, no QUIT: the server drops what it got of the message
	f.wait(t)
}

func TestSendManyCancelledMidRun(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+
		overlapped("one", "250 first", "c@example.net")+`
		C: two
		C| .
		C| MAIL FROM:<a@example.org>
		C| RCPT TO:<d@example.net>
		C| DATA
		!signal
		!stall`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-f.signal; cancel() }()
	out := s.SendMany(ctx, []ports.Transaction{
		tx(env("a@example.org", "b@example.net"), "one"),
		tx(env("a@example.org", "c@example.net"), "two"),
		tx(env("a@example.org", "d@example.net"), "three"),
	})
	wantOK(t, 0, out[0], "first")
	wantKind(t, out[1].Err, domain.KindDeliveryUnknown)
	wantNotSent(t, out[2].Err, domain.KindCancelled)
	if !errors.Is(out[2].Err, context.Canceled) {
		t.Errorf("%v does not wrap the cancellation", out[2].Err)
	}
	_ = s.Close()
	f.wait(t)
}

func TestSendManyBadEnvelopeSendsNothingOfIt(t *testing.T) {
	// The second of three fails the checks: the first one's dot is followed
	// by the third one's group, and the second gets its error only.
	tests := []struct {
		name string
		give ports.Transaction
		want domain.Kind
	}{
		{"too large", tx(withSize(env("a@example.org", "c@example.net"), 101), "two"), domain.KindMessageTooLarge},
		{"no recipient", tx(env("a@example.org"), "two"), domain.KindInvalidInput},
		{"8-bit without 8BITMIME", tx(eightBit(env("a@example.org", "c@example.net")), "two"), domain.KindCapabilityMismatch},
		{"no body", ports.Transaction{Envelope: env("a@example.org", "c@example.net")}, domain.KindInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING", "SIZE 100")+firstGroup+
				overlapped("one", "250 first", "d@example.net")+`
				C: three
				C| .
				S: 250 third`+quit)
			out := sendMany(s, tx(env("a@example.org", "b@example.net"), "one"), tt.give, tx(env("a@example.org", "d@example.net"), "three"))
			wantOK(t, 0, out[0], "first")
			wantKind(t, out[1].Err, tt.want)
			wantOK(t, 2, out[2], "third")
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestSendManyChecksEveryEnvelopeFirst(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+quit)
	out := s.SendMany(context.Background(), []ports.Transaction{
		{Envelope: env("a@example.org", "b@example.net")},
		tx(env("a@example.org"), "x"),
		tx(eightBit(env("a@example.org", "b@example.net")), "x"),
	})
	for i, want := range []domain.Kind{domain.KindInvalidInput, domain.KindInvalidInput, domain.KindCapabilityMismatch} {
		wantKind(t, out[i].Err, want)
	}
	if len(sendMany(s)) != 0 || !s.Reusable() {
		t.Error("an empty run returned outcomes or broke the session")
	}
	_ = s.Close()
	f.wait(t) // nothing but QUIT after EHLO
}

func TestSendManyOnAnUnusableOrCancelledSession(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+quit)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := s.SendMany(ctx, []ports.Transaction{tx(env("a@example.org", "b@example.net"), "x"), tx(env("a@example.org"), "x")})
	wantKind(t, out[0].Err, domain.KindCancelled)
	wantKind(t, out[1].Err, domain.KindInvalidInput)
	_ = s.Close()
	f.wait(t)
	out = sendMany(s, tx(env("a@example.org", "b@example.net"), "x"))
	wantKind(t, out[0].Err, domain.KindConnectionUnhealthy)
}

func TestSendManyLockStep(t *testing.T) {
	// Without PIPELINING the fake refuses any command sent before the reply
	// to the one before: the second message starts after the first verdict.
	msg := func(rcpt, text, final string) string {
		return `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<` + rcpt + `>
			S: 250 ok
			C: DATA
			S: 354 go
			C: ` + text + `
			C: .
			S: ` + final
	}
	script := msg("b@example.net", "one", "250 first") + msg("c@example.net", "two", "554 no") + msg("d@example.net", "three", "250 third") + quit
	for _, tt := range []struct {
		name string
		caps []string
		cfg  func(*Config)
	}{
		{"not advertised", nil, nil},
		{"disabled", []string{"PIPELINING"}, func(c *Config) { c.DisablePipelining = true }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			f, s := mustOpen(t, cfg, Deps{}, ehlo(tt.caps...)+script)
			out := sendMany(s,
				tx(env("a@example.org", "b@example.net"), "one"),
				tx(env("a@example.org", "c@example.net"), "two"),
				tx(env("a@example.org", "d@example.net"), "three"))
			wantOK(t, 0, out[0], "first")
			wantKind(t, out[1].Err, domain.KindPermanentFailure)
			wantOK(t, 2, out[2], "third")
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestSendManyBDATRunsOneAfterAnother(t *testing.T) {
	// With CHUNKING the next group waits for the previous verdict (the fake
	// fails if it comes earlier).
	f, s := mustOpen(t, chunkConfig(), Deps{}, ehlo("PIPELINING", "CHUNKING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		S: 250 ok
		S: 250 ok
		C: BDAT 5 LAST
		!data "one\r\n"
		S: 250 first
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<c@example.net>
		S: 250 ok
		S: 250 ok
		C: BDAT 5 LAST
		!data "two\r\n"
		S: 250 second`+quit)
	out := sendMany(s, tx(env("a@example.org", "b@example.net"), "one\n"), tx(env("a@example.org", "c@example.net"), "two\n"))
	wantOK(t, 0, out[0], "first")
	wantOK(t, 1, out[1], "second")
	_ = s.Close()
	f.wait(t)
}

func TestSendManySplitThenOverlap(t *testing.T) {
	// The first message meets a recipient limit: its second transaction
	// goes out after the first verdict, and only the last one carries the
	// next message's group behind its dot.
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+`
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<b@example.net>
		C| RCPT TO:<c@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 452 4.5.3 too many recipients
		S: 354 go
		C: Hi
		C| .
		S: 250 first part
		C: MAIL FROM:<a@example.org>
		C| RCPT TO:<c@example.net>
		C| DATA
		S: 250 ok
		S: 250 ok
		S: 354 go`+
		overlapped("Hi", "250 second part", "d@example.net")+`
		C: Bye
		C| .
		S: 250 next`+quit)
	b := body("Hi")
	out := s.SendMany(context.Background(), []ports.Transaction{
		{Envelope: env("a@example.org", "b@example.net", "c@example.net"), Body: b},
		tx(env("a@example.org", "d@example.net"), "Bye"),
	})
	wantOK(t, 0, out[0], "second part")
	if got := emails(out[0].Result.Accepted); got != "b@example.net,c@example.net" || b.writes.Load() != 2 {
		t.Errorf("accepted %s, body written %d times", got, b.writes.Load())
	}
	wantOK(t, 1, out[1], "next")
	_ = s.Close()
	f.wait(t)
}

func TestSendManyUnsolicitedReplies(t *testing.T) {
	t.Run("after the verdict, with a group due", func(t *testing.T) {
		// A surplus reply shifts the group's replies: DATA meets a 250.
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+
			overlapped("one", "250 first", "c@example.net", "250 surplus", "250 ok", "250 ok", "354 go"))
		out := sendMany(s,
			tx(env("a@example.org", "b@example.net"), "one"),
			tx(env("a@example.org", "c@example.net"), "two"),
			tx(env("a@example.org", "d@example.net"), "three"))
		wantOK(t, 0, out[0], "first")
		wantKind(t, out[1].Err, domain.KindDesync)
		wantNotSent(t, out[2].Err, domain.KindConnection)
		_ = s.Close()
		f.wait(t)
	})
	t.Run("after 354", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+"\nS: 250 surplus")
		out := sendMany(s, tx(env("a@example.org", "b@example.net"), "one"), tx(env("a@example.org", "c@example.net"), "two"))
		wantKind(t, out[0].Err, domain.KindDesync)
		wantNotSent(t, out[1].Err, domain.KindConnection)
		_ = s.Close()
		f.wait(t) // the body was never sent
	})
	t.Run("after the last verdict", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo("PIPELINING")+firstGroup+
			overlapped("one", "250 first", "c@example.net")+`
			C: two
			C| .
			S: 250 second
			S: 250 surplus`)
		out := sendMany(s, tx(env("a@example.org", "b@example.net"), "one"), tx(env("a@example.org", "c@example.net"), "two"))
		wantOK(t, 0, out[0], "first")
		wantKind(t, out[1].Err, domain.KindDesync)
		if out[1].Result == nil || responseText(out[1].Result) != "second" {
			t.Errorf("the taken message has no result: %+v", out[1].Result)
		}
		_ = s.Close()
		f.wait(t)
	})
}

// cutConn fails the first write holding marker after writing it up to keep
// octets past the marker's start.
type cutConn struct {
	net.Conn
	marker []byte
	keep   int
	cut    bool
}

func (c *cutConn) Write(p []byte) (int, error) {
	i := bytes.Index(p, c.marker)
	if c.cut || i < 0 {
		return c.Conn.Write(p)
	}
	c.cut = true
	n, err := c.Conn.Write(p[:i+c.keep])
	if err == nil {
		err = syscall.ECONNRESET
	}
	return n, err
}

func TestSendManyWriteFailsAroundTheDot(t *testing.T) {
	tests := []struct {
		name   string
		keep   int // octets of "two\r\n.\r\nMAIL" that leave
		script string
		want   domain.Kind
	}{
		{"before the dot", len("two\r\n"), "C: two\n!close", domain.KindConnectionReset},
		{"after the dot", len("two\r\n.\r\n"), "C: two\nC: .\n!close", domain.KindDeliveryUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, d := startServer(t, ehlo("PIPELINING")+firstGroup+overlapped("one", "250 first", "c@example.net")+"\n"+tt.script)
			d.conn = &cutConn{Conn: d.conn, marker: []byte("two\r\n.\r\nMAIL"), keep: tt.keep}
			tr, err := New(testConfig(), Deps{Dialer: d})
			if err != nil {
				t.Fatal(err)
			}
			ps, err := tr.Open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s := ps.(*Session)
			out := sendMany(s,
				tx(env("a@example.org", "b@example.net"), "one"),
				tx(env("a@example.org", "c@example.net"), "two"),
				tx(env("a@example.org", "d@example.net"), "three"),
				tx(env("a@example.org", "e@example.net"), "four"))
			wantOK(t, 0, out[0], "first")
			wantKind(t, out[1].Err, tt.want)
			wantNotSent(t, out[3].Err, domain.KindConnection)
			_ = s.Close()
			f.wait(t)
		})
	}
}
