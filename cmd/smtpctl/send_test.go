package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

const (
	testUser     = "alice@example.test"
	testPassword = "s3cret-Passw0rd"
)

// tlsServer starts a test server with STARTTLS and AUTH and returns it with
// the CA file and the flags that reach it.
func tlsServer(t *testing.T, opts ...smtptest.Option) (*smtptest.Server, []string) {
	t.Helper()
	srv := smtptest.Start(t, append([]smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth(testUser, testPassword)}, opts...)...)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.WriteCA(ca); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SMTP_PASSWORD", testPassword)
	return srv, []string{"--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--ca-file", ca, "--server-name", "localhost",
		"--user", testUser, "--password-env", "SMTP_PASSWORD", "--timeout", "20s"}
}

func sendArgs(conn []string, extra ...string) []string {
	args := append([]string{"send"}, conn...)
	args = append(args, "--from", "Ann <ann@example.com>", "--to", "bob@example.org", "--subject", "hello", "--text", "hi there")
	return append(args, extra...)
}

type sendJSON struct {
	MessageID string   `json:"message_id"`
	Accepted  []string `json:"accepted"`
	Rejected  []struct {
		Address      string `json:"address"`
		Code         int    `json:"code"`
		EnhancedCode string `json:"enhanced_code"`
		Message      string `json:"message"`
	} `json:"rejected"`
	Response   string `json:"response"`
	DurationMS *int64 `json:"duration_ms"`
	Error      *struct {
		Kind         string `json:"kind"`
		Code         int    `json:"code"`
		EnhancedCode string `json:"enhanced_code"`
		Message      string `json:"message"`
	} `json:"error"`
}

func decodeSend(t *testing.T, out string) sendJSON {
	t.Helper()
	var j sendJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, out)
	}
	if j.DurationMS == nil {
		t.Error("duration_ms missing")
	}
	return j
}

func TestSendOverSTARTTLSWithAuth(t *testing.T) {
	srv, conn := tlsServer(t)
	code, out, errOut := runCLI(t, sendArgs(conn, "--cc", "cc@example.org", "--bcc", "bcc@example.net", "--json", "--verbose")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	j := decodeSend(t, out)
	if len(j.Accepted) != 3 || len(j.Rejected) != 0 || !strings.HasPrefix(j.Response, "250") || j.MessageID == "" {
		t.Errorf("json = %+v", j)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].Auth != testUser || len(msgs[0].To) != 3 {
		t.Fatalf("server got %+v", msgs)
	}
	if strings.Contains(string(msgs[0].Data), "bcc@example.net") {
		t.Error("Bcc leaked into the message")
	}
	if !strings.Contains(errOut, "C: STARTTLS") || !strings.Contains(errOut, "C: AUTH") {
		t.Errorf("--verbose transcript missing:\n%s", errOut)
	}
	if strings.Contains(errOut, testPassword) || strings.Contains(out, testPassword) {
		t.Fatal("the password appears in the output")
	}
}

func TestSendExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*smtptest.Server)
		extra    []string
		want     int
		wantKind string
	}{
		{"rejected recipient", func(s *smtptest.Server) { s.RejectRecipient("bad@example.org", 550, "5.1.1", "no such user") },
			[]string{"--to", "bad@example.org"}, exitUnavailable, ""},
		{"all rejected", func(s *smtptest.Server) { s.RejectRecipient("bob@example.org", 550, "5.1.1", "no such user") }, nil, exitUnavailable, "invalid_recipient_address"},
		{"temporary at MAIL", func(s *smtptest.Server) { s.FailAt("MAIL", 451, "4.3.0 try later") }, nil, exitTempFail, "temporary_failure"},
		{"421", func(s *smtptest.Server) { s.FailAt("MAIL", 421, "4.3.2 shutting down") }, nil, exitTempFail, "server_shutdown"},
		{"drop after data", func(s *smtptest.Server) { s.DropAfterData() }, nil, exitTempFail, "delivery_status_unknown"},
		{"permanent at DATA", func(s *smtptest.Server) { s.FailAt("DATA", 554, "5.7.1 spam") }, nil, exitUnavailable, "permanent_failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, conn := tlsServer(t)
			tt.setup(srv)
			code, out, errOut := runCLI(t, sendArgs(conn, append(tt.extra, "--json")...)...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.want, errOut)
			}
			j := decodeSend(t, out)
			if tt.wantKind != "" && (j.Error == nil || j.Error.Kind != tt.wantKind) {
				t.Errorf("error = %+v; want kind %s", j.Error, tt.wantKind)
			}
			if tt.name == "rejected recipient" && (len(j.Rejected) != 1 || j.Rejected[0].Code != 550 || j.Rejected[0].EnhancedCode != "5.1.1" || len(j.Accepted) != 1) {
				t.Errorf("json = %+v", j)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
		})
	}
}

