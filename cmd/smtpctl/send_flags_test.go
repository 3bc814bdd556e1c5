package main

import (
	"strings"
	"testing"
)

func TestSendRateLimitFlags(t *testing.T) {
	srv, conn := tlsServer(t)
	if code, _, errOut := runCLI(t, sendArgs(conn, "--rate-limit", "lots")...); code != exitUsage {
		t.Errorf("--rate-limit lots: exit %d, want %d (%s)", code, exitUsage, errOut)
	}
	if code, _, errOut := runCLI(t, sendArgs(conn, "--rate-limit", "5/1m")...); code != exitOK {
		t.Fatalf("--rate-limit 5/1m: exit %d: %s", code, errOut)
	}
	// A shared quota whose store cannot be reached refuses (fail-closed):
	// the limiter is consulted before anything is sent.
	code, out, errOut := runCLI(t, sendArgs(conn, "--rate-limit", "5/1m", "--rate-limit-redis", "redis://127.0.0.1:1/0", "--json")...)
	if code == exitOK {
		t.Fatalf("send with an unreachable Redis quota: exit 0: %s", out)
	}
	if j := decodeSend(t, out); j.Error == nil || j.Error.Kind != "local_rate_limit_exceeded" {
		t.Errorf("error = %+v, want kind local_rate_limit_exceeded (%s)", j.Error, errOut)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages; want 1 (the refused one must not be sent)", n)
	}
	if !strings.Contains(errOut, "rate") {
		t.Errorf("stderr does not say why: %q", errOut)
	}
}

// A password taken from the environment loses a trailing line end, as one
// read with --password-file does (a value set from a file's contents).
func TestSendPasswordEnvTrailingNewline(t *testing.T) {
	_, conn := tlsServer(t)
	t.Setenv("SMTP_PASSWORD", testPassword+"\n")
	if code, _, errOut := runCLI(t, sendArgs(conn)...); code != exitOK {
		t.Fatalf("exit %d with a trailing newline in the password variable: %s", code, errOut)
	}
}
