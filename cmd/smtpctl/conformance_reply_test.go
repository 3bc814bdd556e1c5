package main

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/integrations/smtp/smtptest"
)

// TestConformanceReplies plays malformed, hostile, unsolicited and 421
// replies: the exit code, the kind, and the exact bytes the client sent
// (nothing after a reply it cannot trust, not even QUIT).
func TestConformanceReplies(t *testing.T) {
	greet := steps(smtptest.Send(cfBanner), ehlo("ENHANCEDSTATUSCODES"))
	mail := smtptest.Expect("MAIL FROM:<" + cfFrom + ">")
	rcpt := smtptest.Expect("RCPT TO:<" + cfTo + ">")
	closed := smtptest.ExpectClosed()
	quit := steps(smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), closed)
	const (
		sentEHLO = "EHLO localhost\r\n"
		sentMail = "MAIL FROM:<" + cfFrom + ">\r\n"
		sentRcpt = "RCPT TO:<" + cfTo + ">\r\n"
	)
	tests := []struct {
		name     string
		steps    []smtptest.Step
		want     int
		wantKind string
		wantSent string
	}{
		// Malformed replies.
		{"bad code 2x0 in the greeting", steps(smtptest.Send("2x0 hello\r\n"), closed), exitProtocol, "invalid_response", ""},
		{"code mismatch in a multi-line reply", steps(smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"),
			smtptest.Send("250-mx.test\r\n251 PIPELINING\r\n"), closed), exitProtocol, "invalid_response", sentEHLO},
		{"continued last line, then the server hangs up", steps(smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"),
			smtptest.Send("250-mx.test\r\n250-PIPELINING\r\n"), smtptest.Close()), exitProtocol, "invalid_response", sentEHLO},
		{"code not followed by a space", steps(greet, mail, smtptest.Send("250OK\r\n"), closed), exitProtocol, "invalid_response", sentEHLO + sentMail},
		{"code out of range", steps(greet, mail, smtptest.Send("650 what\r\n"), closed), exitProtocol, "invalid_response", sentEHLO + sentMail},
		{"NUL in the reply text", steps(greet, mail, smtptest.Send("250 o\x00k\r\n"), closed), exitProtocol, "invalid_response", sentEHLO + sentMail},
		{"empty reply line", steps(greet, mail, smtptest.Send("\r\n"), closed), exitProtocol, "invalid_response", sentEHLO + sentMail},
		{"354 to MAIL", steps(greet, mail, smtptest.Send("354 go ahead\r\n"), quit), exitProtocol, "unexpected_response", sentEHLO + sentMail + "QUIT\r\n"},
		{"positive reply to DATA that is not 354", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"),
			smtptest.Expect("DATA"), smtptest.Send("250 ok\r\n"), closed), exitProtocol, "protocol_desync", sentEHLO + sentMail + sentRcpt + "DATA\r\n"},
		// Non-SMTP servers.
		{"SSH banner", steps(smtptest.Send("SSH-2.0-OpenSSH_9.6\r\n"), closed), exitProtocol, "invalid_response", ""},
		{"HTTP response", steps(smtptest.Send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), closed), exitProtocol, "invalid_response", ""},
		// Unsolicited and surplus replies.
		{"reply behind the greeting", steps(smtptest.Send(cfBanner+"250 surprise\r\n"), closed), exitProtocol, "protocol_desync", ""},
		{"surplus reply to MAIL", steps(greet, mail, smtptest.Send("250 ok\r\n250 again\r\n"), closed), exitProtocol, "protocol_desync", sentEHLO + sentMail},
		{"data behind 354", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"),
			smtptest.Expect("DATA"), smtptest.Send("354 go\r\n250 2.0.0 queued\r\n"), closed), exitProtocol, "protocol_desync", sentEHLO + sentMail + sentRcpt + "DATA\r\n"},
		{"surplus reply after the final reply", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"),
			smtptest.Expect("DATA"), smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("250 2.0.0 queued\r\n250 2.0.0 twice\r\n"), closed),
			exitProtocol, "protocol_desync", sentEHLO + sentMail + sentRcpt + "DATA\r\n" + cfMessage + ".\r\n"},
		// 421 at every stage: temporary, and the connection is dropped.
		{"421 greeting", steps(smtptest.Send("421 4.3.2 mx.test busy\r\n"), closed), exitTempFail, "server_shutdown", ""},
		{"421 to EHLO", steps(smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"), smtptest.Send("421 4.3.2 bye\r\n"), closed),
			exitTempFail, "server_shutdown", sentEHLO},
		{"421 to MAIL", steps(greet, mail, smtptest.Send("421 4.3.2 bye\r\n"), closed), exitTempFail, "server_shutdown", sentEHLO + sentMail},
		{"421 to RCPT", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("421 4.3.2 bye\r\n"), closed),
			exitTempFail, "server_shutdown", sentEHLO + sentMail + sentRcpt},
		{"421 to DATA", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
			smtptest.Send("421 4.3.2 bye\r\n"), closed), exitTempFail, "server_shutdown", sentEHLO + sentMail + sentRcpt + "DATA\r\n"},
		{"421 after the final dot", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
			smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("421 4.3.2 bye\r\n"), closed),
			exitTempFail, "server_shutdown", sentEHLO + sentMail + sentRcpt + "DATA\r\n" + cfMessage + ".\r\n"},
		{"unasked 421 behind the EHLO reply", steps(smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"),
			smtptest.Send("250 mx.test\r\n421 4.4.2 mx.test Error: timeout exceeded\r\n"), closed), exitTempFail, "server_shutdown", sentEHLO},
		{"421 to a pipelined RCPT", steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), mail, rcpt, smtptest.Expect("DATA"),
			smtptest.Send("250 ok\r\n421 4.3.2 bye\r\n"), closed), exitTempFail, "server_shutdown", sentEHLO + sentMail + sentRcpt + "DATA\r\n"},
		// Refusals inside a pipelined group.
		{"550 to a pipelined MAIL", steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), mail, rcpt, smtptest.Expect("DATA"),
			smtptest.Send("550 5.7.1 no\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n"), quit),
			exitUnavailable, "invalid_from_address", sentEHLO + sentMail + sentRcpt + "DATA\r\nQUIT\r\n"},
		{"550 to a pipelined MAIL, yet 354 to DATA: no body, hang up", steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), mail, rcpt, smtptest.Expect("DATA"),
			smtptest.Send("550 5.7.1 no\r\n250 ok\r\n354 go\r\n"), closed),
			exitUnavailable, "invalid_from_address", sentEHLO + sentMail + sentRcpt + "DATA\r\n"},
		{"452 to the only recipient", steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), mail, rcpt, smtptest.Expect("DATA"),
			smtptest.Send("250 ok\r\n452 4.5.3 too many recipients\r\n554 5.5.1 no recipients\r\n"), smtptest.Expect("RSET"), smtptest.Send("250 ok\r\n"), quit),
			exitTempFail, "temporary_failure", sentEHLO + sentMail + sentRcpt + "DATA\r\nRSET\r\nQUIT\r\n"},
		{"the server hangs up in the middle of the pipelined replies", steps(smtptest.Send(cfBanner), ehlo("PIPELINING"), mail, rcpt, smtptest.Expect("DATA"),
			smtptest.Send("250 ok\r\n"), smtptest.Close()),
			exitTempFail, "connection_reset", sentEHLO + sentMail + sentRcpt + "DATA\r\n"},
		// Other temporary and permanent refusals.
		{"530 to MAIL: authentication required", steps(greet, mail, smtptest.Send("530 5.7.0 Authentication required\r\n"), quit),
			exitNoPerm, "authentication_required", sentEHLO + sentMail + "QUIT\r\n"},
		{"554 greeting", steps(smtptest.Send("554 5.3.2 no service\r\n"), quit), exitUnavailable, "permanent_failure", "QUIT\r\n"},
		{"451 to MAIL", steps(greet, mail, smtptest.Send("451 4.3.0 try later\r\n"), quit), exitTempFail, "temporary_failure", sentEHLO + sentMail + "QUIT\r\n"},
		{"550 to MAIL", steps(greet, mail, smtptest.Send("550 5.7.1 go away\r\n"), quit), exitUnavailable, "invalid_from_address", sentEHLO + sentMail + "QUIT\r\n"},
		{"554 after the final dot", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
			smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("554 5.7.1 spam\r\n"), quit),
			exitUnavailable, "permanent_failure", sentEHLO + sentMail + sentRcpt + "DATA\r\n" + cfMessage + ".\r\nQUIT\r\n"},
		// The connection lost after the final dot: nobody knows.
		{"drop after the final dot", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
			smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Close()),
			exitTempFail, "delivery_status_unknown", sentEHLO + sentMail + sentRcpt + "DATA\r\n" + cfMessage + ".\r\n"},
		{"drop in the middle of the final reply", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
			smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("250 2.0.0 que"), smtptest.Close()),
			exitTempFail, "delivery_status_unknown", sentEHLO + sentMail + sentRcpt + "DATA\r\n" + cfMessage + ".\r\n"},
		// A final reply that cannot be read leaves the delivery as unknown
		// as a lost one: never success, and a retry may deliver twice.
		{"malformed final reply", steps(greet, mail, smtptest.Send("250 ok\r\n"), rcpt, smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
			smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("2x0 queued?\r\n"), closed),
			exitTempFail, "delivery_status_unknown", sentEHLO + sentMail + sentRcpt + "DATA\r\n" + cfMessage + ".\r\n"},
		{"drop at the greeting", steps(smtptest.Close()), exitTempFail, "connection_reset", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, conn := script(t, tt.steps...)
			r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, cfMessage)...)...)
			r.want(t, tt.want, tt.wantKind)
			wantTranscript(t, ss, tt.wantSent)
		})
	}
}

