package main

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

// TestConformancePipelining checks RFC 2920 both ways: with PIPELINING the
// envelope and DATA leave in one write and the body waits for 354; without
// it every command waits for its reply.
func TestConformancePipelining(t *testing.T) {
	const c2 = "c@example.net"
	size := " SIZE=" + strconv.Itoa(len(cfMessage))
	t.Run("advertised: MAIL, RCPTs and DATA in one write", func(t *testing.T) {
		srv := newStrictServer(t,
			sSend(cfBanner),
			sExpect("EHLO localhost", "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n"),
			sGroup("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n",
				"MAIL FROM:<"+cfFrom+">"+size, "RCPT TO:<"+cfTo+">", "RCPT TO:<"+c2+">", "DATA"),
			sData(cfMessage, "250 2.0.0 queued\r\n"),
			sExpect("QUIT", "221 bye\r\n"),
		)
		r := sendCLI(t, append(srv.flags(), "--tls", "none", "--from", cfFrom, "--to", cfTo, "--to", c2,
			"--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(cfMessage)))...)
		r.want(t, exitOK, "")
		srv.wait(t)
		if !slices.Equal(r.json.Accepted, []string{cfTo, c2}) || r.json.Response != "250 2.0.0 queued" {
			t.Errorf("json = %+v", r.json)
		}
	})
	t.Run("not advertised: strict lock-step", func(t *testing.T) {
		srv := newStrictServer(t,
			sSend(cfBanner),
			sExpect("EHLO localhost", "250-mx.test\r\n250 SIZE 1000000\r\n"),
			sExpect("MAIL FROM:<"+cfFrom+">"+size, "250 2.1.0 ok\r\n"),
			sExpect("RCPT TO:<"+cfTo+">", "250 2.1.5 ok\r\n"),
			sExpect("RCPT TO:<"+c2+">", "250 2.1.5 ok\r\n"),
			sExpect("DATA", "354 go ahead\r\n"),
			sData(cfMessage, "250 2.0.0 queued\r\n"),
			sExpect("QUIT", "221 bye\r\n"),
		)
		r := sendCLI(t, append(srv.flags(), "--tls", "none", "--from", cfFrom, "--to", cfTo, "--to", c2,
			"--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(cfMessage)))...)
		r.want(t, exitOK, "")
		srv.wait(t)
	})
}

// TestConformanceRecipients covers partial and total rejection and the
// recipient limit.
func TestConformanceRecipients(t *testing.T) {
	t.Run("partial rejection: 69, the others still get the message", func(t *testing.T) {
		srv := smtptest.Start(t)
		srv.RejectRecipient("nobody@example.org", 550, "5.1.1", "No such user")
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--to", "nobody@example.org", "--cc", "c@example.net",
			"--subject", "s", "--text", "body")...)
		r.want(t, exitUnavailable, "")
		if r.json.Error != nil || len(r.json.Rejected) != 1 || !slices.Equal(r.json.Accepted, []string{cfTo, "c@example.net"}) {
			t.Fatalf("json = %+v", r.json)
		}
		if rj := r.json.Rejected[0]; rj.Address != "nobody@example.org" || rj.Code != 550 || rj.EnhancedCode != "5.1.1" || rj.Message != "No such user" {
			t.Errorf("rejected = %+v", rj)
		}
		if r.json.MessageID == "" || !strings.HasPrefix(r.json.Response, "250") {
			t.Errorf("json = %+v", r.json)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{cfTo, "c@example.net"}) || !strings.Contains(string(msgs[0].Data), "body") {
			t.Fatalf("server got %+v", msgs)
		}
	})
	quit := steps(smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed())
	tests := []struct {
		name     string
		steps    []smtptest.Step
		want     int
		wantKind string
		wantSent string
	}{
		{"total rejection, pipelined: RSET, no body",
			steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), smtptest.Expect("MAIL FROM:<"+cfFrom+">"), smtptest.Expect("RCPT TO:<"+cfTo+">"),
				smtptest.Expect("DATA"), smtptest.Send("250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n"),
				smtptest.Expect("RSET"), smtptest.Send("250 ok\r\n"), quit),
			exitUnavailable, "invalid_recipient_address",
			"EHLO localhost\r\nMAIL FROM:<" + cfFrom + ">\r\nRCPT TO:<" + cfTo + ">\r\nDATA\r\nRSET\r\nQUIT\r\n"},
		{"total rejection, lock-step: RSET, no DATA",
			steps(smtptest.Send(cfBanner), ehlo(), smtptest.Expect("MAIL FROM:<"+cfFrom+">"), smtptest.Send("250 ok\r\n"),
				smtptest.Expect("RCPT TO:<"+cfTo+">"), smtptest.Send("550 5.1.1 no such user\r\n"), smtptest.Expect("RSET"), smtptest.Send("250 ok\r\n"), quit),
			exitUnavailable, "invalid_recipient_address",
			"EHLO localhost\r\nMAIL FROM:<" + cfFrom + ">\r\nRCPT TO:<" + cfTo + ">\r\nRSET\r\nQUIT\r\n"},
		{"total rejection, yet 354 to the pipelined DATA: no body, hang up",
			steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), smtptest.Expect("MAIL FROM:<"+cfFrom+">"), smtptest.Expect("RCPT TO:<"+cfTo+">"),
				smtptest.Expect("DATA"), smtptest.Send("250 ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n"), smtptest.ExpectClosed()),
			exitUnavailable, "invalid_recipient_address",
			"EHLO localhost\r\nMAIL FROM:<" + cfFrom + ">\r\nRCPT TO:<" + cfTo + ">\r\nDATA\r\n"},
		{"total temporary rejection: 75",
			steps(smtptest.Send(cfBanner), ehlo(), smtptest.Expect("MAIL FROM:<"+cfFrom+">"), smtptest.Send("250 ok\r\n"),
				smtptest.Expect("RCPT TO:<"+cfTo+">"), smtptest.Send("450 4.2.0 mailbox busy\r\n"), smtptest.Expect("RSET"), smtptest.Send("250 ok\r\n"), quit),
			exitTempFail, "temporary_failure",
			"EHLO localhost\r\nMAIL FROM:<" + cfFrom + ">\r\nRCPT TO:<" + cfTo + ">\r\nRSET\r\nQUIT\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, conn := script(t, tt.steps...)
			r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, cfMessage)...)...)
			r.want(t, tt.want, tt.wantKind)
			if len(r.json.Accepted) != 0 || r.json.Response != "" {
				t.Errorf("json = %+v", r.json)
			}
			if len(r.json.Rejected) != 1 || r.json.Rejected[0].Address != cfTo || r.json.Rejected[0].Code < 450 || r.json.Rejected[0].EnhancedCode == "" {
				t.Errorf("rejected = %+v; want the one recipient with its code", r.json.Rejected)
			}
			wantTranscript(t, ss, tt.wantSent)
		})
	}
	t.Run("452 for the third recipient: a second transaction on the same connection", func(t *testing.T) {
		srv := smtptest.Start(t)
		srv.MaxRecipientsPerTransaction(2)
		rcpts := []string{"r1@example.org", "r2@example.org", "r3@example.org", "r4@example.org", "r5@example.org"}
		args := serverFlags(srv, "--tls", "none", "--from", cfFrom, "--subject", "s", "--text", "body")
		for _, a := range rcpts {
			args = append(args, "--to", a)
		}
		r := sendCLI(t, args...)
		r.want(t, exitOK, "")
		if !slices.Equal(r.json.Accepted, rcpts) {
			t.Errorf("accepted = %v", r.json.Accepted)
		}
		msgs := srv.Messages()
		if len(msgs) != 3 || !slices.Equal(msgs[0].To, rcpts[:2]) || !slices.Equal(msgs[1].To, rcpts[2:4]) || !slices.Equal(msgs[2].To, rcpts[4:]) {
			t.Fatalf("server got %+v", msgs)
		}
		if srv.Connections() != 1 || string(msgs[0].Data) != string(msgs[1].Data) {
			t.Errorf("%d connections; the transactions carried different data", srv.Connections())
		}
	})
}

