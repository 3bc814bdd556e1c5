package smtptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const body = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nHello.\r\n..dot\r\n"

func TestSendMailCaptures(t *testing.T) {
	srv := Start(t)
	err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(body))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	msgs, err := srv.WaitForMessages(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "a@example.com" || !slices.Equal(m.To, []string{"b@example.com", "c@example.com"}) {
		t.Errorf("envelope = %q %q", m.From, m.To)
	}
	if string(m.Data) != body { // net/smtp stuffs "..dot" to "...dot", the server unstuffs it
		t.Errorf("Data = %q, want %q", m.Data, body)
	}
	if m.Helo != "localhost" || m.TLS || m.Auth != "" || m.Conn != 1 || m.Chunked {
		t.Errorf("message = %+v", m)
	}
	if got := srv.Verbs(); !slices.Equal(got, []string{"EHLO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"}) {
		t.Errorf("Verbs = %q", got)
	}
	if srv.Connections() != 1 {
		t.Errorf("Connections = %d", srv.Connections())
	}
}

func TestAddress(t *testing.T) {
	srv := Start(t)
	if srv.Host() != "127.0.0.1" || srv.Port() == 0 {
		t.Errorf("Host, Port = %q, %d", srv.Host(), srv.Port())
	}
	if want := srv.Host() + ":" + strconv.Itoa(srv.Port()); srv.Addr() != want {
		t.Errorf("Addr = %q, want %q", srv.Addr(), want)
	}
}

func TestGreetingAndEHLO(t *testing.T) {
	srv := Start(t, WithDomain("mx.test"), WithMaxSize(1000))
	d, greeting := dial(t, srv.Addr())
	if greeting != "220 mx.test ESMTP Service Ready\r\n" {
		t.Errorf("greeting = %q", greeting)
	}
	want := "250-Hello client.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n" +
		"250-CHUNKING\r\n250-SMTPUTF8\r\n250 SIZE 1000\r\n"
	if got := d.cmd("EHLO client.test"); got != want {
		t.Errorf("EHLO reply = %q, want %q", got, want)
	}
	if got := d.cmd("HELO client.test"); got != "250 2.0.0 Hello client.test\r\n" {
		t.Errorf("HELO reply = %q", got)
	}
	if got := d.cmd("QUIT"); got != "221 2.0.0 Bye\r\n" {
		t.Errorf("QUIT reply = %q", got)
	}
	d.eof()
}

func TestSeveralMessagesOneConnection(t *testing.T) {
	srv := Start(t)
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		if err := c.Mail("a@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("b@example.com"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "Subject: %d\r\n\r\nbody\r\n", i)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 || srv.Connections() != 1 {
		t.Fatalf("%d messages on %d connections, want 3 on 1", len(msgs), srv.Connections())
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i); string(m.Data) != want || m.Conn != 1 {
			t.Errorf("message %d = %q on conn %d", i, m.Data, m.Conn)
		}
	}
	// Messages returns copies.
	msgs[0].Data[0] = 'X'
	msgs[0].To[0] = "changed"
	if m := srv.Messages()[0]; m.Data[0] != 'S' || m.To[0] != "b@example.com" {
		t.Errorf("Messages shares memory with the server: %+v", m)
	}
}

func TestResetAndCounters(t *testing.T) {
	srv := Start(t)
	for range 2 {
		if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Connections() != 2 || len(srv.Messages()) != 2 || len(srv.Commands()) == 0 {
		t.Fatalf("before Reset: %d connections, %d messages", srv.Connections(), len(srv.Messages()))
	}
	if c := srv.Commands()[0]; c.Conn != 1 || c.Line != "EHLO localhost" || c.TLS || c.Verb() != "EHLO" {
		t.Errorf("first command = %+v", c)
	}
	srv.Reset()
	if srv.Connections() != 0 || len(srv.Messages()) != 0 || len(srv.Commands()) != 0 {
		t.Errorf("after Reset: %d connections, %d messages, %d commands",
			srv.Connections(), len(srv.Messages()), len(srv.Commands()))
	}
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Conn != 1 {
		t.Errorf("after Reset the connection numbers restart at 1: %+v", m)
	}
}

func TestWaitForMessages(t *testing.T) {
	srv := Start(t)
	done := make(chan error, 1)
	go func() {
		done <- smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body))
	}()
	msgs, err := srv.WaitForMessages(context.Background(), 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("WaitForMessages = %d, %v", len(msgs), err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	msgs, err = srv.WaitForMessages(ctx, 2)
	if !errors.Is(err, context.Canceled) || len(msgs) != 1 {
		t.Errorf("WaitForMessages(cancelled) = %d, %v", len(msgs), err)
	}

	srv.Close()
	srv.Close() // twice is fine
	if _, err := srv.WaitForMessages(context.Background(), 2); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitForMessages after Close = %v, want ErrClosed", err)
	}
	if _, err := net.Dial("tcp", srv.Addr()); err == nil {
		t.Error("dial after Close succeeded")
	}
}

