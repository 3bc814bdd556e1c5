package smtptest

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
)

// dialog is a raw client for byte-exact conversations.
type dialog struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dial connects to addr and returns the dialog with the greeting read.
func dial(t *testing.T, addr string) (*dialog, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	d := &dialog{t: t, conn: c, r: bufio.NewReader(c)}
	return d, d.reply()
}

// dialTLS connects with implicit TLS and returns the dialog with the
// greeting read.
func dialTLS(t *testing.T, addr string, cfg *tls.Config) (*dialog, string) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	d := &dialog{t: t, conn: c, r: bufio.NewReader(c)}
	return d, d.reply()
}

// send writes raw bytes.
func (d *dialog) send(raw string) {
	d.t.Helper()
	if _, err := io.WriteString(d.conn, raw); err != nil {
		d.t.Fatalf("write %q: %v", raw, err)
	}
}

// cmd sends line with CRLF and returns the reply.
func (d *dialog) cmd(line string) string {
	d.t.Helper()
	d.send(line + "\r\n")
	return d.reply()
}

// reply reads one whole reply in wire form; "" at EOF.
func (d *dialog) reply() string {
	d.t.Helper()
	var b strings.Builder
	for {
		line, err := d.r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String()
		}
		if len(line) < 4 || line[3] != '-' {
			return b.String()
		}
	}
}

// eof reports whether the server has closed the connection.
func (d *dialog) eof() bool {
	d.t.Helper()
	b, err := d.r.ReadByte()
	if err == nil {
		d.t.Errorf("got byte %q, want EOF", b)
		return false
	}
	return true
}

// startTLS upgrades the dialog after a 220 reply to STARTTLS.
func (d *dialog) startTLS(cfg *tls.Config) {
	d.t.Helper()
	tc := tls.Client(d.conn, cfg)
	if err := tc.Handshake(); err != nil {
		d.t.Fatalf("handshake: %v", err)
	}
	d.conn, d.r = tc, bufio.NewReader(tc)
}

// b64 encodes s in standard base64.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// unb64 decodes the text of a "334 <base64>" reply.
func unb64(t *testing.T, reply string) string {
	t.Helper()
	text := strings.TrimSpace(strings.TrimPrefix(reply, "334 "))
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		t.Fatalf("decode %q: %v", reply, err)
	}
	return string(b)
}

// transaction runs EHLO, MAIL, RCPT, DATA with body and returns the final
// reply.
func (d *dialog) transaction(from, to, body string) string {
	d.t.Helper()
	for _, c := range []string{"EHLO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">"} {
		if r := d.cmd(c); !strings.HasPrefix(r, "250") {
			d.t.Fatalf("%s: %q", c, r)
		}
	}
	if r := d.cmd("DATA"); !strings.HasPrefix(r, "354") {
		d.t.Fatalf("DATA: %q", r)
	}
	d.send(body + ".\r\n")
	return d.reply()
}

// codeOf returns the code of a *textproto.Error, failing t otherwise.
func codeOf(t *testing.T, err error) int {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not a *textproto.Error", err, err)
	}
	return te.Code
}

// transactionStart runs EHLO, MAIL and RCPT and sends DATA, expecting 354.
func (d *dialog) transactionStart(from, to string) {
	d.t.Helper()
	for _, c := range []string{"EHLO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">"} {
		if r := d.cmd(c); !strings.HasPrefix(r, "250") {
			d.t.Fatalf("%s: %q", c, r)
		}
	}
	if r := d.cmd("DATA"); !strings.HasPrefix(r, "354") {
		d.t.Fatalf("DATA: %q", r)
	}
}

// transactionStartNoEHLO runs MAIL and RCPT and sends DATA, expecting 354.
func (d *dialog) transactionStartNoEHLO(from, to string) {
	d.t.Helper()
	for _, c := range []string{"MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">"} {
		if r := d.cmd(c); !strings.HasPrefix(r, "250") {
			d.t.Fatalf("%s: %q", c, r)
		}
	}
	if r := d.cmd("DATA"); !strings.HasPrefix(r, "354") {
		d.t.Fatalf("DATA: %q", r)
	}
}

// itoa is strconv.Itoa.
func itoa(n int) string { return strconv.Itoa(n) }

// mailWith sends one message on c (MAIL, RCPT, DATA) and returns the first
// error, the final reply's included.
func mailWith(c *smtp.Client, from, to, body string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}
	return w.Close()
}
