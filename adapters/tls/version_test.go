package tls_test

import (
	"errors"
	"testing"

	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/domain"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		give    string
		want    smtptls.Version
		wantErr bool
	}{
		{give: "", want: smtptls.VersionTLS12},
		{give: "1.0", want: smtptls.VersionTLS10},
		{give: "10", want: smtptls.VersionTLS10},
		{give: "1.1", want: smtptls.VersionTLS11},
		{give: "1.2", want: smtptls.VersionTLS12},
		{give: "TLS1.2", want: smtptls.VersionTLS12},
		{give: "TLSv1.3", want: smtptls.VersionTLS13},
		{give: "Tls1.3", want: smtptls.VersionTLS13},
		{give: "tls12", want: smtptls.VersionTLS12},
		{give: "TLS 1.3", want: smtptls.VersionTLS13},
		{give: "13", want: smtptls.VersionTLS13},
		{give: "1.4", wantErr: true},
		{give: "ssl3", wantErr: true},
		{give: "latest", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, err := smtptls.ParseVersion(tt.give)
			if tt.wantErr {
				if !errors.Is(err, domain.KindInvalidInput) {
					t.Fatalf("ParseVersion(%q) error = %v, want KindInvalidInput", tt.give, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseVersion(%q) = %v, %v; want %v", tt.give, got, err, tt.want)
			}
			if back, err := smtptls.ParseVersion(got.String()); err != nil || back != got {
				t.Errorf("String %q does not round trip: %v, %v", got.String(), back, err)
			}
		})
	}
	names := map[smtptls.Version]string{smtptls.VersionTLS10: "1.0", smtptls.VersionTLS11: "1.1", smtptls.VersionTLS12: "1.2",
		smtptls.VersionTLS13: "1.3", 0: "", 0x0300: "0x300"}
	for v, want := range names {
		if got := v.String(); got != want {
			t.Errorf("Version(%#x).String() = %q, want %q", uint16(v), got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		give smtptls.Config
		want []domain.Kind // nil: valid
	}{
		{"zero", smtptls.Config{}, nil},
		{"TLS 1.3", smtptls.Config{MinVersion: smtptls.VersionTLS13}, nil},
		{"TLS 1.0 allowed", smtptls.Config{MinVersion: smtptls.VersionTLS10, AllowInsecureTLS: true}, nil},
		{"mutual TLS", smtptls.Config{ClientCertFile: "c.pem", ClientKeyFile: "k.pem"}, nil},
		{"TLS 1.1", smtptls.Config{MinVersion: smtptls.VersionTLS11}, []domain.Kind{domain.KindTLSVersion}},
		{"SSL 3", smtptls.Config{MinVersion: 0x0300}, []domain.Kind{domain.KindTLSVersion, domain.KindInvalidInput}},
		{"SSL 3 even when allowed", smtptls.Config{MinVersion: 0x0300, AllowInsecureTLS: true}, []domain.Kind{domain.KindInvalidInput}},
		{"TLS 1.4", smtptls.Config{MinVersion: 0x0305}, []domain.Kind{domain.KindInvalidInput}},
		{"cert without key", smtptls.Config{ClientCertFile: "c.pem"}, []domain.Kind{domain.KindInvalidInput}},
		{"bad pin", smtptls.Config{PinnedSPKISHA256: []string{"nope"}}, []domain.Kind{domain.KindInvalidInput}},
	}
	for _, tt := range tests {
		err := tt.give.Validate()
		var got []domain.Kind
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				got = append(got, domain.KindOf(e))
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: Validate() = %v; want kinds %v", tt.name, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: Validate() kinds %v; want %v", tt.name, got, tt.want)
			}
		}
	}
}