// TestConformanceAddresses covers SMTPUTF8 and punycode.
func TestConformanceAddresses(t *testing.T) {
	t.Run("non-ASCII local part, server without SMTPUTF8: 69 before MAIL", func(t *testing.T) {
		// The input is valid and another server could take it; this one
		// never will (RFC 6531 section 3.2 bounces it with 5.6.7): a
		// permanent failure, not bad input and not a protocol error.
		srv := smtptest.Start(t, smtptest.WithoutExtensions(smtptest.ExtSMTPUTF8))
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", "jösé@example.org"),
			"--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(cfMessage)))...)
		r.want(t, exitUnavailable, "capability_mismatch")
		if hasVerb(srv, "MAIL") {
			t.Error("MAIL was sent")
		}
	})
	t.Run("non-ASCII local part in a built message, server without SMTPUTF8: nothing sent", func(t *testing.T) {
		// Valid input that this server can never carry: a permanent
		// failure (69), as for --message-file, found before MAIL.
		srv := smtptest.Start(t, smtptest.WithoutExtensions(smtptest.ExtSMTPUTF8))
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", "jösé@example.org", "--subject", "s", "--text", "x")...)
		r.want(t, exitUnavailable, "capability_mismatch")
		if hasVerb(srv, "MAIL") {
			t.Error("MAIL was sent")
		}
	})
	t.Run("non-ASCII local part with SMTPUTF8", func(t *testing.T) {
		srv := smtptest.Start(t)
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", "jösé@bücher.example", "--subject", "s", "--text", "x")...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		if len(msgs) != 1 || !msgs[0].SMTPUTF8 || !slices.Equal(msgs[0].To, []string{"jösé@bücher.example"}) {
			t.Fatalf("server got %+v", msgs)
		}
	})
	t.Run("non-ASCII local part: the SMTPUTF8 parameter and Unicode paths", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("SMTPUTF8"),
			smtptest.Expect("MAIL FROM:<ann@münchen.example> SMTPUTF8"), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("RCPT TO:<jösé@bücher.example>"), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("DATA"), smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"))...)
		r := sendCLI(t, append(conn, "--tls", "none", "--from", "ann@münchen.example", "--to", "jösé@bücher.example",
			"--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(cfMessage)))...)
		r.want(t, exitOK, "")
		clientSent(t, ss)
	})
	t.Run("non-ASCII domains in a built message, server without SMTPUTF8 and 8BITMIME: all 7-bit", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithoutExtensions(smtptest.ExtSMTPUTF8, smtptest.Ext8BitMIME))
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", "Jörg <ann@münchen.example>", "--to", "bob@bücher.example",
			"--subject", "Grüße", "--text", "Grüße")...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].From != "ann@xn--mnchen-3ya.example" || !slices.Equal(msgs[0].To, []string{"bob@xn--bcher-kva.example"}) {
			t.Fatalf("server got %+v", msgs)
		}
		if bytes.ContainsFunc(msgs[0].Data, func(r rune) bool { return r >= 0x80 }) {
			t.Errorf("8-bit octets in the message:\n%s", msgs[0].Data)
		}
		if !strings.Contains(string(msgs[0].Data), "bob@xn--bcher-kva.example") {
			t.Errorf("To field without punycode:\n%s", msgs[0].Data)
		}
	})
	t.Run("non-ASCII domains only: punycode, no SMTPUTF8", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("8BITMIME"),
			smtptest.Expect("MAIL FROM:<ann@xn--mnchen-3ya.example>"), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("RCPT TO:<bob@xn--bcher-kva.example>"), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("DATA"), smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"))...)
		r := sendCLI(t, append(conn, "--tls", "none", "--from", "ann@münchen.example", "--to", "bob@bücher.example",
			"--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(cfMessage)))...)
		r.want(t, exitOK, "")
		clientSent(t, ss)
	})
}