// floodServer writes prefix, waits for a line from the client when await
// is set, then writes chunk until the client hangs up or limit octets are
// out, and records what the client sent. It ignores write errors: the
// client is meant to hang up on it.
func floodServer(t *testing.T, prefix string, await bool, chunk string, limit int) (flags []string, sent func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		_ = ln.Close()
		if err != nil {
			got <- ""
			return
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, prefix)
		br := bufio.NewReader(conn)
		first := ""
		if await {
			first, _ = br.ReadString('\n')
		}
		read := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(br)
			read <- first + string(b)
		}()
		for n := 0; n < limit; n += len(chunk) {
			if _, err := io.WriteString(conn, chunk); err != nil {
				break
			}
		}
		got <- <-read
	}()
	t.Cleanup(func() { _ = ln.Close() })
	a := ln.Addr().(*net.TCPAddr)
	return []string{"--host", a.IP.String(), "--port", strconv.Itoa(a.Port), "--tls", "none", "--timeout", "10s", "--json"},
		func() string {
			select {
			case s := <-got:
				return s
			case <-time.After(10 * time.Second):
				t.Fatal("flood server: the client did not hang up")
				return ""
			}
		}
}

// TestConformanceGiantReplies sends replies without end: the client must
// give up with a protocol error long before --timeout, having held only a
// bounded part of them.
func TestConformanceGiantReplies(t *testing.T) {
	const endless = 1 << 30 // more than any client should read
	tests := []struct {
		name, prefix string
		await        bool
		chunk        string
		limit        int
		wantSent     string
	}{
		{"1 MB greeting line without CRLF", "220 ", false, strings.Repeat("x", 1024), 1 << 20, ""},
		{"endless greeting line", "220 ", false, strings.Repeat("x", 4096), endless, ""},
		{"endless multi-line greeting", "", false, "220-mx.test flooding you\r\n", endless, ""},
		{"endless multi-line EHLO reply", cfBanner, true, "250-PIPELINING\r\n", endless, "EHLO localhost\r\n"},
		{"endless EHLO line", cfBanner, true, "250-" + strings.Repeat("P", 8192), endless, "EHLO localhost\r\n"},
		{"endless blank lines", "", false, "\r\n", endless, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags, sent := floodServer(t, tt.prefix, tt.await, tt.chunk, tt.limit)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := sendCLI(t, append(flags, messageFile(t, cfMessage)...)...)
			runtime.ReadMemStats(&after)
			r.want(t, exitProtocol, "invalid_response")
			if r.elapsed > 5*time.Second {
				t.Errorf("took %v; a bounded reader gives up at once", r.elapsed)
			}
			// The reader holds one line of 4 KiB and 256 lines a reply; a
			// client that buffered the flood would allocate far more.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MiB while reading the flood", alloc>>20)
			}
			if got := sent(); got != tt.wantSent {
				t.Errorf("client sent %q, want %q", got, tt.wantSent)
			}
		})
	}
}

