package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

func benchArgs(srv *smtptest.Server, extra ...string) []string {
	return append([]string{"bench", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--tls", "none", "--timeout", "30s"}, extra...)
}

func TestBenchOneConnection(t *testing.T) {
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	code := run(benchArgs(srv, "--count", "20"), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	msgs := srv.Messages()
	if len(msgs) != 20 {
		t.Fatalf("server received %d messages, want 20", len(msgs))
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("bench used %d connections, want 1 (one SendBatch session)", n)
	}
	body := msgs[0].Data[bytes.Index(msgs[0].Data, []byte("\r\n\r\n"))+4:]
	if len(body) < 1024 || len(body) > 1100 { // 1024 octets of text, LF turned into CRLF
		t.Errorf("body is %d octets, want about 1024", len(body))
	}
	if !strings.Contains(stdout.String(), "20 of 20 messages") {
		t.Errorf("stdout %q does not report 20 of 20 messages", stdout.String())
	}
}

func TestBenchConnectionsAndBatchesJSON(t *testing.T) {
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	code := run(benchArgs(srv, "--count", "20", "--connections", "2", "--batch", "5", "--size", "100", "--json"), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.Succeeded != 20 || out.Failed != 0 || out.Connections != 2 || out.Sessions != 4 {
		t.Errorf("got succeeded %d, failed %d, connections %d, sessions %d; want 20, 0, 2, 4", out.Succeeded, out.Failed, out.Connections, out.Sessions)
	}
	if n := len(srv.Messages()); n != 20 {
		t.Errorf("server received %d messages, want 20", n)
	}
	// 2 workers with 10 messages each, 5 per SendBatch session.
	if n := srv.Connections(); n != 4 {
		t.Errorf("server saw %d connections, want 4", n)
	}
}

func TestBenchReportsFailures(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailAt("MAIL", 550, "no")
	var stdout, stderr bytes.Buffer
	code := run(benchArgs(srv, "--count", "3", "--json"), &stdout, &stderr)
	if code != exitUnavailable {
		t.Errorf("exit code %d, want %d; stderr: %s", code, exitUnavailable, stderr.String())
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.Failed == 0 || out.Error == nil || out.Error.Code != 550 {
		t.Errorf("got failed %d, error %+v; want failures with code 550", out.Failed, out.Error)
	}
}

func TestBenchUsage(t *testing.T) {
	for _, tt := range []struct {
		name string
		give []string
	}{
		{"zero count", []string{"--count", "0"}},
		{"more connections than messages", []string{"--count", "2", "--connections", "3"}},
		{"negative batch", []string{"--batch", "-1"}},
		{"no host", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"bench"}, tt.give...)
			if tt.give != nil {
				args = append(args, "--host", "127.0.0.1")
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
		})
	}
}

func TestBenchBody(t *testing.T) {
	for _, size := range []int{0, 1, 77, 1024, 5000} {
		b := benchBody(size)
		if len(b) != size {
			t.Errorf("benchBody(%d) has %d octets", size, len(b))
		}
		for _, l := range strings.SplitAfter(b, "\n") {
			if len(l) > 77 {
				t.Errorf("benchBody(%d) has a line of %d octets", size, len(l))
			}
		}
	}
}