func TestCloseEndsConnections(t *testing.T) {
	srv, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	srv.Close()
	d.eof()
}

func TestBadCommandsGoToGoSMTP(t *testing.T) {
	srv := Start(t)
	d, _ := dial(t, srv.Addr())
	tests := []struct {
		give string
		want string
	}{
		{give: "MAIL FROM:<a@example.com>", want: "502 5.5.1 Please introduce yourself first.\r\n"},
		{give: "EHLO client.test", want: "250-Hello client.test\r\n"},
		{give: "RCPT TO:<b@example.com>", want: "502 5.5.1 Missing MAIL FROM command.\r\n"},
		{give: "NOOP", want: "250 2.0.0 I have successfully done nothing\r\n"},
		{give: "RSET", want: "250 2.0.0 Session reset\r\n"},
	}
	for _, tt := range tests {
		if got := d.cmd(tt.give); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: got %q, want prefix %q", tt.give, got, tt.want)
		}
	}
}

func TestOverlongLine(t *testing.T) {
	srv := Start(t)
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	got := d.cmd("NOOP " + strings.Repeat("x", 5000))
	if !strings.HasPrefix(got, "500 5.4.0") {
		t.Errorf("reply to a 5000-byte line = %q", got)
	}
	d.eof()
}

func TestPipelinedTransaction(t *testing.T) {
	srv := Start(t)
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	d.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n")
	for _, want := range []string{"250 ", "250 ", "250 ", "354 "} {
		if got := d.reply(); !strings.HasPrefix(got, want) {
			t.Fatalf("pipelined reply = %q, want %q", got, want)
		}
	}
	d.send("Subject: p\r\n\r\nbody\r\n.\r\nRSET\r\nNOOP\r\n")
	for _, want := range []string{"250 2.0.0 OK: queued", "250 2.0.0 Session reset", "250 2.0.0 I have"} {
		if got := d.reply(); !strings.HasPrefix(got, want) {
			t.Errorf("reply = %q, want %q", got, want)
		}
	}
	if m := srv.Messages(); len(m) != 1 || string(m[0].Data) != "Subject: p\r\n\r\nbody\r\n" || len(m[0].To) != 2 {
		t.Errorf("messages = %+v", m)
	}
	if got := srv.Verbs(); !slices.Equal(got, []string{"EHLO", "MAIL", "RCPT", "RCPT", "DATA", "RSET", "NOOP"}) {
		t.Errorf("Verbs = %q", got)
	}
}

func TestDataEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		give string // the content sent after 354, ending with the final dot
		want string
	}{
		{name: "empty", give: ".\r\n", want: ""},
		{name: "dot stuffed", give: "..a\r\n...\r\n.\r\n", want: ".a\r\n..\r\n"},
		{name: "bare LF dot is content", give: "a\n.\r\nb\r\n.\r\n", want: "a\n.\r\nb\r\n"},
		{name: "dot LF is content, unstuffed", give: "a\r\n.\nb\r\n.\r\n", want: "a\r\n\nb\r\n"},
		{name: "long line", give: strings.Repeat("y", 990) + "\r\n.\r\n", want: strings.Repeat("y", 990) + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t)
			d, _ := dial(t, srv.Addr())
			d.cmd("EHLO client.test")
			d.cmd("MAIL FROM:<a@example.com>")
			d.cmd("RCPT TO:<b@example.com>")
			d.cmd("DATA")
			d.send(tt.give)
			if got := d.reply(); !strings.HasPrefix(got, "250 ") {
				t.Fatalf("final reply = %q", got)
			}
			if got := d.cmd("NOOP"); !strings.HasPrefix(got, "250 ") {
				t.Errorf("NOOP after data = %q", got)
			}
			if m := srv.Messages(); len(m) != 1 || string(m[0].Data) != tt.want {
				t.Errorf("messages = %+v, want Data %q", m, tt.want)
			}
		})
	}
}
