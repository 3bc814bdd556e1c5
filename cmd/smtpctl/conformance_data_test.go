package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

// TestConformanceDataSmuggling sends a prebuilt message full of bare CR
// and LF, lone dots and SMTP commands: on the wire every line end is CRLF,
// every leading dot is doubled, and the data ends exactly once.
func TestConformanceDataSmuggling(t *testing.T) {
	const raw = "From: a@example.com\nTo: b@example.org\nSubject: smuggle\n\n" +
		"line1\n.\nMAIL FROM:<evil@x.test>\nRCPT TO:<victim@x.test>\nDATA\nevil\n.\r\n" + // "\n.\n" and "\n.\r\n"
		"QUIT\r.\rRSET\r\n.\rx\n..y\n.z\r" + // "\r.\r", "\r\n.\r", a line already dotted
		"\r\n.\n" + // "\r\n.\n"
		"end"
	const wire = "From: a@example.com\r\nTo: b@example.org\r\nSubject: smuggle\r\n\r\n" +
		"line1\r\n..\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@x.test>\r\nDATA\r\nevil\r\n..\r\n" +
		"QUIT\r\n..\r\nRSET\r\n..\r\nx\r\n...y\r\n..z\r\n" +
		"\r\n..\r\n" +
		"end\r\n"
	// What the server stores: the same, dots removed again.
	unstuffed := strings.NewReplacer("\r\n..", "\r\n.").Replace(wire)
	size := " SIZE=" + strconv.Itoa(len(unstuffed))

	t.Run("byte-exact", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("SIZE 100000"), smtptest.Expect("MAIL FROM:<"+cfFrom+">"+size), smtptest.Send("250 ok\r\n"),
			smtptest.Expect("RCPT TO:<"+cfTo+">"), smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"), smtptest.Send("354 go\r\n"),
			smtptest.ReadData(), smtptest.Send("250 2.0.0 queued\r\n"), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed())...)
		r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, raw)...)...)
		r.want(t, exitOK, "")
		got := clientSent(t, ss)
		want := "EHLO localhost\r\nMAIL FROM:<" + cfFrom + ">" + size + "\r\nRCPT TO:<" + cfTo + ">\r\nDATA\r\n" + wire + ".\r\nQUIT\r\n"
		if got != want {
			t.Fatalf("client sent:\n%q\nwant:\n%q", got, want)
		}
		if n := strings.Count(got, "\r\n.\r\n"); n != 1 {
			t.Errorf("the data ends %d times", n)
		}
	})
	t.Run("a real server stores one message", func(t *testing.T) {
		srv := smtptest.Start(t)
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none"), messageFile(t, raw)...)...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		if len(msgs) != 1 || string(msgs[0].Data) != unstuffed || msgs[0].Size != int64(len(unstuffed)) {
			t.Fatalf("server got %+v\nwant data %q", msgs, unstuffed)
		}
		for _, v := range srv.Verbs() {
			if v != "EHLO" && v != "MAIL" && v != "RCPT" && v != "DATA" && v != "QUIT" {
				t.Errorf("the server saw a %s command", v)
			}
		}
	})
	t.Run("--text with dots and bare line ends", func(t *testing.T) {
		srv := smtptest.Start(t)
		text := "one\n.\ntwo\r.\rthree\r\n.\r\nfour\n..five"
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--subject", "dots", "--text", text)...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server got %d messages", len(msgs))
		}
		parts := decodeMessage(t, msgs[0].Data)
		want := "one\r\n.\r\ntwo\r\n.\r\nthree\r\n.\r\nfour\r\n..five"
		if len(parts) != 1 || strings.TrimSuffix(string(parts[0].body), "\r\n") != want {
			t.Fatalf("parts = %+v; want text %q", parts, want)
		}
	})
}

