package smtptest

import (
	"context"
	"errors"
	"fmt"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// send runs one transaction with net/smtp and returns the first error.
func send(addr string, to ...string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Mail("a@example.com"); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func TestRejectRecipient(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		enhanced string
		msg      string
		want     string // textproto.Error.Msg
	}{
		{name: "permanent", code: 550, enhanced: "5.1.1", msg: "No such user", want: "5.1.1 No such user"},
		{name: "temporary", code: 451, enhanced: "4.2.0", msg: "Greylisted", want: "4.2.0 Greylisted"},
		{name: "no enhanced code", code: 553, msg: "Bad mailbox", want: "Bad mailbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t)
			srv.RejectRecipient("Bad@Example.com", tt.code, tt.enhanced, tt.msg)
			c, err := smtp.Dial(srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Mail("a@example.com"); err != nil {
				t.Fatal(err)
			}
			err = c.Rcpt("bad@example.com")
			var te *textproto.Error
			if !errors.As(err, &te) || te.Code != tt.code || te.Msg != tt.want {
				t.Fatalf("Rcpt = %#v, want %d %q", err, tt.code, tt.want)
			}
			if err := c.Rcpt("good@example.com"); err != nil {
				t.Fatal(err)
			}
			w, err := c.Data()
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(body))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if m := srv.Messages(); len(m) != 1 || strings.Join(m[0].To, ",") != "good@example.com" {
				t.Errorf("messages = %+v", m)
			}
		})
	}
}

func TestFaultReplies(t *testing.T) {
	tests := []struct {
		name    string
		command string
		code    int
		msg     string
		give    []string // commands after EHLO; the last one gets the fault
		want    string
		closed  bool
	}{
		{name: "MAIL 451", command: "mail", code: 451, msg: "4.3.0 Try again later",
			give: []string{"MAIL FROM:<a@example.com>"}, want: "451 4.3.0 Try again later\r\n"},
		{name: "MAIL 421 closes", command: "MAIL", code: 421, msg: "4.7.0 Go away",
			give: []string{"MAIL FROM:<a@example.com>"}, want: "421 4.7.0 Go away\r\n", closed: true},
		{name: "RCPT multi-line", command: "RCPT", code: 550, msg: "5.7.1 line one\nline two",
			give: []string{"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>"}, want: "550-5.7.1 line one\r\n550 line two\r\n"},
		{name: "RSET", command: "RSET", code: 500, msg: "5.5.1 No", give: []string{"RSET"}, want: "500 5.5.1 No\r\n"},
		{name: "NOOP odd code", command: "NOOP", code: 999, msg: "what", give: []string{"NOOP"}, want: "999 what\r\n"},
		{name: "EHLO", command: "EHLO", code: 554, msg: "5.7.1 Not you", give: []string{"EHLO again.test"}, want: "554 5.7.1 Not you\r\n"},
		{name: "QUIT 421", command: "QUIT", code: 421, msg: "4.4.2 Bye now", give: []string{"QUIT"}, want: "421 4.4.2 Bye now\r\n", closed: true},
		{name: "DATA final reply", command: "DATA", code: 554, msg: "5.6.0 Content rejected",
			give: []string{"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n."},
			want: "554 5.6.0 Content rejected\r\n"},
		{name: "DATA 421 closes", command: "DATA", code: 421, msg: "4.3.0 Crashed",
			give: []string{"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA", "Subject: x\r\n\r\nbody\r\n."},
			want: "421 4.3.0 Crashed\r\n", closed: true},
		{name: "BDAT", command: "BDAT", code: 452, msg: "4.3.1 Full",
			give: []string{"MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "BDAT 5 LAST\r\nhel"}, // cmd adds "\r\n" to the chunk
			want: "452 4.3.1 Full\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t)
			srv.FailAt(tt.command, tt.code, tt.msg)
			d, _ := dial(t, srv.Addr())
			d.cmd("EHLO client.test")
			var got string
			for _, line := range tt.give {
				got = d.cmd(line)
			}
			if got != tt.want {
				t.Errorf("reply = %q, want %q", got, tt.want)
			}
			if tt.closed {
				d.eof()
				return
			}
			if got := d.cmd("NOOP"); !strings.HasPrefix(got, "250 ") && tt.command != "NOOP" {
				t.Errorf("NOOP after the fault = %q (the chunk or body was not consumed?)", got)
			}
			if len(srv.Messages()) != 0 {
				t.Errorf("a faulted transaction stored a message: %+v", srv.Messages())
			}
		})
	}
}

