package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

func TestScrubWriter(t *testing.T) {
	const secret = `p<a"ss>w0rd&more`
	creds := domain.PasswordCredentials("user", secret)
	var buf bytes.Buffer
	w := scrub(&buf, creds)
	// The JSON encoder escapes <, >, & and the quote: that form too goes.
	_ = json.NewEncoder(w).Encode(map[string]string{"message": "server said " + secret})
	if _, err := w.Write([]byte("S: 535 " + base64.StdEncoding.EncodeToString([]byte("\x00user\x00"+secret)) + "\n")); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "ss>w0rd") || strings.Contains(out, `ss\u003ew0rd`) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(secret))[4:12]) {
		t.Errorf("the secret shows: %s", out)
	}
	if strings.Count(out, domain.Redacted) != 2 {
		t.Errorf("want two redactions: %s", out)
	}
	if got := scrub(&buf, domain.Credentials{}); got != &buf {
		t.Error("no secret: the writer should be used as it is")
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ give, want string }{
		{"plain text", "plain text"},
		{"a\r\nb", "a; b"},
		{"tab\there", "tab here"},
		{"\x1b[2Jclear", `\x1b[2Jclear`},
		{"bell\x07 del\x7f nul\x00", `bell\x07 del\x7f nul\x00`},
		{"csi \u009b31m", `csi \u009b31m`},
		{"bad \xff utf-8", `bad \xff utf-8`},
		{"Grüße ☕", "Grüße ☕"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.give); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestExitCodeOfAuthFailures(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"454 temporary", &domain.Error{Kind: domain.KindAuth, Code: 454}, exitTempFail},
		{"432 password transition", &domain.Error{Kind: domain.KindAuth, Code: 432}, exitTempFail},
		{"535", &domain.Error{Kind: domain.KindCredentialsInvalid, Code: 535}, exitNoPerm},
		{"530 at MAIL", &domain.Error{Kind: domain.KindAuthRequired, Code: 530}, exitNoPerm},
		{"refused locally without TLS", &domain.Error{Kind: domain.KindAuthRequired}, exitConfig},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exit %d, want %d", tt.name, got, tt.want)
		}
	}
}
