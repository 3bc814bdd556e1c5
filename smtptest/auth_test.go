package smtptest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"net/smtp"
	"slices"
	"strings"
	"testing"
)

func TestPlainAuthOverSTARTTLS(t *testing.T) {
	srv := Start(t, WithSTARTTLS(), WithAuth("alice", "secret"))
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH advertised before TLS")
	}
	if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
		t.Fatal(err)
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || mechs != "PLAIN LOGIN CRAM-MD5" {
		t.Fatalf("AUTH over TLS = %v %q", ok, mechs)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice", "secret", srv.Host())); err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if err := mailWith(c, "alice@example.com", "b@example.com", body); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Auth != "alice" || !m[0].TLS {
		t.Errorf("messages = %+v", m)
	}
}

func TestPlainAuthBadPassword(t *testing.T) {
	srv := Start(t, WithImplicitTLS(), WithAuth("alice", "secret"))
	conn, err := tls.Dial("tcp", srv.Addr(), srv.ClientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, srv.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(smtp.PlainAuth("", "alice", "wrong", srv.Host())) // net/smtp quits after a failure
	if code := codeOf(t, err); code != 535 || !strings.Contains(err.Error(), "5.7.8") {
		t.Errorf("bad password = %v", err)
	}
}

func TestAuthRequiredBeforeMail(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"), WithAllowInsecureAuth(true))
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Mail("a@example.com")
	if code := codeOf(t, err); code != 530 {
		t.Errorf("MAIL without AUTH = %v", err)
	}
}

func TestAuthOptional(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"), WithAllowInsecureAuth(true), WithAuthOptional())
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); !strings.Contains(got, "AUTH PLAIN LOGIN CRAM-MD5") {
		t.Errorf("EHLO = %q", got)
	}
	if got := d.transaction("a@example.com", "b@example.com", "x\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Errorf("transaction without AUTH = %q", got)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Auth != "" {
		t.Errorf("messages = %+v", m)
	}
}

func TestAuthWithoutTLS(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"))
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); strings.Contains(got, "AUTH") {
		t.Errorf("EHLO without TLS = %q", got)
	}
	if got := d.cmd("AUTH PLAIN " + b64("\x00alice\x00secret")); !strings.HasPrefix(got, "538 5.7.11") {
		t.Errorf("AUTH without TLS = %q", got)
	}
}

func TestCRAMMD5WithNetSMTP(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"), WithAllowInsecureAuth(true), WithAuthMechanisms("cram-md5"))
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, mechs := c.Extension("AUTH"); mechs != "CRAM-MD5" {
		t.Errorf("AUTH mechanisms = %q", mechs)
	}
	if err := c.Auth(smtp.CRAMMD5Auth("alice", "secret")); err != nil {
		t.Fatalf("CRAM-MD5: %v", err)
	}
	if err := c.Mail("a@example.com"); err != nil {
		t.Errorf("MAIL after CRAM-MD5: %v", err)
	}

	c2, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	err = c2.Auth(smtp.CRAMMD5Auth("alice", "wrong"))
	if code := codeOf(t, err); code != 535 {
		t.Errorf("bad CRAM-MD5 = %v", err)
	}
}

func TestCRAMMD5Dialogue(t *testing.T) {
	srv := Start(t, WithDomain("mx.test"), WithAuth("alice", "secret"), WithAllowInsecureAuth(true))
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	challenge := unb64(t, d.cmd("AUTH CRAM-MD5"))
	if !strings.HasPrefix(challenge, "<") || !strings.HasSuffix(challenge, "@mx.test>") {
		t.Errorf("challenge = %q", challenge)
	}
	h := hmac.New(md5.New, []byte("secret"))
	h.Write([]byte(challenge))
	if got := d.cmd(b64("alice " + hex.EncodeToString(h.Sum(nil)))); got != "235 2.0.0 Authentication succeeded\r\n" {
		t.Errorf("response = %q", got)
	}
	if got := d.cmd("AUTH CRAM-MD5"); !strings.HasPrefix(got, "503 5.5.1 Already authenticated") {
		t.Errorf("second AUTH = %q", got)
	}
}

