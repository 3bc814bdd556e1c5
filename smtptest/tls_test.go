package smtptest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSTARTTLSWithNetSMTP(t *testing.T) {
	srv := Start(t, WithSTARTTLS())
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not advertised")
	}
	if err := c.StartTLS(&tls.Config{RootCAs: srv.CAPool(), ServerName: "localhost"}); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised again over TLS")
	}
	if err := mailWith(c, "a@example.com", "b@example.com", body); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()
	if len(m) != 1 || !m[0].TLS || srv.Connections() != 1 {
		t.Fatalf("messages = %+v on %d connections", m, srv.Connections())
	}
	want := []struct {
		verb string
		tls  bool
	}{{"EHLO", false}, {"STARTTLS", false}, {"EHLO", true}, {"MAIL", true}, {"RCPT", true}, {"DATA", true}, {"QUIT", true}}
	cmds := srv.Commands()
	if len(cmds) != len(want) {
		t.Fatalf("commands = %+v", cmds)
	}
	for i, w := range want {
		if cmds[i].Verb() != w.verb || cmds[i].TLS != w.tls {
			t.Errorf("command %d = %+v, want %s tls=%v", i, cmds[i], w.verb, w.tls)
		}
	}
}

func TestSTARTTLSUntrustedCA(t *testing.T) {
	srv := Start(t, WithSTARTTLS())
	other := Start(t)
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.StartTLS(other.ClientTLSConfig())
	var uerr x509.UnknownAuthorityError
	if !errors.As(err, &uerr) {
		t.Errorf("StartTLS with another server's CA = %v, want x509.UnknownAuthorityError", err)
	}
}

func TestSTARTTLSDialogue(t *testing.T) {
	srv := Start(t, WithSTARTTLS())
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); !strings.Contains(got, "250 STARTTLS\r\n") {
		t.Errorf("EHLO = %q", got)
	}
	if got := d.cmd("STARTTLS now"); got != "501 5.5.4 STARTTLS takes no parameters\r\n" {
		t.Errorf("STARTTLS now = %q", got)
	}
	// Pipelined bytes after STARTTLS are dropped (RFC 3207 section 4.2).
	d.send("STARTTLS\r\nNOOP\r\n")
	if got := d.reply(); got != "220 2.0.0 Ready to start TLS\r\n" {
		t.Fatalf("STARTTLS = %q", got)
	}
	d.startTLS(srv.ClientTLSConfig())
	if got := d.cmd("MAIL FROM:<a@example.com>"); !strings.HasPrefix(got, "502 5.5.1 Please introduce yourself") {
		t.Errorf("MAIL before a new EHLO = %q", got)
	}
	if got := d.cmd("EHLO client.test"); strings.Contains(got, "STARTTLS") {
		t.Errorf("EHLO over TLS = %q", got)
	}
	if got := d.cmd("STARTTLS"); got != "502 5.5.1 Already running in TLS\r\n" {
		t.Errorf("second STARTTLS = %q", got)
	}
	if got := d.transaction("a@example.com", "b@example.com", "x\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Errorf("transaction = %q", got)
	}
	for _, c := range srv.Commands() {
		if c.Line == "NOOP" {
			t.Errorf("the injected NOOP was read as a command: %+v", srv.Commands())
		}
	}
}

func TestSTARTTLSHandshakeFailureCloses(t *testing.T) {
	srv := Start(t, WithSTARTTLS())
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	d.cmd("STARTTLS")
	d.send("this is not a TLS client hello\r\n")
	d.eof()
}

func TestImplicitTLS(t *testing.T) {
	srv := Start(t, WithImplicitTLS())
	conn, err := tls.Dial("tcp", srv.Addr(), srv.ClientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, srv.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised with implicit TLS")
	}
	if err := mailWith(c, "a@example.com", "b@example.com", body); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || !m[0].TLS {
		t.Errorf("messages = %+v", m)
	}
}

func TestImplicitTLSRejectsPlainClient(t *testing.T) {
	srv := Start(t, WithImplicitTLS())
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := &dialog{t: t, conn: c, r: bufio.NewReader(c)}
	d.send("EHLO client.test\r\n") // the server wants a ClientHello and gives up
	d.eof()
}

func TestRequireTLS(t *testing.T) {
	srv := Start(t, WithRequireTLS())
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Mail("a@example.com")
	if code := codeOf(t, err); code != 530 || !strings.Contains(err.Error(), "5.7.0 Must issue a STARTTLS command first") {
		t.Errorf("MAIL before STARTTLS = %v", err)
	}
	if err := c.Noop(); err != nil {
		t.Errorf("NOOP before STARTTLS = %v", err)
	}
	if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.com"); err != nil {
		t.Errorf("MAIL after STARTTLS = %v", err)
	}
}

func TestRequireTLSRefusesBDATAndDiscardsChunk(t *testing.T) {
	srv := Start(t, WithRequireTLS())
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	d.send("BDAT 6 LAST\r\nRSET\r\nNOOP\r\n") // the chunk is "RSET\r\n"
	if got := d.reply(); !strings.HasPrefix(got, "530 5.7.0") {
		t.Errorf("BDAT = %q", got)
	}
	if got := d.reply(); !strings.HasPrefix(got, "250 2.0.0 I have successfully done nothing") {
		t.Errorf("after the chunk = %q", got)
	}
	if got := srv.Verbs(); strings.Join(got, " ") != "EHLO BDAT NOOP" {
		t.Errorf("Verbs = %q", got)
	}
}

func TestCAAccessors(t *testing.T) {
	srv := Start(t, WithSTARTTLS())
	block, _ := pem.Decode(srv.CACertPEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CACertPEM = %q", srv.CACertPEM())
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA = %v, %v", ca, err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.WriteCA(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != string(srv.CACertPEM()) {
		t.Errorf("WriteCA wrote %q, %v", b, err)
	}
	if err := srv.WriteCA(filepath.Join(t.TempDir(), "missing", "ca.pem")); err == nil {
		t.Error("WriteCA into a missing directory succeeded")
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		cfg := srv.ClientTLSConfig()
		cfg.ServerName = name
		c, err := smtp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.StartTLS(cfg); err != nil {
			t.Errorf("StartTLS as %s: %v", name, err)
		}
		c.Close()
	}
}

func TestWithTLSConfig(t *testing.T) {
	other := Start(t, WithSTARTTLS())
	// Serve the other server's certificate: a client trusting srv's CA fails.
	cfg := other.tls.Clone()
	srv := Start(t, WithSTARTTLS(), WithTLSConfig(cfg), WithTLSConfig(nil))
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(srv.ClientTLSConfig()); err == nil {
		t.Error("StartTLS trusting the generated CA accepted the replaced certificate")
	}
	c2, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.StartTLS(other.ClientTLSConfig()); err != nil {
		t.Errorf("StartTLS trusting the replaced certificate's CA: %v", err)
	}
}
