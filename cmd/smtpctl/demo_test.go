package main

import (
	"strings"
	"testing"
)

func TestDemoSendsThroughTheFullStack(t *testing.T) {
	code, out, errOut := runCLI(t, "demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"C: STARTTLS", "C: AUTH", "[REDACTED]", "multipart/related", "image/png", "text/csv", `authenticated as "demo@example.test"`, "Bcc header: false"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}
