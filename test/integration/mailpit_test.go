//go:build integration

package integration

import (
	"bytes"
	"context"
	"testing"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/domain"
)

func TestMailpit(t *testing.T) {
	tests := []struct {
		name, addr, api string
		mode            tcp.TLSMode
		auth            domain.AuthMechanism
	}{
		{"plain", "MAILPIT_PLAIN_ADDR", "MAILPIT_PLAIN_API", tcp.TLSNone, 0},
		{"starttls PLAIN", "MAILPIT_STARTTLS_ADDR", "MAILPIT_STARTTLS_API", tcp.TLSStartTLSRequired, domain.AuthPlain},
		{"starttls LOGIN", "MAILPIT_STARTTLS_ADDR", "MAILPIT_STARTTLS_API", tcp.TLSStartTLSRequired, domain.AuthLogin},
		{"implicit auto", "MAILPIT_TLS_ADDR", "MAILPIT_TLS_API", tcp.TLSImplicit, domain.AuthAuto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(t, tt.addr, tt.mode)
			if tt.mode != tcp.TLSNone {
				cfg.Credentials = domain.PasswordCredentials(env(t, "MAILPIT_USER"), env(t, "MAILPIT_PASSWORD"))
				cfg.AuthMechanism = tt.auth
			}
			h := newClient(t, cfg)
			marker := unique(t)
			e, img, att := richEmail(t, marker, "Zoë <zoe@example.test>")
			e.Cc = append(e.Cc, domain.MustParseAddress("cc@example.test"))
			res := h.send(t, e)
			raw := mailpitRaw(t, env(t, tt.api), res.MessageID)
			sent := h.cap.bytes(t, res.MessageID)
			assertSuffix(t, raw, sent)
			p := parts(t, raw)
			if !bytes.Equal(p["image/png"], img) || !bytes.Equal(p["application/octet-stream;résumé ✓.bin"], att) {
				t.Errorf("parts differ: %v", keys(p))
			}
			if tt.mode != tcp.TLSNone {
				info, err := h.client.TestConnection(context.Background())
				if err != nil || !info.TLS || info.AuthenticatedAs == "" {
					t.Errorf("TestConnection = %+v, %v; want TLS and authenticated", info, err)
				}
			}
		})
	}
}

func TestMailpitWrongPassword(t *testing.T) {
	cfg := config(t, "MAILPIT_STARTTLS_ADDR", tcp.TLSStartTLSRequired)
	cfg.Credentials = domain.PasswordCredentials(env(t, "MAILPIT_USER"), "nope")
	h := newClient(t, cfg)
	_, err := h.client.TestConnection(context.Background())
	if domain.KindOf(err).Category() != domain.KindAuth {
		t.Fatalf("err = %v; want an authentication error", err)
	}
}
