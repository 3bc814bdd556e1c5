package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func remote(alert string) error {
	return &net.OpError{Op: "remote error", Err: errors.New(alert)}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		give     error
		ctxErr   error
		wantKind domain.Kind
		wantText string
	}{
		{name: "certificate required", give: remote("tls: certificate required"),
			wantKind: domain.KindTLSHandshake, wantText: "requires a client certificate"},
		{name: "bad certificate", give: remote("tls: bad certificate"),
			wantKind: domain.KindTLSHandshake, wantText: "refused the client certificate"},
		{name: "handshake failure", give: remote("tls: handshake failure"),
			wantKind: domain.KindTLSHandshake, wantText: "cipher suite"},
		{name: "insufficient security", give: remote("tls: insufficient security"),
			wantKind: domain.KindTLSHandshake, wantText: "share no cipher suite"},
		{name: "other alert", give: remote("tls: internal error"),
			wantKind: domain.KindTLSHandshake, wantText: "aborted"},
		{name: "protocol version alert", give: remote("tls: protocol version not supported"),
			wantKind: domain.KindTLSVersion},
		{name: "client refuses version", give: errors.New("tls: server selected unsupported protocol version 301"),
			wantKind: domain.KindTLSVersion},
		{name: "conn timeout", give: &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded},
			wantKind: domain.KindConnectTimeout},
		{name: "context deadline", give: context.DeadlineExceeded, ctxErr: context.DeadlineExceeded,
			wantKind: domain.KindConnectTimeout},
		{name: "cancelled", give: errors.New("use of closed connection"), ctxErr: context.Canceled,
			wantKind: domain.KindCancelled},
		{name: "anything else", give: errors.New("EOF"),
			wantKind: domain.KindTLSHandshake, wantText: "handshake failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.give, tt.ctxErr, "mx.example.test")
			if got.Kind != tt.wantKind {
				t.Fatalf("kind = %v, want %v (%v)", got.Kind, tt.wantKind, got)
			}
			if !strings.Contains(got.Message, tt.wantText) {
				t.Errorf("message %q does not contain %q", got.Message, tt.wantText)
			}
			if !errors.Is(got, tt.give) {
				t.Errorf("the cause is not wrapped")
			}
			if got.Kind != domain.KindCancelled && !strings.Contains(got.Message, `"mx.example.test"`) {
				t.Errorf("message %q does not name the server", got.Message)
			}
		})
	}
}

func TestPinsVerifyWithoutCertificates(t *testing.T) {
	p, err := parsePins([]string{"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.verify(stdtls.ConnectionState{}); !errors.Is(err, errPinMismatch) {
		t.Fatalf("verify without certificates = %v, want a pin mismatch", err)
	}
}
