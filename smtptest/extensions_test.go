package smtptest

import (
	"net/smtp"
	"strings"
	"testing"
)

func TestHiddenExtensions(t *testing.T) {
	srv := Start(t, WithoutExtensions(ExtPipelining, ExtChunking, Ext8BitMIME, ExtSize, ExtEnhancedStatusCodes, ExtSMTPUTF8))
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); got != "250 Hello client.test\r\n" {
		t.Errorf("EHLO = %q", got)
	}
	tests := []struct {
		give string
		want string
	}{
		{give: "MAIL FROM:<a@example.com> BODY=8BITMIME", want: "555 5.5.4 BODY=8BITMIME not supported\r\n"},
		{give: "MAIL FROM:<a@example.com> SIZE=10", want: "555 5.5.4 SIZE not supported\r\n"},
		{give: "MAIL FROM:<a@example.com> SMTPUTF8", want: "504 5.5.4 SMTPUTF8 is not implemented\r\n"},
		{give: "MAIL FROM:<a@example.com> BODY=7BIT", want: "250 2.0.0 Roger, accepting mail from <a@example.com>\r\n"},
		{give: "RCPT TO:<b@example.com>", want: "250 2.0.0 I'll make sure <b@example.com> gets this\r\n"},
		{give: "BDAT 5 LAST\r\nabc", want: "502 5.5.1 CHUNKING not advertised\r\n"}, // the chunk is "abc\r\n"
		{give: "STARTTLS", want: "502 5.5.1 TLS not supported\r\n"},
	}
	for _, tt := range tests {
		if got := d.cmd(tt.give); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestHiddenSTARTTLS(t *testing.T) {
	srv := Start(t, WithSTARTTLS(), WithoutExtensions(ExtStartTLS))
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised")
	}
	if err := c.StartTLS(srv.ClientTLSConfig()); err == nil || codeOf(t, err) != 502 {
		t.Errorf("StartTLS = %v, want 502", err)
	}
}

func TestExtraExtensions(t *testing.T) {
	srv := Start(t, WithExtensions(ExtDSN, ExtBinaryMIME, "LIMITS RCPTMAX=10", "XFOO", "", "XGONE"),
		WithoutExtensions("xgone"), WithSTARTTLS())
	d, _ := dial(t, srv.Addr())
	got := d.cmd("EHLO client.test")
	for _, want := range []string{"250-BINARYMIME\r\n", "250-DSN\r\n", "250-STARTTLS\r\n", "250-LIMITS RCPTMAX=10\r\n", "250 XFOO\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("EHLO = %q, lacks %q", got, want)
		}
	}
	if strings.Contains(got, "XGONE") {
		t.Errorf("EHLO = %q, has XGONE", got)
	}
	if r := d.cmd("MAIL FROM:<a@example.com> RET=HDRS ENVID=abc BODY=BINARYMIME"); !strings.HasPrefix(r, "250 ") {
		t.Errorf("MAIL with DSN and BINARYMIME = %q", r)
	}
}

func TestMailParameters(t *testing.T) {
	srv := Start(t)
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	tests := []struct {
		give string
		want string
	}{
		{give: "MAIL FROM:<jörg@example.com>", want: "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n"},
		{give: "MAIL FROM:<a@example.com> SIZE=12 BODY=8BITMIME", want: "250 "},
		{give: "RCPT TO:<jörg@example.com>", want: "553 5.6.7 Non-ASCII address needs SMTPUTF8\r\n"},
		{give: "RSET", want: "250 "},
		{give: "MAIL FROM:<jörg@example.com> SMTPUTF8", want: "250 "},
		{give: "RCPT TO:<zoë@example.com>", want: "250 "},
	}
	for _, tt := range tests {
		if got := d.cmd(tt.give); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.give, got, tt.want)
		}
	}
	d.cmd("DATA")
	d.send("x\r\n.\r\n")
	d.reply()
	m := srv.Messages()
	if len(m) != 1 || !m[0].SMTPUTF8 || m[0].From != "jörg@example.com" || m[0].To[0] != "zoë@example.com" {
		t.Fatalf("messages = %+v", m)
	}

	d.cmd("MAIL FROM:<a@example.com> SIZE=12 BODY=8BITMIME")
	d.cmd("RCPT TO:<b@example.com>")
	d.cmd("DATA")
	d.send("caf\xc3\xa9\r\n.\r\n")
	d.reply()
	m = srv.Messages()
	if len(m) != 2 || m[1].Size != 12 || !m[1].Body8BitMIME || m[1].SMTPUTF8 || string(m[1].Data) != "caf\xc3\xa9\r\n" {
		t.Errorf("messages = %+v", m)
	}
}

func TestChunking(t *testing.T) {
	srv := Start(t)
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	d.cmd("MAIL FROM:<a@example.com>")
	d.cmd("RCPT TO:<b@example.com>")
	// A chunk may hold anything, a line "." and a bare LF included.
	chunk1 := "Subject: c\r\n\r\n.\r\nQUIT\n"
	if got := d.cmd("BDAT " + itoa(len(chunk1)+2) + "\r\n" + chunk1); got != "250 2.0.0 Continue\r\n" {
		t.Errorf("BDAT = %q", got)
	}
	d.send("BDAT 5 LAST\r\nend\r\n")
	if got := d.reply(); got != "250 2.0.0 OK: queued\r\n" {
		t.Errorf("BDAT LAST = %q", got)
	}
	d.cmd("MAIL FROM:<a@example.com>")
	d.cmd("RCPT TO:<b@example.com>")
	if got := d.cmd("BDAT 0 LAST"); got != "250 2.0.0 OK: queued\r\n" {
		t.Errorf("BDAT 0 LAST = %q", got)
	}
	d.transactionStartNoEHLO("a@example.com", "b@example.com")
	d.send("plain\r\n.\r\n")
	d.reply()
	m := srv.Messages()
	if len(m) != 3 {
		t.Fatalf("messages = %+v", m)
	}
	if string(m[0].Data) != chunk1+"\r\nend\r\n" || !m[0].Chunked {
		t.Errorf("first message = %q chunked=%v", m[0].Data, m[0].Chunked)
	}
	if len(m[1].Data) != 0 || !m[1].Chunked {
		t.Errorf("empty BDAT message = %+v", m[1])
	}
	if m[2].Chunked {
		t.Errorf("DATA message marked chunked")
	}
	if got := strings.Join(srv.Verbs(), " "); got != "EHLO MAIL RCPT BDAT BDAT MAIL RCPT BDAT MAIL RCPT DATA" {
		t.Errorf("Verbs = %q", got)
	}
}

func TestChunkingErrors(t *testing.T) {
	srv := Start(t, WithMaxSize(10))
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	tests := []struct {
		give string
		want string
	}{
		{give: "BDAT 4\r\nab", want: "502 5.5.1 Missing RCPT TO command.\r\n"}, // chunk "ab\r\n" read and dropped
		{give: "BDAT x", want: "501 5.5.4 Malformed size argument\r\n"},
		{give: "BDAT 3 FIRST", want: "501 5.5.4 Unknown BDAT argument\r\n"},
		{give: "MAIL FROM:<a@example.com>", want: "250 "},
		{give: "RCPT TO:<b@example.com>", want: "250 "},
		{give: "BDAT 12 LAST\r\n0123456789", want: "552 5.3.4 Max message size exceeded\r\n"},
		{give: "NOOP", want: "250 "},
	}
	for _, tt := range tests {
		if got := d.cmd(tt.give); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.give, got, tt.want)
		}
	}
}