// TestConformanceHELOFallback: EHLO refused with 500 or 502 gets HELO and
// a plain transaction; other refusals end the session.
func TestConformanceHELOFallback(t *testing.T) {
	for _, code := range []string{"500 5.5.1 unrecognized command", "502 5.5.2 not implemented"} {
		t.Run(code[:3], func(t *testing.T) {
			ss, conn := script(t, steps(smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"), smtptest.Send(code+"\r\n"),
				smtptest.Expect("HELO localhost"), smtptest.Send("250 mx.test\r\n"), lockStep(""))...)
			r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, cfMessage)...)...)
			r.want(t, exitOK, "")
			wantTranscript(t, ss, "EHLO localhost\r\nHELO localhost\r\n"+lockStepSent(""))
		})
	}
	t.Run("--helo-name in EHLO and HELO", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), smtptest.Expect("EHLO client.example.test"), smtptest.Send("502 5.5.2 no\r\n"),
			smtptest.Expect("HELO client.example.test"), smtptest.Send("250 mx.test\r\n"), lockStep(""))...)
		r := sendCLI(t, append(append(conn, "--tls", "none", "--helo-name", "client.example.test"), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		wantTranscript(t, ss, "EHLO client.example.test\r\nHELO client.example.test\r\n"+lockStepSent(""))
	})
	t.Run("HELO fallback when STARTTLS is required: 78", func(t *testing.T) {
		ss, conn := script(t, smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"), smtptest.Send("502 5.5.2 no\r\n"),
			smtptest.Expect("HELO localhost"), smtptest.Send("250 mx.test\r\n"), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"))
		r := sendCLI(t, append(conn, messageFile(t, cfMessage)...)...)
		r.want(t, exitConfig, "starttls_not_supported")
		wantTranscript(t, ss, "EHLO localhost\r\nHELO localhost\r\nQUIT\r\n")
	})
	t.Run("554 to EHLO: no HELO", func(t *testing.T) {
		ss, conn := script(t, smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"), smtptest.Send("554 5.7.1 go away\r\n"),
			smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"))
		r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, cfMessage)...)...)
		r.want(t, exitUnavailable, "")
		wantTranscript(t, ss, "EHLO localhost\r\nQUIT\r\n")
	})
}