// TestConformanceSize checks SIZE: the parameter is the exact size of the
// message as it goes on the wire before dot-stuffing, and a message over
// the server's limit is refused before MAIL.
func TestConformanceSize(t *testing.T) {
	t.Run("at the limit: sent", func(t *testing.T) {
		n := strconv.Itoa(len(cfMessage))
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("SIZE "+n), lockStep(" SIZE="+n))...)
		r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		wantTranscript(t, ss, "EHLO localhost\r\n"+lockStepSent(" SIZE="+n))
	})
	t.Run("one octet over the limit: 69, no MAIL", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithMaxSize(int64(len(cfMessage)-1)))
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none"), messageFile(t, cfMessage)...)...)
		r.want(t, exitUnavailable, "message_too_large")
		if hasVerb(srv, "MAIL") {
			t.Error("MAIL was sent")
		}
	})
	t.Run("built message over the limit: 69, no MAIL", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithMaxSize(500))
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--subject", "big", "--text", strings.Repeat("words ", 200))...)
		r.want(t, exitUnavailable, "message_too_large")
		if hasVerb(srv, "MAIL") {
			t.Error("MAIL was sent")
		}
	})
	t.Run("SIZE= is the exact size of a built message", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithMaxSize(1<<20))
		r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--subject", "s", "--text", "hello\n.\nworld",
			"--attach", writeFile(t, t.TempDir(), "a.bin", bytes.Repeat([]byte{0, 1, 2, 255}, 300)))...)
		r.want(t, exitOK, "")
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].Size != int64(len(msgs[0].Data)) {
			t.Fatalf("SIZE=%d for %d octets", msgs[0].Size, len(msgs[0].Data))
		}
	})
}

// TestConformance8BitMIME: UTF-8 text goes as 8bit with BODY=8BITMIME when
// the server allows it, and 7-bit clean otherwise.
func TestConformance8BitMIME(t *testing.T) {
	const text = "Grüße aus Köln — naïve café ☕"
	tests := []struct {
		name    string
		opts    []smtptest.Option
		want8   bool
		subject string
	}{
		{"8BITMIME advertised", nil, true, "Grüße"},
		{"8BITMIME not advertised", []smtptest.Option{smtptest.WithoutExtensions(smtptest.Ext8BitMIME)}, false, "Grüße"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.opts...)
			r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--subject", tt.subject, "--text", text)...)
			r.want(t, exitOK, "")
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			m := msgs[0]
			if m.Body8BitMIME != tt.want8 {
				t.Errorf("BODY=8BITMIME is %v, want %v", m.Body8BitMIME, tt.want8)
			}
			eight := bytes.ContainsFunc(m.Data, func(r rune) bool { return r >= 0x80 })
			if eight != tt.want8 {
				t.Errorf("8-bit octets in the data: %v, want %v\n%s", eight, tt.want8, m.Data)
			}
			if tt.want8 && !bytes.Contains(m.Data, []byte(text)) {
				t.Errorf("the text is not sent as it is:\n%s", m.Data)
			}
			parts := decodeMessage(t, m.Data)
			if len(parts) != 1 || strings.TrimSuffix(string(parts[0].body), "\r\n") != text {
				t.Errorf("decoded parts = %+v", parts)
			}
			msg, _ := mail.ReadMessage(bytes.NewReader(m.Data))
			if got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || got != tt.subject {
				t.Errorf("Subject %q (%v)", got, err)
			}
		})
	}
	t.Run("8-bit --message-file, server without 8BITMIME: 69, no MAIL", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithoutExtensions(smtptest.Ext8BitMIME))
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none"), messageFile(t, "Subject: x\r\n\r\nGrüße\r\n")...)...)
		r.want(t, exitUnavailable, "capability_mismatch")
		if hasVerb(srv, "MAIL") {
			t.Error("MAIL was sent")
		}
	})
	t.Run("8-bit --message-file with 8BITMIME", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("8BITMIME"), lockStep(" BODY=8BITMIME"))...)
		msg := "From: a@example.com\r\nTo: b@example.org\r\nSubject: t\r\n\r\nhellö\r\n"
		r := sendCLI(t, append(append(conn, "--tls", "none"), messageFile(t, msg)...)...)
		r.want(t, exitOK, "")
		wantTranscript(t, ss, "EHLO localhost\r\nMAIL FROM:<"+cfFrom+"> BODY=8BITMIME\r\nRCPT TO:<"+cfTo+">\r\nDATA\r\n"+msg+".\r\nQUIT\r\n")
	})
}

