package smtptest

import (
	"context"
	"net/smtp"
	"slices"
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
