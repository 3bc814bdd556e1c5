package main

import (
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/tls/tlstest"
	"github.com/integrations/smtp/smtptest"
)

// TestConformanceSTARTTLSScripted covers STARTTLS stripping, response
// injection and refusals with byte-exact transcripts.
func TestConformanceSTARTTLSScripted(t *testing.T) {
	tests := []struct {
		name     string
		steps    []smtptest.Step
		flags    []string
		want     int
		wantKind string
		wantSent string
	}{
		{
			name:     "STARTTLS stripped, required by default: nothing in plaintext",
			steps:    steps(smtptest.Send(cfBanner), ehlo("PIPELINING", "SIZE 1000000", "AUTH PLAIN"), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed()),
			want:     exitConfig,
			wantKind: "starttls_not_supported",
			wantSent: "EHLO localhost\r\nQUIT\r\n",
		},
		{
			name:     "STARTTLS stripped, explicitly required",
			steps:    steps(smtptest.Send(cfBanner), ehlo(), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed()),
			flags:    []string{"--tls", "starttls-required"},
			want:     exitConfig,
			wantKind: "starttls_not_supported",
			wantSent: "EHLO localhost\r\nQUIT\r\n",
		},
		{
			name:     "STARTTLS stripped, opportunistic: the transaction goes on in plaintext",
			steps:    steps(smtptest.Send(cfBanner), ehlo("ENHANCEDSTATUSCODES"), lockStep("")),
			flags:    []string{"--tls", "starttls"},
			want:     exitOK,
			wantSent: "EHLO localhost\r\n" + lockStepSent(""),
		},
		{
			name:     "--tls none ignores STARTTLS",
			steps:    steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), lockStep("")),
			flags:    []string{"--tls", "none"},
			want:     exitOK,
			wantSent: "EHLO localhost\r\n" + lockStepSent(""),
		},
		{
			name: "response injected behind 220 to STARTTLS: no handshake",
			steps: steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), smtptest.Expect("STARTTLS"),
				smtptest.Send("220 2.0.0 ready\r\n250 2.1.0 injected\r\n"), smtptest.ExpectClosed()),
			want:     exitProtocol,
			wantKind: "protocol_desync",
			wantSent: "EHLO localhost\r\nSTARTTLS\r\n",
		},
		{
			name: "response injected, opportunistic mode aborts too",
			steps: steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), smtptest.Expect("STARTTLS"),
				smtptest.Send("220 ready\r\nMAIL FROM:<x@evil.test>\r\n"), smtptest.ExpectClosed()),
			flags:    []string{"--tls", "starttls"},
			want:     exitProtocol,
			wantKind: "protocol_desync",
			wantSent: "EHLO localhost\r\nSTARTTLS\r\n",
		},
		{
			name: "STARTTLS refused with 454 when required: no fallback",
			steps: steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), smtptest.Expect("STARTTLS"), smtptest.Send("454 4.7.0 TLS not available\r\n"),
				smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed()),
			want:     exitTempFail,
			wantKind: "temporary_failure",
			wantSent: "EHLO localhost\r\nSTARTTLS\r\nQUIT\r\n",
		},
		{
			name: "STARTTLS answered with 250 instead of 220: no handshake, no fallback",
			steps: steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), smtptest.Expect("STARTTLS"), smtptest.Send("250 2.0.0 sure\r\n"),
				smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed()),
			want:     exitProtocol,
			wantKind: "unexpected_response",
			wantSent: "EHLO localhost\r\nSTARTTLS\r\nQUIT\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss, conn := script(t, tt.steps...)
			r := sendCLI(t, append(append(conn, tt.flags...), messageFile(t, cfMessage)...)...)
			r.want(t, tt.want, tt.wantKind)
			wantTranscript(t, ss, tt.wantSent)
		})
	}
}

