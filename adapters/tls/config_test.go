package tls_test

import (
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"

	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/domain"
)

func TestNew(t *testing.T) {
	ca := newCA(t)
	dir := t.TempDir()
	caFile := writeCA(t, ca)
	client := mustCert(t)(ca.ClientCert("alice"))
	certFile, keyFile, err := client.WritePEM(dir, "client")
	if err != nil {
		t.Fatal(err)
	}
	other := mustCert(t)(ca.ClientCert("bob"))
	_, otherKey, err := other.WritePEM(t.TempDir(), "other")
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	badCert := writeFile(t, "bad.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})))
	keyOnly := writeFile(t, "key-only.pem", string(client.KeyPEM))
	pin := client.SPKIPin()

	tests := []struct {
		name     string
		give     smtptls.Config
		wantKind domain.Kind // KindUnknown: success
		wantText []string
	}{
		{name: "zero config", give: smtptls.Config{}},
		{name: "TLS 1.3 minimum", give: smtptls.Config{MinVersion: smtptls.VersionTLS13}},
		{name: "TLS 1.0 allowed", give: smtptls.Config{MinVersion: smtptls.VersionTLS10, AllowInsecureTLS: true}},
		{name: "TLS 1.1 without permission", give: smtptls.Config{MinVersion: smtptls.VersionTLS11},
			wantKind: domain.KindTLSVersion, wantText: []string{"1.1", "AllowInsecureTLS"}},
		{name: "unknown version", give: smtptls.Config{MinVersion: 0x0200, AllowInsecureTLS: true},
			wantKind: domain.KindInvalidInput},
		{name: "CA file", give: smtptls.Config{CAFile: caFile}},
		{name: "CA file missing", give: smtptls.Config{CAFile: missing},
			wantKind: domain.KindInvalidInput, wantText: []string{missing}},
		{name: "CA file without PEM", give: smtptls.Config{CAFile: writeFile(t, "empty.pem", "not a certificate\n")},
			wantKind: domain.KindCertificateInvalid, wantText: []string{"empty.pem", "no PEM certificate"}},
		{name: "CA file with only a key", give: smtptls.Config{CAFile: keyOnly},
			wantKind: domain.KindCertificateInvalid, wantText: []string{"key-only.pem"}},
		{name: "CA file with a broken certificate", give: smtptls.Config{CAFile: badCert},
			wantKind: domain.KindCertificateInvalid, wantText: []string{"bad.pem", "certificate 1"}},
		{name: "client certificate", give: smtptls.Config{ClientCertFile: certFile, ClientKeyFile: keyFile}},
		{name: "client certificate without key", give: smtptls.Config{ClientCertFile: certFile},
			wantKind: domain.KindInvalidInput, wantText: []string{"both"}},
		{name: "client key without certificate", give: smtptls.Config{ClientKeyFile: keyFile},
			wantKind: domain.KindInvalidInput},
		{name: "client certificate missing", give: smtptls.Config{ClientCertFile: missing, ClientKeyFile: keyFile},
			wantKind: domain.KindInvalidInput, wantText: []string{missing}},
		{name: "client key missing", give: smtptls.Config{ClientCertFile: certFile, ClientKeyFile: missing},
			wantKind: domain.KindInvalidInput, wantText: []string{missing}},
		{name: "client key of another certificate", give: smtptls.Config{ClientCertFile: certFile, ClientKeyFile: otherKey},
			wantKind: domain.KindCertificateInvalid, wantText: []string{certFile, otherKey}},
		{name: "client key file holds a certificate", give: smtptls.Config{ClientCertFile: certFile, ClientKeyFile: certFile},
			wantKind: domain.KindCertificateInvalid},
		{name: "pins", give: smtptls.Config{PinnedSPKISHA256: []string{pin, " sha256/" + pin + " "}}},
		{name: "pin not base64", give: smtptls.Config{PinnedSPKISHA256: []string{pin, "not base64!"}},
			wantKind: domain.KindInvalidInput, wantText: []string{"pin 2"}},
		{name: "pin of the wrong length", give: smtptls.Config{PinnedSPKISHA256: []string{"AAAA"}},
			wantKind: domain.KindInvalidInput, wantText: []string{"pin 1"}},
	}
	keyBody := strings.Split(string(client.KeyPEM), "\n")[1] // a line of key material
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := smtptls.New(tt.give)
			if tt.wantKind == domain.KindUnknown {
				if err != nil || u == nil {
					t.Fatalf("New = %v, %v; want an Upgrader", u, err)
				}
				return
			}
			if u != nil {
				t.Errorf("New returned an Upgrader with error %v", err)
			}
			de := wantKind(t, err, tt.wantKind)
			wantContains(t, de.Error(), tt.wantText...)
			if strings.Contains(de.Error(), keyBody) {
				t.Errorf("error %q shows key material", de.Error())
			}
		})
	}
}