func TestLoginDialogue(t *testing.T) {
	tests := []struct {
		name  string
		give  []string // client lines after EHLO
		want  []string // replies
		users string
	}{
		{
			name:  "challenges",
			give:  []string{"AUTH LOGIN", b64("alice"), b64("secret")},
			want:  []string{"334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 2.0.0 Authentication succeeded\r\n"},
			users: "alice",
		},
		{
			name:  "initial response",
			give:  []string{"AUTH LOGIN " + b64("alice"), b64("secret")},
			want:  []string{"334 UGFzc3dvcmQ6\r\n", "235 2.0.0 Authentication succeeded\r\n"},
			users: "alice",
		},
		{
			name: "bad password",
			give: []string{"AUTH LOGIN " + b64("alice"), b64("nope")},
			want: []string{"334 UGFzc3dvcmQ6\r\n", "535 5.7.8 Authentication failed\r\n"},
		},
		{
			name: "cancelled",
			give: []string{"AUTH LOGIN", "*"},
			want: []string{"334 VXNlcm5hbWU6\r\n", "501 5.0.0 Negotiation cancelled\r\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t, WithAuth("alice", "secret"), WithAllowInsecureAuth(true))
			d, _ := dial(t, srv.Addr())
			d.cmd("EHLO client.test")
			for i, line := range tt.give {
				if got := d.cmd(line); got != tt.want[i] {
					t.Errorf("%q: got %q, want %q", line, got, tt.want[i])
				}
			}
			d.cmd("MAIL FROM:<a@example.com>")
			d.cmd("RCPT TO:<b@example.com>")
			d.cmd("DATA")
			d.send("x\r\n.\r\n")
			d.reply()
			var users []string
			for _, m := range srv.Messages() {
				users = append(users, m.Auth)
			}
			if strings.Join(users, ",") != tt.users {
				t.Errorf("authenticated senders = %q, want %q", users, tt.users)
			}
			for _, c := range srv.Commands() {
				if slices.Contains(tt.give[1:], c.Line) {
					t.Errorf("the SASL response %q was recorded as a command", c.Line)
				}
			}
		})
	}
}

func TestPlainIdentityMismatch(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"), WithAuth("bob", "hunter2"), WithAllowInsecureAuth(true))
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	if got := d.cmd("AUTH PLAIN " + b64("bob\x00alice\x00secret")); !strings.HasPrefix(got, "535 5.7.8") {
		t.Errorf("PLAIN as another identity = %q", got)
	}
	if got := d.cmd("AUTH PLAIN " + b64("bob\x00bob\x00hunter2")); !strings.HasPrefix(got, "235 ") {
		t.Errorf("PLAIN for the second user = %q", got)
	}
}

func TestXOAuth2(t *testing.T) {
	srv := Start(t, WithTokenAuth("alice@example.com", "tok-123"), WithAllowInsecureAuth(true))
	good := b64("user=alice@example.com\x01auth=Bearer tok-123\x01\x01")
	bad := b64("user=alice@example.com\x01auth=Bearer expired\x01\x01")

	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); !strings.Contains(got, "AUTH XOAUTH2 OAUTHBEARER") {
		t.Errorf("EHLO = %q", got)
	}
	challenge := d.cmd("AUTH XOAUTH2 " + bad)
	if got := unb64(t, challenge); got != `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}` {
		t.Errorf("error challenge = %q", got)
	}
	if got := d.cmd(""); got != "535 5.7.8 Authentication failed\r\n" {
		t.Errorf("after the empty response = %q", got)
	}
	if got := d.cmd("AUTH XOAUTH2"); got != "334 \r\n" {
		t.Errorf("AUTH XOAUTH2 without initial response = %q", got)
	}
	if got := d.cmd(good); got != "235 2.0.0 Authentication succeeded\r\n" {
		t.Errorf("good token = %q", got)
	}
	if got := d.transaction("alice@example.com", "b@example.com", "x\r\n"); !strings.HasPrefix(got, "250 ") {
		t.Fatalf("transaction = %q", got)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Auth != "alice@example.com" {
		t.Errorf("messages = %+v", m)
	}
}

