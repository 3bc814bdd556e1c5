package tcp

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
)

func TestOpenReadsCapabilitiesAndQuitsOnce(t *testing.T) {
	tr := &transcript{}
	f, s := mustOpen(t, testConfig(), Deps{Transcript: tr}, `
		S: 220-mx.example.test ESMTP
		S: 220 no UCE
		C: EHLO client.example
		S: 250-mx.example.test greets client.example
		S: 250-SIZE 35882577
		S: 250-8BITMIME
		S: 250-PIPELINING
		S: 250-AUTH PLAIN LOGIN XOAUTH2
		S: 250-ENHANCEDSTATUSCODES
		S: 250 SMTPUTF8
		C: QUIT
		S: 221 2.0.0 bye`)
	info := s.Info()
	c := s.caps
	if x := info.Extensions; !x.Size || x.MaxSize != 35882577 || !x.EightBitMIME || !x.Pipelining || !x.SMTPUTF8 || x.StartTLS || x.Chunking ||
		strings.Join(x.Auth, " ") != "PLAIN LOGIN XOAUTH2" || len(x.Lines) != 6 || x.Lines[0] != "SIZE 35882577" {
		t.Errorf("Info().Extensions = %+v", x)
	}
	if !c.Size || c.MaxSize != 35882577 || !c.EightBitMIME || !c.Pipelining || !c.SMTPUTF8 || !c.EnhancedStatusCodes || c.StartTLS {
		t.Errorf("capabilities = %+v", c)
	}
	if got := strings.Join(c.AuthRaw, " "); got != "PLAIN LOGIN XOAUTH2" {
		t.Errorf("AuthRaw = %q", got)
	}
	if info.Banner != "mx.example.test ESMTP no UCE" || info.TLS || info.Host != "mx.example.test" || info.Port != 2525 {
		t.Errorf("info = %+v", info)
	}
	if !s.Reusable() {
		t.Error("fresh session not reusable")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if s.Reusable() {
		t.Error("closed session reusable")
	}
	f.wait(t)
	want := "S: 220-mx.example.test ESMTP\nS: 220 no UCE\nC: EHLO client.example\n" +
		"S: 250-mx.example.test greets client.example\nS: 250-SIZE 35882577\nS: 250-8BITMIME\nS: 250-PIPELINING\n" +
		"S: 250-AUTH PLAIN LOGIN XOAUTH2\nS: 250-ENHANCEDSTATUSCODES\nS: 250 SMTPUTF8\nC: QUIT\nS: 221 2.0.0 bye"
	if got := tr.String(); got != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, want)
	}
	if err := s.Noop(context.Background()); domain.KindOf(err) != domain.KindConnectionUnhealthy {
		t.Errorf("Noop after Close: %v", err)
	}
}