// TestConformanceInjection feeds CR, LF, NUL and angle brackets through
// every flag that reaches a command or a header: 65 (64 for flag misuse),
// and the server never sees a connection.
func TestConformanceInjection(t *testing.T) {
	srv := smtptest.Start(t)
	base := serverFlags(srv, "--tls", "none")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"CRLF in --from", []string{"--from", "a@example.com>\r\nRCPT TO:<evil@example.net", "--to", cfTo}, exitDataErr},
		{"LF in --from", []string{"--from", "a@example.com\nRSET", "--to", cfTo}, exitDataErr},
		{"parameter smuggled in --from", []string{"--from", "a@example.com> SIZE=1", "--to", cfTo}, exitDataErr},
		{"CRLF in --to", []string{"--from", cfFrom, "--to", "b@example.org>\r\nDATA"}, exitDataErr},
		{"CR in --to", []string{"--from", cfFrom, "--to", "b@example.org\rDATA"}, exitDataErr},
		{"NUL in --to", []string{"--from", cfFrom, "--to", "b@example.org\x00"}, exitDataErr},
		{"parameter smuggled in --to", []string{"--from", cfFrom, "--to", "b@example.org> NOTIFY=NEVER"}, exitDataErr},
		{"unbalanced < in --to", []string{"--from", cfFrom, "--to", "<b@example.org"}, exitDataErr},
		{"unbalanced > in --to", []string{"--from", cfFrom, "--to", "b@example.org>"}, exitDataErr},
		{"LF in --cc", []string{"--from", cfFrom, "--to", cfTo, "--cc", "c@example.net\nBcc: x@evil.test"}, exitDataErr},
		{"CRLF in --bcc", []string{"--from", cfFrom, "--to", cfTo, "--bcc", "d@example.net\r\nRCPT TO:<x@evil.test>"}, exitDataErr},
		{"CRLF in --reply-to", []string{"--from", cfFrom, "--to", cfTo, "--reply-to", "r@example.com\r\nBcc: x@evil.test"}, exitDataErr},
		{"CRLF in --subject", []string{"--from", cfFrom, "--to", cfTo, "--subject", "hi\r\nBcc: x@evil.test"}, exitDataErr},
		{"LF in --subject", []string{"--from", cfFrom, "--to", cfTo, "--subject", "hi\nBcc: x@evil.test"}, exitDataErr},
		{"CR in --subject", []string{"--from", cfFrom, "--to", cfTo, "--subject", "hi\rBcc: x@evil.test"}, exitDataErr},
		{"CRLF in a --header value", []string{"--from", cfFrom, "--to", cfTo, "--header", "X-Tag: a\r\nBcc: x@evil.test"}, exitDataErr},
		{"LF in a --header value", []string{"--from", cfFrom, "--to", cfTo, "--header", "X-Tag: a\n\nbody"}, exitDataErr},
		{"CRLF in a --header name", []string{"--from", cfFrom, "--to", cfTo, "--header", "X-Tag\r\nBcc: x@evil.test"}, exitDataErr},
		{"space in a --header name", []string{"--from", cfFrom, "--to", cfTo, "--header", "X Tag: a"}, exitDataErr},
		{"--header without a colon", []string{"--from", cfFrom, "--to", cfTo, "--header", "X-Tag"}, exitDataErr},
		{"CRLF in --from with --message-file", append([]string{"--from", "a@example.com>\r\nRSET"}, messageFile(t, cfMessage)[2:]...), exitDataErr},
		{"CRLF in --to with --message-file", []string{"--from", cfFrom, "--to", "b@example.org>\r\nRSET", "--message-file", messageFile(t, cfMessage)[5]}, exitDataErr},
		{"empty --message-file", messageFile(t, ""), exitDataErr},
		{"NUL in --message-file", messageFile(t, "Subject: x\r\n\r\na\x00b\r\n"), exitDataErr},
		{"line over 998 octets in --message-file", messageFile(t, "Subject: x\r\n\r\n"+strings.Repeat("x", 999)+"\r\n"), exitDataErr},
		{"--attach of a missing file", []string{"--from", cfFrom, "--to", cfTo, "--attach", "/nonexistent/file.pdf"}, exitDataErr},
		{"--inline without CID=PATH", []string{"--from", cfFrom, "--to", cfTo, "--html", "<p>x</p>", "--inline", "logo.png"}, exitDataErr},
		{"--text-file missing", []string{"--from", cfFrom, "--to", cfTo, "--text-file", "/nonexistent/body.txt"}, exitDataErr},
		{"--message-file missing", []string{"--from", cfFrom, "--to", cfTo, "--message-file", "/nonexistent/m.eml"}, exitDataErr},
		{"CRLF in --helo-name (a configuration flag)", []string{"--helo-name", "client.test\r\nMAIL FROM:<x@evil.test>", "--from", cfFrom, "--to", cfTo}, exitConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sendCLI(t, append(slices.Clone(base), tt.args...)...)
			r.want(t, tt.want, "")
			if strings.ContainsAny(r.stderr[:len(r.stderr)-1], "\r\n\x00") {
				t.Errorf("the reason line carries the control characters: %q", r.stderr)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("bad input opened %d connections; want none", n)
	}
}

