package tcp

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestSessionCommands(t *testing.T) {
	tr := &transcript{}
	f, s := mustOpen(t, testConfig(), Deps{Transcript: tr}, ehlo()+`
		C: NOOP
		S: 250 2.0.0 ok
		C: NOOP
		S: 502 5.5.1 no NOOP here
		C: RSET
		S: 250 ok
		C: RSET
		S: 451 4.3.0 busy
		C: VRFY postmaster
		S: 252 2.1.5 cannot verify, will try
		C: VRFY nobody
		S: 550 5.1.1 no such user`+quit)
	ctx := context.Background()
	if err := s.Noop(ctx); err != nil {
		t.Errorf("Noop: %v", err)
	}
	wantKind(t, s.Noop(ctx), domain.KindCapabilityMismatch)
	if err := s.Reset(ctx); err != nil {
		t.Errorf("Reset: %v", err)
	}
	wantKind(t, s.Reset(ctx), domain.KindTemporaryFailure)
	r, err := s.Verify(ctx, "postmaster")
	if err != nil || !strings.HasPrefix(r, "252 ") {
		t.Errorf("Verify = %v, %v", r, err)
	}
	r, err = s.Verify(ctx, "nobody")
	wantKind(t, err, domain.KindPermanentFailure)
	if !strings.HasPrefix(r, "550 ") {
		t.Errorf("Verify reply = %v", r)
	}
	for _, bad := range []string{"", "a\r\nRSET", "a\x00b", "a\nb"} {
		_, err := s.Verify(ctx, bad)
		wantKind(t, err, domain.KindInvalidInput)
	}
	if !s.Reusable() {
		t.Error("negative replies broke the session")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	f.wait(t)
}

func TestCloseWhenQuitFails(t *testing.T) {
	f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+"\nC: QUIT\n!close")
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	f.wait(t)
}

func TestNew(t *testing.T) {
	bad := testConfig()
	bad.Host = ""
	tls := testConfig()
	tls.TLSMode = TLSStartTLSRequired
	creds := testConfig()
	creds.AllowInsecureAuth = true
	tests := []struct {
		name string
		cfg  Config
		deps Deps
		want domain.Kind
	}{
		{"invalid config", bad, Deps{}, domain.KindInvalidInput},
		{"TLS without upgrader", tls, Deps{}, domain.KindInvalidInput},
		{"credentials without authenticator", creds, Deps{Credentials: static{password}}, domain.KindInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := New(tt.cfg, tt.deps)
			if tr != nil {
				t.Error("transport returned with an error")
			}
			wantKind(t, err, tt.want)
		})
	}
	t.Run("defaults", func(t *testing.T) {
		cfg := testConfig()
		cfg.LocalName = ""
		cfg.Timeouts = Timeouts{}
		tr, err := New(cfg, Deps{})
		if err != nil {
			t.Fatal(err)
		}
		if tr.cfg.LocalName != "localhost" || tr.cfg.Timeouts != DefaultTimeouts() || tr.dialer == nil {
			t.Errorf("defaults not applied: %+v", tr.cfg)
		}
	})
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name  string
		give  error
		write bool
		want  domain.Kind
	}{
		{"read timeout", timeoutErr{}, false, domain.KindReadTimeout},
		{"write timeout", timeoutErr{}, true, domain.KindWriteTimeout},
		{"eof", errors.Join(errors.New("read"), errUnexpectedEOF()), false, domain.KindConnectionReset},
		{"other", errBoom, false, domain.KindConnection},
		{"typed passes", domain.NewError(domain.KindTLS, "x", "y"), false, domain.KindTLS},
		{"TLS alert after the handshake", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, false, domain.KindTLSHandshake},
		{"other network error", &net.OpError{Op: "read", Err: errBoom}, false, domain.KindConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ioError("op", tt.write, tt.give)
			if e.Kind != tt.want || e.Op != "op" {
				t.Errorf("ioError = %v (kind %v), want kind %v op op", e, e.Kind, tt.want)
			}
		})
	}
	if k := dialError(io.EOF).Kind; k != domain.KindConnectionReset {
		t.Errorf("dial EOF kind %v", k)
	}
}