func TestOpenFallsBackToHELO(t *testing.T) {
	for _, code := range []string{"500", "501", "502", "504"} {
		t.Run(code, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, greet+`
				S: `+code+` 5.5.1 command not recognized
				C: HELO client.example
				S: 250 mx.example.test
				C: QUIT
				S: 221 bye`)
			if c, x := s.caps, s.Info().Extensions; len(x.Lines) != 0 || x.Pipelining || c.Domain != "mx.example.test" || c.Pipelining || len(c.Raw) != 0 {
				t.Errorf("capabilities after HELO = %+v", c)
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestOpenHelloFailures(t *testing.T) {
	tests := []struct {
		name   string
		give   string
		want   domain.Kind
		wantOp string
	}{
		{"EHLO 550 is not a fallback", `S: 550 5.7.1 go away
			C: QUIT
			S: 221 bye`, domain.KindPermanentFailure, "ehlo"},
		{"EHLO 421", `S: 421 4.3.2 shutting down`, domain.KindServerShutdown, "ehlo"},
		{"HELO refused too", `S: 502 no
			C: HELO client.example
			S: 550 no either
			C: QUIT
			S: 221 bye`, domain.KindPermanentFailure, "helo"},
		{"EHLO 251", `S: 251 odd
			C: QUIT
			S: 221 bye`, domain.KindUnexpectedResponse, "ehlo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := open(t, testConfig(), Deps{}, greet+"\n"+tt.give)
			if e := wantKind(t, err, tt.want); e.Op != tt.wantOp {
				t.Errorf("op = %q, want %q", e.Op, tt.wantOp)
			}
			f.wait(t)
		})
	}
}

func TestOpenGreetingFailures(t *testing.T) {
	tests := []struct {
		name string
		give string
		want domain.Kind
	}{
		{"554 greeting", "S: 554 5.3.2 no service\nC: QUIT\nS: 221 bye", domain.KindPermanentFailure},
		{"421 greeting", "S: 421 4.3.2 busy", domain.KindServerShutdown},
		{"SSH banner", "S: SSH-2.0-OpenSSH_9.6\n!stall", domain.KindInvalidResponse},
		{"HTTP response", "S: HTTP/1.1 400 Bad Request\n!stall", domain.KindInvalidResponse},
		{"positive but not 220", "S: 250 hello\nC: QUIT\nS: 221 bye", domain.KindUnexpectedResponse},
		{"closed at once", "!close", domain.KindConnectionReset},
		{"closed mid-line", `!raw "220 half"` + "\n!close", domain.KindConnectionReset},
		{"mixed codes", "S: 220-a\nS: 250 b\n!stall", domain.KindInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := open(t, testConfig(), Deps{}, tt.give)
			if e := wantKind(t, err, tt.want); e.Op != "greeting" {
				t.Errorf("op = %q, want greeting", e.Op)
			}
			f.wait(t)
		})
	}
}

func TestStartTLSRequiredButNotOffered(t *testing.T) {
	cfg := testConfig()
	cfg.TLSMode = TLSStartTLSRequired
	ctrl := gomock.NewController(t)
	up := mocks.NewMockTLSUpgrader(ctrl) // never called
	f, _, err := open(t, cfg, Deps{TLS: up}, greet+`
		S: 250-mx.example.test
		S: 250 PIPELINING
		C: QUIT
		S: 221 bye`)
	wantKind(t, err, domain.KindStartTLSNotSupported)
	f.wait(t) // the script ends with QUIT: no MAIL went out in plaintext
}

func TestStartTLSOpportunisticWithoutOffer(t *testing.T) {
	cfg := testConfig()
	cfg.TLSMode = TLSStartTLS
	ctrl := gomock.NewController(t)
	f, s := mustOpen(t, cfg, Deps{TLS: mocks.NewMockTLSUpgrader(ctrl)}, greet+`
		S: 250 mx.example.test
		C: MAIL FROM:<a@example.org>
		S: 250 ok
		C: RCPT TO:<b@example.net>
		S: 250 ok
		C: DATA
		S: 354 go
		C: hi
		C: .
		S: 250 queued
		C: QUIT
		S: 221 bye`)
	if s.Info().TLS {
		t.Error("Info().TLS without STARTTLS")
	}
	if _, err := s.Send(context.Background(), env("a@example.org", "b@example.net"), body("hi")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	_ = s.Close()
	f.wait(t)
}

func TestStartTLSUpgradesAndForgetsCapabilities(t *testing.T) {
	for _, mode := range []TLSMode{TLSStartTLS, TLSStartTLSRequired} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg := testConfig()
			cfg.TLSMode = mode
			tr := &transcript{}
			f, s := mustOpen(t, cfg, Deps{TLS: realUpgrader{t}, Transcript: tr}, greet+`
				S: 250-mx.example.test
				S: 250-SIZE 100
				S: 250-PIPELINING
				S: 250 STARTTLS
				C: STARTTLS
				S: 220 2.0.0 ready
				!tls
				C: EHLO client.example
				S: 250-mx.example.test
				S: 250 AUTH PLAIN
				C: MAIL FROM:<a@example.org>
				S: 250 ok
				C: RCPT TO:<b@example.net>
				S: 250 ok
				C: DATA
				S: 354 go
				C: hi
				C: .
				S: 250 queued
				C: QUIT
				S: 221 bye`)
			info := s.Info()
			if !info.TLS || (info.TLSVersion != "1.2" && info.TLSVersion != "1.3") || info.CipherSuite == "" {
				t.Errorf("TLS info = %+v", info)
			}
			if info.Certificate == nil || !strings.Contains(info.Certificate.Subject, "mx.example.test") || info.Certificate.NotAfter.IsZero() {
				t.Errorf("certificate = %+v", info.Certificate)
			}
			c := s.caps
			if x := info.Extensions; x.Size || x.Pipelining || x.StartTLS || len(x.Auth) != 1 || x.Auth[0] != "PLAIN" {
				t.Errorf("Info().Extensions after STARTTLS = %+v, want only AUTH PLAIN", x)
			}
			if c.Size || c.Pipelining || c.StartTLS || !c.SupportsAuth(domain.AuthPlain) {
				t.Errorf("capabilities after STARTTLS = %+v, want only AUTH PLAIN", c)
			}
			// Without the plaintext PIPELINING and SIZE 100, a 500-octet message goes lock-step.
			e := env("a@example.org", "b@example.net")
			e.Size = 500
			if _, err := s.Send(context.Background(), e, body("hi")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestStartTLSResponseInjection(t *testing.T) {
	cfg := testConfig()
	cfg.TLSMode = TLSStartTLSRequired
	ctrl := gomock.NewController(t)
	up := mocks.NewMockTLSUpgrader(ctrl) // must never be called
	f, _, err := open(t, cfg, Deps{TLS: up}, greet+`
		S: 250-mx.example.test
		S: 250 STARTTLS
		C: STARTTLS
		S: 220 Go ahead
		S: 250 injected`)
	wantKind(t, err, domain.KindDesync)
	f.wait(t) // and nothing else was sent, not even QUIT
}

func TestStartTLSFailures(t *testing.T) {
	tlsErr := &domain.Error{Kind: domain.KindCertificateUntrusted, Op: "tls", Message: "unknown authority"}
	tests := []struct {
		name    string
		upgrade func(*mocks.MockTLSUpgrader)
		give    string
		want    domain.Kind
	}{
		{"handshake fails: no fallback", func(m *mocks.MockTLSUpgrader) {
			m.EXPECT().Client(gomock.Any(), gomock.Any(), "mx.example.test").Return(nil, tlsErr)
		}, "S: 220 ready", domain.KindCertificateUntrusted},
		{"untyped handshake error", func(m *mocks.MockTLSUpgrader) {
			m.EXPECT().Client(gomock.Any(), gomock.Any(), "mx.example.test").Return(nil, errors.New("boom"))
		}, "S: 220 ready", domain.KindTLSHandshake},
		{"upgrader returns nothing", func(m *mocks.MockTLSUpgrader) {
			m.EXPECT().Client(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, nil)
		}, "S: 220 ready", domain.KindTLSHandshake},
		{"454 to STARTTLS", func(*mocks.MockTLSUpgrader) {}, "S: 454 TLS not available\nC: QUIT\nS: 221 bye", domain.KindTemporaryFailure},
		{"250 to STARTTLS", func(*mocks.MockTLSUpgrader) {}, "S: 250 sure\nC: QUIT\nS: 221 bye", domain.KindUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.TLSMode = TLSStartTLSRequired
			ctrl := gomock.NewController(t)
			up := mocks.NewMockTLSUpgrader(ctrl)
			tt.upgrade(up)
			f, _, err := open(t, cfg, Deps{TLS: up}, greet+`
				S: 250-mx.example.test
				S: 250 STARTTLS
				C: STARTTLS
				`+tt.give)
			wantKind(t, err, tt.want)
			f.wait(t)
		})
	}
}

func TestImplicitTLS(t *testing.T) {
	cfg := testConfig()
	cfg.Port = 465
	cfg.TLSMode = TLSModeDefault // implicit on 465
	f, s := mustOpen(t, cfg, Deps{TLS: realUpgrader{t}}, `
		!tls
		S: 220 mx.example.test ready
		C: EHLO client.example
		S: 250 mx.example.test
		C: QUIT
		S: 221 bye`)
	if info := s.Info(); !info.TLS || info.Certificate == nil {
		t.Errorf("info = %+v", info)
	}
	_ = s.Close()
	f.wait(t)
}

func TestImplicitTLSHandshakeFails(t *testing.T) {
	cfg := testConfig()
	cfg.TLSMode = TLSImplicit
	cfg.Host = "other.example.test" // the name to verify: the certificate does not match it
	client, server := tcpPair(t)    // a net.Pipe would block the client's alert
	f, d := startServerOn(t, client, server, "!tls-fails")
	tr, err := New(cfg, Deps{TLS: realUpgrader{t}, Dialer: d})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Open(context.Background())
	if e := wantKind(t, err, domain.KindTLSHandshake); e.Op != "tls" {
		t.Errorf("op = %q", e.Op)
	}
	f.wait(t)
}

func TestOpenDialFailures(t *testing.T) {
	refused := func() string { // a port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		return addr
	}()
	tests := []struct {
		name string
		give error
		want domain.Kind
	}{
		{"dns", &net.DNSError{Err: "no such host", Name: "mx.example.test", IsNotFound: true}, domain.KindDNSResolution},
		{"timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, domain.KindConnectTimeout},
		{"other", errors.New("boom"), domain.KindConnection},
		{"typed", domain.NewError(domain.KindNetworkUnreachable, "x", "no route"), domain.KindNetworkUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctrl := gomock.NewController(t)
			d := mocks.NewMockDialer(ctrl)
			d.EXPECT().DialContext(gomock.Any(), "tcp", "mx.example.test:2525").Return(nil, tt.give)
			tr, err := New(testConfig(), Deps{Dialer: d})
			if err != nil {
				t.Fatal(err)
			}
			_, err = tr.Open(context.Background())
			if e := wantKind(t, err, tt.want); e.Op != "dial" {
				t.Errorf("op = %q", e.Op)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		cfg := testConfig()
		host, port, _ := net.SplitHostPort(refused)
		cfg.Host = host
		cfg.Port = atoi(t, port)
		tr, err := New(cfg, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Open(context.Background())
		wantKind(t, err, domain.KindConnectionRefused)
	})
	t.Run("cancelled before", func(t *testing.T) {
		tr, _ := New(testConfig(), Deps{Dialer: &pipeDialer{}})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := tr.Open(ctx)
		wantKind(t, err, domain.KindCancelled)
	})
	t.Run("cancelled during dial", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ctrl := gomock.NewController(t)
		d := mocks.NewMockDialer(ctrl)
		d.EXPECT().DialContext(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(ctx context.Context, _, _ string) (net.Conn, error) {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		})
		tr, _ := New(testConfig(), Deps{Dialer: d})
		_, err := tr.Open(ctx)
		wantKind(t, err, domain.KindCancelled)
	})
	t.Run("dialer returns nothing", func(t *testing.T) {
		ctrl := gomock.NewController(t)
		d := mocks.NewMockDialer(ctrl)
		d.EXPECT().DialContext(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, nil)
		tr, _ := New(testConfig(), Deps{Dialer: d})
		_, err := tr.Open(context.Background())
		wantKind(t, err, domain.KindConnection)
	})
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