// TestConformanceSlowAndStalledServers checks the timeouts: a slow server
// is waited for, a stalled one is left at --timeout.
func TestConformanceSlowAndStalledServers(t *testing.T) {
	t.Run("every reply 200 ms late", func(t *testing.T) {
		srv := smtptest.Start(t)
		for _, c := range []string{smtptest.Greeting, "EHLO", "MAIL", "RCPT", "DATA"} {
			srv.Delay(c, 200*time.Millisecond)
		}
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none", "--timeout", "20s"), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		if msgs := srv.Messages(); len(msgs) != 1 || string(msgs[0].Data) != cfMessage {
			t.Fatalf("server got %+v", msgs)
		}
	})
	// A message the socket buffers cannot hold: the client's writes block
	// when the server stops reading.
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("y", 998)+"\r\n", 24<<10)
	stalls := []struct {
		name     string
		steps    []smtptest.Step
		message  string
		wantKind string
	}{
		{"no greeting", steps(smtptest.Sleep(time.Minute)), cfMessage, ""},
		{"half a greeting", steps(smtptest.Send("220 mx.test"), smtptest.Sleep(time.Minute)), cfMessage, ""},
		{"no reply to MAIL", steps(smtptest.Send(cfBanner), ehlo(), smtptest.Expect("MAIL FROM:<"+cfFrom+">"), smtptest.Sleep(time.Minute)), cfMessage, ""},
		{"no reading of the message", steps(smtptest.Send(cfBanner), ehlo(), lockStep("")[:6], smtptest.Sleep(time.Minute)), big, "command_timeout"},
		{"no reply after the final dot", steps(smtptest.Send(cfBanner), ehlo(), lockStep("")[:6], smtptest.ReadData(), smtptest.Sleep(time.Minute)),
			cfMessage, "delivery_status_unknown"},
	}
	for _, tt := range stalls {
		t.Run("stalled: "+tt.name, func(t *testing.T) {
			t.Parallel()
			ss, conn := script(t, tt.steps...)
			// The limit leaves room for a loaded machine: the 24 MB message is
			// checked and the session opened well within it, so that the stall
			// is what ends the send; a send that ignored the limit would wait
			// for the script's minute.
			r := sendCLI(t, append(append(conn, "--tls", "none", "--timeout", "10s", "--max-size", "26214400"), messageFile(t, tt.message)...)...)
			r.want(t, exitTempFail, tt.wantKind)
			if r.elapsed > 10*time.Second+20*time.Second {
				t.Errorf("took %v with --timeout 10s", r.elapsed)
			}
			ss.Close()
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		_ = ln.Close()
		r := sendCLI(t, append([]string{"--host", "127.0.0.1", "--port", port, "--tls", "none", "--json"}, messageFile(t, cfMessage)...)...)
		r.want(t, exitTempFail, "connection_refused")
	})
}