// TestConformanceTLSCertificates runs the handshake against bad
// certificates and versions: 78, and nothing reaches the server.
func TestConformanceTLSCertificates(t *testing.T) {
	ca, caFile := newCA(t)
	good := must(ca.ServerConfig())
	mutual := good.Clone()
	mutual.ClientAuth = tls.RequireAndVerifyClientCert
	mutual12 := mutual.Clone()
	mutual12.MaxVersion = tls.VersionTLS12
	clientCert, clientKey := must2(must(ca.ClientCert("client.example.test")).WritePEM(t.TempDir(), "client"))
	otherCA, _ := newCA(t)
	strangerCert, strangerKey := must2(must(otherCA.ClientCert("stranger")).WritePEM(t.TempDir(), "stranger"))
	tests := []struct {
		name     string
		cfg      *tls.Config
		flags    []string
		want     int
		wantKind string
	}{
		{"trusted CA", good, []string{"--ca-file", caFile}, exitOK, ""},
		{"unknown CA", good, nil, exitConfig, "certificate_untrusted"},
		{"unknown CA, opportunistic: no fallback to plaintext", good, []string{"--tls", "starttls"}, exitConfig, "certificate_untrusted"},
		{"unknown CA with --insecure-skip-verify", good, []string{"--insecure-skip-verify"}, exitOK, ""},
		{"wrong host", serverConfig(must(ca.ServerCert("mail.other.test"))), []string{"--ca-file", caFile}, exitConfig, "certificate_invalid"},
		{"wrong --server-name", good, []string{"--ca-file", caFile, "--server-name", "mail.other.test"}, exitConfig, "certificate_invalid"},
		{"expired", serverConfig(must(ca.ExpiredServerCert())), []string{"--ca-file", caFile}, exitConfig, "certificate_expired"},
		{"self-signed", serverConfig(must(tlstest.SelfSigned())), []string{"--ca-file", caFile}, exitConfig, "certificate_untrusted"},
		{"right --server-name", serverConfig(must(ca.ServerCert("mail.example.test"))), []string{"--ca-file", caFile, "--server-name", "mail.example.test"}, exitOK, ""},
		{"client certificate", mutual, []string{"--ca-file", caFile, "--client-cert", clientCert, "--client-key", clientKey}, exitOK, ""},
		{"client certificate required, none given (TLS 1.3)", mutual, []string{"--ca-file", caFile}, exitConfig, "tls_handshake_failed"},
		{"client certificate required, none given (TLS 1.2)", mutual12, []string{"--ca-file", caFile}, exitConfig, "tls_handshake_failed"},
		{"client certificate from an unknown CA", mutual, []string{"--ca-file", caFile, "--client-cert", strangerCert, "--client-key", strangerKey}, exitConfig, "tls_handshake_failed"},
		{"server at most TLS 1.1", &tls.Config{Certificates: good.Certificates, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11},
			[]string{"--ca-file", caFile}, exitConfig, "tls_version_mismatch"},
		{"--tls-min 1.3, server at most TLS 1.2", &tls.Config{Certificates: good.Certificates, MaxVersion: tls.VersionTLS12},
			[]string{"--ca-file", caFile, "--tls-min", "1.3"}, exitConfig, "tls_version_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithTLSConfig(tt.cfg))
			r := sendCLI(t, append(serverFlags(srv, tt.flags...), messageFile(t, cfMessage)...)...)
			r.want(t, tt.want, tt.wantKind)
			if n := srv.Connections(); n != 1 {
				t.Errorf("%d connections; a failed upgrade must not be retried in plaintext", n)
			}
			if tt.want != exitOK {
				for _, c := range srv.Commands() {
					if c.Verb() != "EHLO" && c.Verb() != "STARTTLS" {
						t.Errorf("after a failed handshake the server got %q (TLS %v)", c.Line, c.TLS)
					}
				}
				return
			}
			if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS {
				t.Fatalf("server got %+v", msgs)
			}
		})
	}
}

// TestConformanceImplicitTLS speaks TLS from the first byte.
func TestConformanceImplicitTLS(t *testing.T) {
	ca, caFile := newCA(t)
	t.Run("implicit TLS listener", func(t *testing.T) {
		ss, conn := script(t, steps(smtptest.StartTLS(must(ca.ServerConfig())), smtptest.Send(cfBanner),
			ehlo("PIPELINING", "SIZE 1000000"), lockStep(" SIZE="+strconv.Itoa(len(cfMessage))))...)
		// PIPELINING is advertised, so the envelope goes in one group; the
		// scripted server reads lines, which a group satisfies as well.
		r := sendCLI(t, append(append(conn, "--tls", "implicit", "--ca-file", caFile), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		wantTranscript(t, ss, "EHLO localhost\r\n"+lockStepSent(" SIZE="+strconv.Itoa(len(cfMessage))))
	})
	t.Run("implicit TLS against a plaintext server", func(t *testing.T) {
		srv := smtptest.Start(t)
		r := sendCLI(t, append(serverFlags(srv, "--tls", "implicit"), messageFile(t, cfMessage)...)...)
		r.want(t, exitConfig, "tls_handshake_failed")
		for _, v := range []string{"EHLO", "MAIL", "RCPT", "DATA"} {
			if hasVerb(srv, v) {
				t.Errorf("server got %s", v)
			}
		}
	})
	t.Run("implicit TLS with an untrusted certificate", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithImplicitTLS())
		r := sendCLI(t, append(serverFlags(srv, "--tls", "implicit"), messageFile(t, cfMessage)...)...)
		r.want(t, exitConfig, "certificate_untrusted")
		if n := len(srv.Commands()); n != 0 {
			t.Errorf("server got %d commands", n)
		}
	})
}