func TestOAuthBearer(t *testing.T) {
	srv := Start(t, WithTokenAuth("alice", "tok-123"), WithAllowInsecureAuth(true), WithAuthMechanisms(MechOAuthBearer))
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); !strings.Contains(got, "AUTH OAUTHBEARER\r\n") {
		t.Errorf("EHLO = %q", got)
	}
	if got := d.cmd("AUTH XOAUTH2 " + b64("user=alice\x01auth=Bearer tok-123\x01\x01")); !strings.HasPrefix(got, "504 5.7.4") {
		t.Errorf("a mechanism not offered = %q", got)
	}
	bad := b64("n,a=alice,\x01host=127.0.0.1\x01port=25\x01auth=Bearer nope\x01\x01")
	if got := unb64(t, d.cmd("AUTH OAUTHBEARER "+bad)); got != `{"status":"invalid_token","schemes":"bearer","scope":"mail"}` {
		t.Errorf("error challenge = %q", got)
	}
	if got := d.cmd(b64("\x01")); got != "535 5.7.8 Authentication failed\r\n" {
		t.Errorf("after 0x01 = %q", got)
	}
	good := b64("n,,\x01auth=Bearer tok-123\x01\x01") // no authzid: the token names the user
	if got := d.cmd("AUTH OAUTHBEARER " + good); got != "235 2.0.0 Authentication succeeded\r\n" {
		t.Errorf("good token = %q", got)
	}
	d.transaction("alice@example.com", "b@example.com", "x\r\n")
	if m := srv.Messages(); len(m) != 1 || m[0].Auth != "alice" {
		t.Errorf("messages = %+v", m)
	}
}

func TestAuthFaultAfterExchange(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"), WithAllowInsecureAuth(true))
	srv.FailTimes("auth", 1, 454, "4.7.0 Temporary authentication failure")
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	if got := d.cmd("AUTH LOGIN"); got != "334 VXNlcm5hbWU6\r\n" {
		t.Fatalf("AUTH LOGIN = %q", got)
	}
	d.cmd(b64("alice"))
	if got := d.cmd(b64("secret")); got != "454 4.7.0 Temporary authentication failure\r\n" {
		t.Errorf("faulted AUTH = %q", got)
	}
	if got := d.cmd("MAIL FROM:<a@example.com>"); !strings.HasPrefix(got, "530 5.7.0") {
		t.Errorf("MAIL after the faulted AUTH = %q", got)
	}
	if got := d.cmd("AUTH PLAIN " + b64("\x00alice\x00secret")); !strings.HasPrefix(got, "235 ") {
		t.Errorf("AUTH after the fault = %q", got)
	}
}

func TestAuthHidden(t *testing.T) {
	srv := Start(t, WithAuth("alice", "secret"), WithAllowInsecureAuth(true), WithoutExtensions(ExtAuth))
	d, _ := dial(t, srv.Addr())
	if got := d.cmd("EHLO client.test"); strings.Contains(got, "AUTH") {
		t.Errorf("EHLO = %q", got)
	}
	if got := d.cmd("AUTH PLAIN " + b64("\x00alice\x00secret")); !strings.HasPrefix(got, "502 5.7.0") {
		t.Errorf("AUTH when hidden = %q", got)
	}
}

func TestNoAuthConfigured(t *testing.T) {
	srv := Start(t)
	d, _ := dial(t, srv.Addr())
	d.cmd("EHLO client.test")
	if got := d.cmd("AUTH PLAIN " + b64("\x00alice\x00secret")); !strings.HasPrefix(got, "502 5.7.0") {
		t.Errorf("AUTH without credentials = %q", got)
	}
}