// TestConformanceTerminalEscapes: reply text is the server's to choose;
// what reaches a terminal must not carry its control characters (cursor
// moves, window titles, fake lines).
func TestConformanceTerminalEscapes(t *testing.T) {
	const evil = "\x1b[2J\x1b]0;owned\x07 \x9b31m \u009b \xff\x7f\tbye"
	clean := func(t *testing.T, where, s string) {
		t.Helper()
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", where, s)
		}
		for _, r := range s {
			if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Errorf("%s carries control character %U: %q", where, r, s)
				return
			}
		}
	}
	t.Run("refusal at MAIL, --verbose", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("ENHANCEDSTATUSCODES"), smtptest.Expect("MAIL FROM:<"+cfFrom+">"),
			smtptest.Send("550-5.7.1 "+evil+"\r\n550 5.7.1 "+evil+"\r\n"), smtptest.Expect("QUIT"), smtptest.Send("221 "+evil+"\r\n"))...)
		r := sendCLI(t, append(append(conn, "--tls", "none", "--verbose"), messageFile(t, cfMessage)...)...)
		r.want(t, exitUnavailable, "invalid_from_address")
		clean(t, "stderr", r.stderr)
		clean(t, "stdout", r.stdout)
		if !strings.Contains(r.stderr, `\x1b[2J`) {
			t.Errorf("the escape is not shown escaped: %q", r.stderr)
		}
		clientSent(t, ss)
	})
	t.Run("one recipient refused, text output", func(t *testing.T) {
		const c2 = "c@example.net"
		ss, _ := script(t, steps(smtptest.Send(cfBanner), ehlo(), smtptest.Expect("MAIL FROM:<"+cfFrom+">"), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("RCPT TO:<"+cfTo+">"), smtptest.Send("250 ok\r\n"), smtptest.Expect("RCPT TO:<"+c2+">"), smtptest.Send("550 5.1.1 "+evil+"\r\n"),
			smtptest.Expect("DATA"), smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("250 2.0.0 "+evil+"\r\n"),
			smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"))...)
		code, out, errOut := runCLI(t, "send", "--host", ss.Host(), "--port", strconv.Itoa(ss.Port()), "--tls", "none", "--timeout", "5s",
			"--from", cfFrom, "--to", cfTo, "--to", c2, "--message-file", writeFile(t, t.TempDir(), "m.eml", []byte(cfMessage)))
		if code != exitUnavailable {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		clean(t, "stdout", out)
		clean(t, "stderr", errOut)
		if !strings.Contains(out, "rejected "+c2+": 550 5.1.1") {
			t.Errorf("stdout: %q", out)
		}
		clientSent(t, ss)
	})
}