// TestConformanceUsage: flag misuse is 64 and opens no connection.
func TestConformanceUsage(t *testing.T) {
	srv := smtptest.Start(t)
	base := serverFlags(srv)
	tests := map[string][]string{
		"--password on the command line": {"--password=" + cfPassword, "--from", cfFrom, "--to", cfTo},
		"--password-env unset":           {"--user", "u", "--password-env", "CF_UNSET_VARIABLE", "--from", cfFrom, "--to", cfTo},
		"no --from":                      {"--to", cfTo, "--text", "x"},
		"no recipient":                   {"--from", cfFrom, "--text", "x"},
		"unknown --tls mode":             {"--tls", "sometimes", "--from", cfFrom, "--to", cfTo},
		"unknown --auth":                 {"--auth", "ntlm", "--from", cfFrom, "--to", cfTo},
		"--tls-min 1.1":                  {"--tls-min", "1.1", "--from", cfFrom, "--to", cfTo},
		"--text and --text-file":         {"--from", cfFrom, "--to", cfTo, "--text", "x", "--text-file", "y"},
		"--user without a secret":        {"--user", "u", "--from", cfFrom, "--to", cfTo},
		"--message-file with --subject":  {"--from", cfFrom, "--to", cfTo, "--subject", "s", "--message-file", "m.eml"},
		"stray argument":                 {"--from", cfFrom, "--to", cfTo, "extra"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append(append([]string{"send"}, base...), args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 64: %s", code, errOut)
			}
			if strings.Contains(errOut, cfPassword) {
				t.Errorf("stderr shows the password: %s", errOut)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("usage errors opened %d connections", n)
	}
}

// TestConformanceBcc: Bcc recipients get RCPT and never show in the
// message, also when a --message-file carries a Bcc field.
func TestConformanceBcc(t *testing.T) {
	const hidden = "hidden@example.net"
	t.Run("--bcc", func(t *testing.T) {
		srv := smtptest.Start(t)
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--bcc", hidden, "--subject", "s", "--text", "x")...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{cfTo, hidden}) {
			t.Fatalf("server got %+v", msgs)
		}
		if d := strings.ToLower(string(msgs[0].Data)); strings.Contains(d, "hidden") || strings.Contains(d, "bcc") {
			t.Errorf("Bcc shows in the message:\n%s", msgs[0].Data)
		}
	})
	t.Run("Bcc field in --message-file", func(t *testing.T) {
		srv := smtptest.Start(t)
		raw := "Message-ID: <id-1@example.com>\r\nFrom: a@example.com\r\nTo: b@example.org\r\nBcc: hidden@example.net,\r\n other@example.net\r\nSubject: s\r\n\r\nx\r\n"
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--bcc", hidden),
			"--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(raw)))...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		want := "Message-ID: <id-1@example.com>\r\nFrom: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n\r\nx\r\n"
		if len(msgs) != 1 || string(msgs[0].Data) != want || !slices.Equal(msgs[0].To, []string{cfTo, hidden}) {
			t.Fatalf("server got %+v", msgs)
		}
		if r.json.MessageID != "id-1@example.com" {
			t.Errorf("message_id %q", r.json.MessageID)
		}
	})
}