// TestConformanceLongLines: a body line of 5000 characters is encoded so
// that no line on the wire passes 998 octets, and decodes back.
func TestConformanceLongLines(t *testing.T) {
	tests := map[string]string{
		"words":       strings.TrimSpace(strings.Repeat("lorem ipsum ", 417)),
		"one token":   strings.Repeat("x", 5000),
		"8-bit token": strings.Repeat("ü", 2500),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("8BITMIME"), smtptest.ExpectPrefix("MAIL FROM:<"+cfFrom+">"),
				smtptest.Send("250 ok\r\n"), smtptest.Expect("RCPT TO:<"+cfTo+">"), smtptest.Send("250 ok\r\n"), smtptest.Expect("DATA"),
				smtptest.Send("354 go\r\n"), smtptest.ReadData(), smtptest.Send("250 ok\r\n"), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"))...)
			r := sendCLI(t, append(conn, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--subject", "long", "--text", text)...)
			r.want(t, exitOK, "")
			sent := clientSent(t, ss)
			for i, l := range strings.Split(sent, "\r\n") {
				if len(l) > 998 {
					t.Fatalf("line %d on the wire has %d octets", i+1, len(l))
				}
			}
			if strings.Contains(strings.ReplaceAll(sent, "\r\n", ""), "\r") || strings.Contains(strings.ReplaceAll(sent, "\r\n", ""), "\n") {
				t.Error("a bare CR or LF went on the wire")
			}
			i := strings.Index(sent, "DATA\r\n") + len("DATA\r\n")
			j := strings.LastIndex(sent, "\r\n.\r\n")
			data := strings.ReplaceAll(sent[i:j+2], "\r\n..", "\r\n.")
			parts := decodeMessage(t, []byte(data))
			if len(parts) != 1 || strings.TrimSuffix(string(parts[0].body), "\r\n") != text {
				t.Errorf("the text does not decode back (%d parts)", len(parts))
			}
		})
	}
}

// TestConformanceAttachments: --attach and --inline arrive byte for byte,
// with their names and Content-IDs.
func TestConformanceAttachments(t *testing.T) {
	dir := t.TempDir()
	binary := make([]byte, 0, 4096)
	for i := range 4096 {
		binary = append(binary, byte(i*7+i/256))
	}
	textFile := []byte("line one\r\nbare LF\nbare CR\r.\n.\r\nno end")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 0xff, '\r', '\n', '.'}, 200)...)
	srv := smtptest.Start(t)
	r := sendCLI(t, serverFlags(srv, "--tls", "none", "--from", cfFrom, "--to", cfTo, "--subject", "files",
		"--text", "see attached", "--html", `<p>logo: <img src="cid:logo@example.com"></p>`,
		"--attach", writeFile(t, dir, "data.bin", binary),
		"--attach", writeFile(t, dir, "notes.txt", textFile),
		"--inline", "logo@example.com="+writeFile(t, dir, "logo.png", png))...)
	r.want(t, exitOK, "")
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages", len(msgs))
	}
	parts := decodeMessage(t, msgs[0].Data)
	found := map[string]bool{}
	for _, p := range parts {
		switch {
		case p.filename == "data.bin":
			found["bin"] = bytes.Equal(p.body, binary)
		case p.filename == "notes.txt":
			found["txt"] = bytes.Equal(p.body, textFile)
		case p.contentID == "<logo@example.com>":
			found["png"] = bytes.Equal(p.body, png)
		case strings.HasPrefix(p.contentType, "text/plain"):
			found["text"] = strings.TrimSuffix(string(p.body), "\r\n") == "see attached"
		case strings.HasPrefix(p.contentType, "text/html"):
			found["html"] = strings.Contains(string(p.body), `src="cid:logo@example.com"`)
		}
	}
	for _, k := range []string{"bin", "txt", "png", "text", "html"} {
		if !found[k] {
			t.Errorf("part %s missing or altered; parts: %+v", k, summary(parts))
		}
	}
	for i, l := range bytes.Split(msgs[0].Data, []byte("\r\n")) {
		if len(l) > 998 || bytes.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d: %d octets or a bare line end", i+1, len(l))
		}
	}
}

// part is one decoded leaf of a MIME message.
type part struct {
	contentType, filename, contentID string
	body                             []byte
}

func summary(parts []part) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p.contentType+" "+p.filename+" "+p.contentID+" "+strconv.Itoa(len(p.body)))
	}
	return out
}

// decodeMessage returns the leaves of a MIME message, transfer encoding
// undone.
func decodeMessage(t *testing.T, data []byte) []part {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, data)
	}
	return decodePart(t, textproto.MIMEHeader(msg.Header), msg.Body)
}

func decodePart(t *testing.T, h textproto.MIMEHeader, body io.Reader) []part {
	t.Helper()
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		var out []part
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			out = append(out, decodePart(t, p.Header, p)...)
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips CR and LF
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("decoding %s: %v", mt, err)
	}
	p := part{contentType: ct, contentID: h.Get("Content-Id"), body: b}
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		p.filename = dp["filename"]
	}
	if cs := params["charset"]; strings.HasPrefix(mt, "text/") && cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		t.Errorf("charset %s", cs)
	}
	return []part{p}
}
