package main

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

// Secrets of the auth cases: long enough that any trace of them in the
// output is theirs.
const (
	cfUser     = "alice@example.test"
	cfPassword = "Tr0ub4dor-and-3-horses"
	cfToken    = "ya29.a0-conformance-token-0123456789"
)

// TestConformanceAuth plays every SASL exchange over STARTTLS and checks
// the exact bytes, the exit code and that no secret, plain or in base64,
// shows on stdout, stderr (--verbose) or in the JSON.
func TestConformanceAuth(t *testing.T) {
	ca, caFile := newCA(t)
	cfg := must(ca.ServerConfig())
	plainIR := b64("\x00" + cfUser + "\x00" + cfPassword)
	xoauth2IR := b64("user=" + cfUser + "\x01auth=Bearer " + cfToken + "\x01\x01")
	bearerIR := b64("n,a=" + cfUser + ",\x01auth=Bearer " + cfToken + "\x01\x01")
	longToken := strings.Repeat("t", 600)
	longIR := b64("user=" + cfUser + "\x01auth=Bearer " + longToken + "\x01\x01")
	// RFC 2195's example challenge, answered for cfUser and cfPassword.
	const cramChallenge = "<1896.697170952@postoffice.example.net>"
	cramResponse := b64(cfUser + " " + hmacMD5Hex(cfPassword, cramChallenge))
	quit := []smtptest.Step{smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed()}

	tests := []struct {
		name     string
		mech     string
		token    string // --token-env instead of --password-env
		server   []smtptest.Step
		want     int
		wantKind string
		wantAuth string // what the client sends from AUTH up to the end of the exchange
		rest     []smtptest.Step
	}{
		{name: "PLAIN initial response", mech: "plain",
			server:   steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("235 2.7.0 ok\r\n")),
			wantAuth: "AUTH PLAIN " + plainIR + "\r\n"},
		{name: "LOGIN prompts", mech: "login",
			server: steps(smtptest.Expect("AUTH LOGIN"), smtptest.Send("334 VXNlcm5hbWU6\r\n"), smtptest.Expect(b64(cfUser)),
				smtptest.Send("334 UGFzc3dvcmQ6\r\n"), smtptest.Expect(b64(cfPassword)), smtptest.Send("235 2.7.0 ok\r\n")),
			wantAuth: "AUTH LOGIN\r\n" + b64(cfUser) + "\r\n" + b64(cfPassword) + "\r\n"},
		{name: "CRAM-MD5", mech: "cram-md5",
			server: steps(smtptest.Expect("AUTH CRAM-MD5"), smtptest.Send("334 "+b64(cramChallenge)+"\r\n"),
				smtptest.Expect(cramResponse), smtptest.Send("235 2.7.0 ok\r\n")),
			wantAuth: "AUTH CRAM-MD5\r\n" + cramResponse + "\r\n"},
		{name: "XOAUTH2", mech: "xoauth2", token: cfToken,
			server:   steps(smtptest.Expect("AUTH XOAUTH2 "+xoauth2IR), smtptest.Send("235 2.7.0 ok\r\n")),
			wantAuth: "AUTH XOAUTH2 " + xoauth2IR + "\r\n"},
		{name: "OAUTHBEARER", mech: "oauthbearer", token: cfToken,
			server:   steps(smtptest.Expect("AUTH OAUTHBEARER "+bearerIR), smtptest.Send("235 2.7.0 ok\r\n")),
			wantAuth: "AUTH OAUTHBEARER " + bearerIR + "\r\n"},
		{name: "initial response over 512 octets goes as a continuation", mech: "xoauth2", token: longToken,
			server:   steps(smtptest.Expect("AUTH XOAUTH2"), smtptest.Send("334 \r\n"), smtptest.Expect(longIR), smtptest.Send("235 2.7.0 ok\r\n")),
			wantAuth: "AUTH XOAUTH2\r\n" + longIR + "\r\n"},
		{name: "XOAUTH2 error challenge", mech: "xoauth2", token: cfToken,
			server: steps(smtptest.Expect("AUTH XOAUTH2 "+xoauth2IR), smtptest.Send("334 "+b64(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`)+"\r\n"),
				smtptest.Expect(""), smtptest.Send("535 5.7.8 Username and Password not accepted\r\n")),
			want: exitNoPerm, wantKind: "credentials_invalid", wantAuth: "AUTH XOAUTH2 " + xoauth2IR + "\r\n\r\n", rest: quit},
		{name: "OAUTHBEARER error challenge", mech: "oauthbearer", token: cfToken,
			server: steps(smtptest.Expect("AUTH OAUTHBEARER "+bearerIR), smtptest.Send("334 "+b64(`{"status":"invalid_token","scope":"mail"}`)+"\r\n"),
				smtptest.Expect("AQ=="), smtptest.Send("535 5.7.8 invalid token\r\n")),
			want: exitNoPerm, wantKind: "credentials_invalid", wantAuth: "AUTH OAUTHBEARER " + bearerIR + "\r\nAQ==\r\n", rest: quit},
		{name: "535 wrong password", mech: "plain",
			server: steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("535 5.7.8 Authentication credentials invalid\r\n")),
			want:   exitNoPerm, wantKind: "credentials_invalid", wantAuth: "AUTH PLAIN " + plainIR + "\r\n", rest: quit},
		{name: "534 mechanism too weak", mech: "plain",
			server: steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("534 5.7.9 Authentication mechanism is too weak\r\n")),
			want:   exitNoPerm, wantKind: "auth_method_not_supported", wantAuth: "AUTH PLAIN " + plainIR + "\r\n", rest: quit},
		{name: "538 encryption required", mech: "plain",
			server: steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("538 5.7.11 Encryption required\r\n")),
			want:   exitNoPerm, wantKind: "authentication_required", wantAuth: "AUTH PLAIN " + plainIR + "\r\n", rest: quit},
		{name: "454 temporary failure", mech: "plain",
			server: steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("454 4.7.0 Temporary authentication failure\r\n")),
			want:   exitTempFail, wantAuth: "AUTH PLAIN " + plainIR + "\r\n", rest: quit},
		{name: "432 password transition needed", mech: "plain",
			server: steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("432 4.7.12 A password transition is needed\r\n")),
			want:   exitTempFail, wantAuth: "AUTH PLAIN " + plainIR + "\r\n", rest: quit},
		{name: "non-base64 challenge is cancelled with *", mech: "cram-md5",
			server: steps(smtptest.Expect("AUTH CRAM-MD5"), smtptest.Send("334 this is not base64!\r\n"), smtptest.Expect("*"),
				smtptest.Send("501 5.7.0 cancelled\r\n")),
			want: exitProtocol, wantKind: "invalid_response", wantAuth: "AUTH CRAM-MD5\r\n*\r\n", rest: quit},
		{name: "endless challenges are bounded", mech: "login", // LOGIN takes two
			server: steps(smtptest.Expect("AUTH LOGIN"), loginRounds(2, b64(cfUser)), smtptest.Send("334 VXNlcm5hbWU6\r\n"),
				smtptest.Expect("*"), smtptest.Send("501 5.7.0 cancelled\r\n")),
			want: exitProtocol, wantKind: "unexpected_response", wantAuth: "AUTH LOGIN\r\n" + strings.Repeat(b64(cfUser)+"\r\n", 2) + "*\r\n", rest: quit},
		{name: "endless XOAUTH2 error challenges are bounded", mech: "xoauth2", token: cfToken,
			server: steps(smtptest.Expect("AUTH XOAUTH2 "+xoauth2IR), smtptest.Send("334 e30=\r\n"), smtptest.Expect(""),
				smtptest.Send("334 e30=\r\n"), smtptest.Expect("*"), smtptest.Send("501 5.7.0 cancelled\r\n")),
			want: exitProtocol, wantKind: "unexpected_response", wantAuth: "AUTH XOAUTH2 " + xoauth2IR + "\r\n\r\n*\r\n", rest: quit},
		{name: "server echoes the credentials in its refusal", mech: "plain",
			server: steps(smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("535-5.7.8 bad: "+plainIR+"\r\n535 5.7.8 password "+cfPassword+"\r\n")),
			want:   exitNoPerm, wantKind: "credentials_invalid", wantAuth: "AUTH PLAIN " + plainIR + "\r\n", rest: quit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secretFlag, secret := "--password-env", cfPassword
			if tt.token != "" {
				secretFlag, secret = "--token-env", tt.token
			}
			t.Setenv("CF_SECRET", secret)
			rest := tt.rest
			if rest == nil {
				rest = lockStep("")
			}
			ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), smtptest.Expect("STARTTLS"), smtptest.Send("220 2.0.0 ready\r\n"),
				smtptest.StartTLS(cfg), ehlo("AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER"), tt.server, rest)...)
			args := append(conn, "--ca-file", caFile, "--user", cfUser, secretFlag, "CF_SECRET", "--auth", tt.mech, "--verbose")
			r := sendCLI(t, append(args, messageFile(t, cfMessage)...)...)
			r.want(t, tt.want, tt.wantKind)
			wantSent := "EHLO localhost\r\nSTARTTLS\r\nEHLO localhost\r\n" + tt.wantAuth
			if tt.rest == nil {
				wantSent += lockStepSent("")
			} else {
				wantSent += "QUIT\r\n"
			}
			wantTranscript(t, ss, wantSent)
			// Neither the secrets nor any response the client sent.
			leaks := []string{cfPassword, tt.token, b64(cfPassword), b64(tt.token)}
			for _, l := range strings.Split(tt.wantAuth, "\r\n")[1:] {
				if len(l) > 4 {
					leaks = append(leaks, l)
				}
			}
			if i := strings.IndexByte(tt.wantAuth, '\r'); strings.Count(tt.wantAuth[:i], " ") == 2 {
				leaks = append(leaks, tt.wantAuth[strings.LastIndexByte(tt.wantAuth[:i], ' ')+1:i])
			}
			noSecret(t, r, leaks...)
			if !strings.Contains(r.stderr, "C: AUTH "+strings.ToUpper(tt.mech)) {
				t.Errorf("--verbose transcript lacks the AUTH command:\n%s", r.stderr)
			}
		})
	}
}

// loginRounds answers n LOGIN username prompts with resp.
func loginRounds(n int, resp string) []smtptest.Step {
	var out []smtptest.Step
	for range n {
		out = append(out, smtptest.Send("334 VXNlcm5hbWU6\r\n"), smtptest.Expect(resp))
	}
	return out
}

// hmacMD5Hex is the CRAM-MD5 digest of challenge keyed with secret (RFC 2195).
func hmacMD5Hex(secret, challenge string) string {
	h := hmac.New(md5.New, []byte(secret))
	h.Write([]byte(challenge))
	return hex.EncodeToString(h.Sum(nil))
}

// TestConformanceNoAuthWithoutTLS checks that no mechanism runs over a
// connection without TLS unless --allow-insecure-auth.
func TestConformanceNoAuthWithoutTLS(t *testing.T) {
	t.Setenv("CF_SECRET", cfPassword)
	plainIR := b64("\x00" + cfUser + "\x00" + cfPassword)
	t.Run("opportunistic TLS stripped: no AUTH in plaintext", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("AUTH PLAIN LOGIN"), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed())...)
		r := sendCLI(t, append(append(conn, "--tls", "starttls", "--user", cfUser, "--password-env", "CF_SECRET", "--verbose"), messageFile(t, cfMessage)...)...)
		r.want(t, exitConfig, "")
		wantTranscript(t, ss, "EHLO localhost\r\nQUIT\r\n")
		noSecret(t, r, cfPassword, plainIR)
	})
	t.Run("--tls none without --allow-insecure-auth: no connection", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithAuth(cfUser, cfPassword), smtptest.WithAllowInsecureAuth(true))
		r := sendCLI(t, append(serverFlags(srv, "--tls", "none", "--user", cfUser, "--password-env", "CF_SECRET"), messageFile(t, cfMessage)...)...)
		r.want(t, exitConfig, "")
		if n := srv.Connections(); n != 0 {
			t.Errorf("%d connections", n)
		}
	})
	t.Run("--tls none with --allow-insecure-auth", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("AUTH PLAIN"), smtptest.Expect("AUTH PLAIN "+plainIR), smtptest.Send("235 ok\r\n"), lockStep(""))...)
		r := sendCLI(t, append(append(conn, "--tls", "none", "--allow-insecure-auth", "--user", cfUser, "--password-env", "CF_SECRET", "--verbose"), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		wantTranscript(t, ss, "EHLO localhost\r\nAUTH PLAIN "+plainIR+"\r\n"+lockStepSent(""))
		noSecret(t, r, cfPassword, plainIR)
	})
}