func TestSendAuthAndTLSFailures(t *testing.T) {
	t.Run("wrong password is 77", func(t *testing.T) {
		_, conn := tlsServer(t)
		t.Setenv("SMTP_PASSWORD", "wrong")
		if code, _, errOut := runCLI(t, sendArgs(conn)...); code != exitNoPerm || strings.Contains(errOut, "wrong") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("STARTTLS missing is 78 and nothing is sent in plaintext", func(t *testing.T) {
		srv := smtptest.Start(t)
		code, _, errOut := runCLI(t, "send", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--from", "a@example.com", "--to", "b@example.org", "--text", "x")
		if code != exitConfig {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, v := range srv.Verbs() {
			if v == "MAIL" {
				t.Fatal("MAIL went out in plaintext")
			}
		}
	})
	t.Run("unknown CA is 78", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithSTARTTLS())
		code, _, errOut := runCLI(t, "send", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--from", "a@example.com", "--to", "b@example.org", "--text", "x")
		if code != exitConfig {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("AUTH over plaintext needs the opt-in", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth(testUser, testPassword), smtptest.WithAllowInsecureAuth(true))
		t.Setenv("SMTP_PASSWORD", testPassword)
		base := []string{"send", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--tls", "none", "--user", testUser,
			"--password-env", "SMTP_PASSWORD", "--from", "a@example.com", "--to", "b@example.org", "--text", "x"}
		if code, _, _ := runCLI(t, base...); code != exitConfig {
			t.Fatalf("without --allow-insecure-auth: exit %d, want 78", code)
		}
		if code, _, errOut := runCLI(t, append(base, "--allow-insecure-auth")...); code != 0 {
			t.Fatalf("with --allow-insecure-auth: exit %d: %s", code, errOut)
		}
	})
}

func TestSendBadInputSendsNothing(t *testing.T) {
	srv, conn := tlsServer(t)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"bad from", []string{"send", "--from", "not an address", "--to", "b@example.org", "--text", "x"}, exitDataErr},
		{"injected subject", []string{"send", "--from", "a@example.com", "--to", "b@example.org", "--subject", "x\r\nBcc: e@example.net", "--text", "x"}, exitDataErr},
		{"injected recipient", []string{"send", "--from", "a@example.com", "--to", "b@example.org>\r\nRSET", "--text", "x"}, exitDataErr},
		{"password on the command line", []string{"send", "--password", "x", "--from", "a@example.com", "--to", "b@example.org"}, exitUsage},
		{"no recipient", []string{"send", "--from", "a@example.com", "--text", "x"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{tt.args[0]}, conn...)
			args = append(args, tt.args[1:]...)
			if code, _, errOut := runCLI(t, args...); code != tt.want {
				t.Fatalf("exit %d, want %d: %s", code, tt.want, errOut)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("bad input opened %d connections; want none", n)
	}
}

func TestSendMessageFile(t *testing.T) {
	srv, conn := tlsServer(t)
	raw := "From: a@example.com\nTo: b@example.org\nSubject: prebuilt\n\n.leading dot\nbare\rCR\n"
	path := writeFile(t, t.TempDir(), "m.eml", []byte(raw))
	args := append([]string{"send"}, conn...)
	args = append(args, "--from", "a@example.com", "--to", "b@example.org", "--message-file", path)
	if code, _, errOut := runCLI(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	msgs := srv.Messages()
	want := "From: a@example.com\r\nTo: b@example.org\r\nSubject: prebuilt\r\n\r\n.leading dot\r\nbare\r\nCR\r\n"
	if len(msgs) != 1 || string(msgs[0].Data) != want {
		t.Fatalf("server got %q; want %q (normalised, dot-unstuffed)", msgs[0].Data, want)
	}
}

func TestSendWithEveryMechanism(t *testing.T) {
	const token = "ya29.test-token"
	tests := []struct {
		mech, secretFlag string
	}{
		{"plain", "--password-env"}, {"login", "--password-env"}, {"cram-md5", "--password-env"},
		{"xoauth2", "--token-env"}, {"oauthbearer", "--token-env"},
	}
	for _, tt := range tests {
		t.Run(tt.mech, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth(testUser, testPassword), smtptest.WithTokenAuth(testUser, token))
			ca := filepath.Join(t.TempDir(), "ca.pem")
			if err := srv.WriteCA(ca); err != nil {
				t.Fatal(err)
			}
			t.Setenv("SMTP_SECRET", testPassword)
			if tt.secretFlag == "--token-env" {
				t.Setenv("SMTP_SECRET", token)
			}
			args := []string{"send", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--ca-file", ca, "--server-name", "localhost",
				"--user", testUser, tt.secretFlag, "SMTP_SECRET", "--auth", tt.mech, "--verbose",
				"--from", "a@example.com", "--to", "b@example.org", "--text", "x"}
			code, _, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(errOut, "C: AUTH "+strings.ToUpper(tt.mech)) {
				t.Errorf("transcript lacks AUTH %s:\n%s", tt.mech, errOut)
			}
			if strings.Contains(errOut, testPassword) || strings.Contains(errOut, token) {
				t.Fatal("a secret appears in the verbose transcript")
			}
			if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != testUser {
				t.Fatalf("server got %+v", msgs)
			}
		})
	}
}

func TestSendWithABadTokenIsAnAuthFailure(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithTokenAuth(testUser, "good"))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.WriteCA(ca); err != nil {
		t.Fatal(err)
	}
	for _, mech := range []string{"xoauth2", "oauthbearer"} {
		t.Setenv("TOKEN", "expired-token")
		code, out, errOut := runCLI(t, "send", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--ca-file", ca, "--server-name", "localhost",
			"--user", testUser, "--token-env", "TOKEN", "--auth", mech, "--json", "--from", "a@example.com", "--to", "b@example.org", "--text", "x")
		if code != exitNoPerm {
			t.Fatalf("%s: exit %d, want 77: %s", mech, code, errOut)
		}
		if strings.Contains(out+errOut, "expired-token") {
			t.Fatalf("%s: the token appears in the output", mech)
		}
	}
}