// TestConformanceCapabilitiesChangeAfterSTARTTLS checks that the client
// forgets the plaintext EHLO: PIPELINING, SIZE and 8BITMIME offered before
// the handshake and not after mean lock-step, no SIZE= and no BODY= after;
// AUTH offered only after it is used.
func TestConformanceCapabilitiesChangeAfterSTARTTLS(t *testing.T) {
	ca, caFile := newCA(t)
	cfg := must(ca.ServerConfig())
	t.Run("PIPELINING, SIZE and 8BITMIME only before TLS", func(t *testing.T) {
		srv := newStrictServer(t,
			sSend(cfBanner),
			sExpect("EHLO localhost", "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 STARTTLS\r\n"),
			sExpect("STARTTLS", "220 2.0.0 ready\r\n"),
			sStartTLS(cfg),
			sExpect("EHLO localhost", "250-mx.test\r\n250 HELP\r\n"),
			sExpect("MAIL FROM:<"+cfFrom+">", "250 ok\r\n"),
			sExpect("RCPT TO:<"+cfTo+">", "250 ok\r\n"),
			sExpect("DATA", "354 go\r\n"),
			sData(cfMessage, "250 queued\r\n"),
			sExpect("QUIT", "221 bye\r\n"),
		)
		r := sendCLI(t, append(append(srv.flags(), "--ca-file", caFile), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		srv.wait(t)
	})
	t.Run("AUTH only after TLS", func(t *testing.T) {
		t.Setenv("CF_SECRET", "pw")
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("STARTTLS"), smtptest.Expect("STARTTLS"), smtptest.Send("220 ready\r\n"),
			smtptest.StartTLS(cfg), ehlo("AUTH LOGIN", "AUTH=PLAIN"),
			smtptest.Expect("AUTH LOGIN"), smtptest.Send("334 VXNlcm5hbWU6\r\n"), smtptest.Expect(b64("u")),
			smtptest.Send("334 UGFzc3dvcmQ6\r\n"), smtptest.Expect(b64("pw")), smtptest.Send("235 2.7.0 ok\r\n"),
			lockStep(""))...)
		r := sendCLI(t, append(append(conn, "--ca-file", caFile, "--user", "u", "--password-env", "CF_SECRET", "--auth", "login"), messageFile(t, cfMessage)...)...)
		r.want(t, exitOK, "")
		wantTranscript(t, ss, "EHLO localhost\r\nSTARTTLS\r\nEHLO localhost\r\nAUTH LOGIN\r\n"+b64("u")+"\r\n"+b64("pw")+"\r\n"+lockStepSent(""))
	})
	t.Run("AUTH offered only in plaintext is not used after TLS", func(t *testing.T) {
		t.Setenv("CF_SECRET", "pw")
		ss, conn := script(t, steps(smtptest.Send(cfBanner), ehlo("STARTTLS", "AUTH PLAIN LOGIN"), smtptest.Expect("STARTTLS"), smtptest.Send("220 ready\r\n"),
			smtptest.StartTLS(cfg), ehlo("PIPELINING"), smtptest.Expect("QUIT"), smtptest.Send("221 bye\r\n"), smtptest.ExpectClosed())...)
		r := sendCLI(t, append(append(conn, "--ca-file", caFile, "--user", "u", "--password-env", "CF_SECRET"), messageFile(t, cfMessage)...)...)
		r.want(t, exitNoPerm, "auth_method_not_supported")
		wantTranscript(t, ss, "EHLO localhost\r\nSTARTTLS\r\nEHLO localhost\r\nQUIT\r\n")
	})
	t.Run("the stalled handshake ends at --timeout", func(t *testing.T) {
		ss, conn := script(t, smtptest.Send(cfBanner), smtptest.Expect("EHLO localhost"), smtptest.Send("250-mx.test\r\n250 STARTTLS\r\n"),
			smtptest.Expect("STARTTLS"), smtptest.Send("220 ready\r\n"), smtptest.Sleep(time.Minute))
		conn = append(conn, "--timeout", "1s")
		r := sendCLI(t, append(conn, messageFile(t, cfMessage)...)...)
		r.want(t, exitTempFail, "")
		if r.elapsed > 4*time.Second {
			t.Errorf("took %v with --timeout 1s", r.elapsed)
		}
		ss.Close()
		if got := ss.Transcript(); !strings.HasPrefix(got, "EHLO localhost\r\nSTARTTLS\r\n") {
			t.Errorf("client sent %q", got)
		}
	})
}