func TestFailAtWithNetSMTP(t *testing.T) {
	srv := Start(t)
	srv.FailAt("DATA", 451, "4.3.0 Queue full")
	err := send(srv.Addr(), "b@example.com")
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 451 || te.Msg != "4.3.0 Queue full" {
		t.Fatalf("send = %#v", err)
	}
	srv.ClearFaults()
	if err := send(srv.Addr(), "b@example.com"); err != nil {
		t.Fatalf("send after ClearFaults = %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestFailTimes(t *testing.T) {
	srv := Start(t)
	srv.FailTimes("RCPT", 2, 450, "4.2.1 Slow down")
	var codes []int
	for range 3 {
		err := send(srv.Addr(), "b@example.com")
		var te *textproto.Error
		switch {
		case err == nil:
			codes = append(codes, 250)
		case errors.As(err, &te):
			codes = append(codes, te.Code)
		default:
			t.Fatal(err)
		}
	}
	if fmt.Sprint(codes) != "[450 450 250]" {
		t.Errorf("codes = %v, want [450 450 250]", codes)
	}
	srv.FailTimes("RCPT", 5, 450, "4.2.1 Slow down")
	srv.FailTimes("RCPT", 0, 0, "") // clears
	if err := send(srv.Addr(), "b@example.com"); err != nil {
		t.Errorf("send after FailTimes(0) = %v", err)
	}
}

func TestDropAfterData(t *testing.T) {
	srv := Start(t)
	srv.DropAfterData()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = mailWith(c, "a@example.com", "b@example.com", body)
	var te *textproto.Error
	if err == nil || errors.As(err, &te) {
		t.Fatalf("Close after the dot = %v, want a connection error without reply", err)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("a dropped message was stored")
	}
	if got := srv.Verbs(); strings.Join(got, " ") != "EHLO MAIL RCPT DATA" {
		t.Errorf("Verbs = %q", got)
	}
}

func TestDropAfterBDAT(t *testing.T) {
	srv := Start(t)
	srv.DropAfterData()
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	d.cmd("MAIL FROM:<a@example.com>")
	d.cmd("RCPT TO:<b@example.com>")
	d.send("BDAT 4 LAST\r\nabcd")
	d.eof()
}

func TestDropAt(t *testing.T) {
	for _, command := range []string{"RCPT", Greeting} {
		t.Run(command, func(t *testing.T) {
			srv := Start(t)
			srv.DropAt(command)
			d, greeting := dial(t, srv.Addr())
			if command == Greeting {
				if greeting != "" {
					t.Errorf("greeting = %q, want none", greeting)
				}
				return
			}
			d.cmd("EHLO client.test")
			d.cmd("MAIL FROM:<a@example.com>")
			d.send("RCPT TO:<b@example.com>\r\n")
			d.eof()
		})
	}
}

func TestGreetingFaults(t *testing.T) {
	srv := Start(t)
	srv.FailAt(Greeting, 554, "5.3.2 No service here")
	_, err := smtp.Dial(srv.Addr())
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 554 {
		t.Errorf("Dial = %v, want a 554 error", err)
	}

	d, greeting := dial(t, srv.Addr())
	if greeting != "554 5.3.2 No service here\r\n" {
		t.Errorf("greeting = %q", greeting)
	}
	if got := d.cmd("EHLO client.test"); got != "503 5.5.1 No service\r\n" {
		t.Errorf("EHLO after a 554 greeting = %q", got)
	}
	d.send("BDAT 3 LAST\r\nabc")
	if got := d.reply(); got != "503 5.5.1 No service\r\n" {
		t.Errorf("BDAT after a 554 greeting = %q", got)
	}
	if got := d.cmd("QUIT"); got != "221 2.0.0 Bye\r\n" {
		t.Errorf("QUIT = %q", got)
	}
	d.eof()

	srv.FailAt(Greeting, 421, "4.3.2 Try later")
	d, greeting = dial(t, srv.Addr())
	if greeting != "421 4.3.2 Try later\r\n" {
		t.Errorf("greeting = %q", greeting)
	}
	d.eof()
}

func TestMaxRecipientsPerTransaction(t *testing.T) {
	srv := Start(t)
	srv.MaxRecipientsPerTransaction(2)
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	d.cmd("MAIL FROM:<a@example.com>")
	want := []string{"250 ", "250 ", "452 4.5.3 Too many recipients\r\n"}
	for i, w := range want {
		if got := d.cmd(fmt.Sprintf("RCPT TO:<r%d@example.com>", i)); !strings.HasPrefix(got, w) {
			t.Errorf("RCPT %d = %q, want %q", i, got, w)
		}
	}
	d.cmd("DATA")
	d.send("x\r\n.\r\n")
	d.reply()
	d.cmd("MAIL FROM:<a@example.com>")
	if got := d.cmd("RCPT TO:<r9@example.com>"); !strings.HasPrefix(got, "250 ") {
		t.Errorf("RCPT in a new transaction = %q", got)
	}
	if m := srv.Messages(); len(m) != 1 || len(m[0].To) != 2 {
		t.Errorf("messages = %+v", m)
	}
}

func TestMaxSize(t *testing.T) {
	srv := Start(t, WithMaxSize(60))
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); !strings.Contains(got, "250 SIZE 60\r\n") {
		t.Errorf("EHLO = %q", got)
	}
	if got := d.cmd("MAIL FROM:<a@example.com> SIZE=61"); !strings.HasPrefix(got, "552 5.3.4") {
		t.Errorf("MAIL SIZE=61 = %q", got)
	}
	if got := d.cmd("MAIL FROM:<a@example.com> SIZE=50"); !strings.HasPrefix(got, "250 ") {
		t.Errorf("MAIL SIZE=50 = %q", got)
	}
	d.cmd("RCPT TO:<b@example.com>")
	d.cmd("DATA")
	d.send(strings.Repeat("0123456789\r\n", 20) + ".\r\n")
	if got := d.reply(); !strings.HasPrefix(got, "552 5.3.4") {
		t.Errorf("final reply to 240 bytes = %q", got)
	}
	if got := d.cmd("NOOP"); !strings.HasPrefix(got, "250 ") {
		t.Errorf("NOOP after the big message = %q", got)
	}

	err := send(srv.Addr(), "b@example.com")
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 552 {
		t.Errorf("net/smtp send of %d bytes = %v, want 552", len(body), err)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("an oversized message was stored")
	}
}

func TestDelay(t *testing.T) {
	const d = 30 * time.Millisecond
	for _, command := range []string{"MAIL", "DATA", Greeting} {
		t.Run(command, func(t *testing.T) {
			srv := Start(t)
			srv.Delay(command, d)
			start := time.Now()
			if err := send(srv.Addr(), "b@example.com"); err != nil {
				t.Fatal(err)
			}
			// A lower bound only: the reply cannot come before the delay.
			if elapsed := time.Since(start); elapsed < d {
				t.Errorf("send took %v, want at least %v", elapsed, d)
			}
			srv.Delay(command, 0)
			srv.mu.Lock()
			n := len(srv.delays)
			srv.mu.Unlock()
			if n != 0 {
				t.Errorf("Delay(%q, 0) left %d delays", command, n)
			}
		})
	}
}

func TestCloseInterruptsDelay(t *testing.T) {
	srv, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	srv.Delay("NOOP", time.Hour)
	srv.Delay("DATA", time.Hour)
	d1, _ := dial(t, srv.Addr())
	d1.cmd("EHLO client.test")
	d1.send("NOOP\r\n")
	d2, _ := dial(t, srv.Addr())
	d2.transactionStart("a@example.com", "b@example.com")
	d2.send("x\r\n.\r\n")
	// Wait until both connections are inside their delays.
	for !hasVerbs(srv, "NOOP", "DATA") {
		time.Sleep(time.Millisecond)
	}
	srv.Close() // returns although the delays last an hour
	d1.eof()
	d2.eof()
}

// hasVerbs reports whether srv has seen every verb.
func hasVerbs(srv *Server, verbs ...string) bool {
	seen := strings.Join(srv.Verbs(), " ")
	for _, v := range verbs {
		if !strings.Contains(seen, v) {
			return false
		}
	}
	return true
}

func TestFaultsAreSafeForConcurrentUse(t *testing.T) {
	srv := Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			srv.FailTimes("RCPT", 1, 451, "4.0.0 flap")
			srv.RejectRecipient("x@example.com", 550, "5.1.1", "gone")
			srv.Delay("NOOP", time.Duration(i%2)*time.Microsecond)
			srv.MaxRecipientsPerTransaction(i % 3)
			srv.ClearFaults()
		}
	}()
	var sent sync.WaitGroup
	for range 4 {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for range 5 {
				_ = send(srv.Addr(), "b@example.com")
				_ = srv.Messages()
			}
		}()
	}
	sent.Wait()
	cancel()
	wg.Wait()
	if srv.Connections() != 20 {
		t.Errorf("Connections = %d, want 20", srv.Connections())
	}
}
