package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

func TestProbeDescribesTheServer(t *testing.T) {
	_, conn := tlsServer(t)
	code, out, errOut := runCLI(t, append([]string{"probe", "--json"}, conn...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p probeOutput
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if !p.TLS || p.TLSVersion == "" || p.CipherSuite == "" || p.CertSubject == "" || p.CertIssuer == "" || p.CertExpiry == "" ||
		p.AuthenticatedAs != testUser || len(p.AuthMechanisms) == 0 || len(p.Capabilities) == 0 || p.Banner == "" {
		t.Errorf("probe = %+v", p)
	}
	code, out, _ = runCLI(t, append([]string{"probe"}, conn...)...)
	if code != 0 || !strings.Contains(out, "tls:") || !strings.Contains(out, "authenticated: "+testUser) {
		t.Errorf("text probe exit %d:\n%s", code, out)
	}
}

func TestProbeHintsAtImplicitTLSMixUp(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithSTARTTLS())
	code, _, errOut := runCLI(t, "probe", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--tls", "implicit", "--timeout", "10s")
	if code == 0 || !strings.Contains(errOut, "hint:") || !strings.Contains(errOut, "starttls") {
		t.Fatalf("exit %d, stderr %q; want a failure with a STARTTLS hint", code, errOut)
	}
}
