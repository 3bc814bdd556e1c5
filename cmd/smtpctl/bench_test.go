package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	// 2 workers with 10 messages each, 5 per SendBatch call: each worker's
	// client keeps one connection when it pools sessions, and opens one per
	// call when it does not.
	if n := srv.Connections(); n < 2 || n > 4 {
		t.Errorf("server saw %d connections, want 2 to 4", n)
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

func TestBenchModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"send", "batch", "raw"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			var stdout, stderr bytes.Buffer
			code := run(benchArgs(srv, "--mode", mode, "--count", "50", "--concurrency", "4", "--connections", "2", "--size", "300", "--json"), &stdout, &stderr)
			if code != exitOK {
				t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
			}
			var out benchOutput
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
			}
			if out.Mode != mode || out.Succeeded != 50 || out.Failed != 0 || out.Succeeded+out.Failed != out.Messages || len(out.Errors) != 0 {
				t.Errorf("got %+v; want 50 succeeded in mode %s", out, mode)
			}
			if l := out.Latency; l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 {
				t.Errorf("latency %+v; want 0 < p50 <= p90 <= p99", l)
			}
			if out.Bytes < 50*300 || out.MBPerSecond <= 0 || out.PerSecond <= 0 {
				t.Errorf("bytes %d, %.3f MB/s, %.1f msg/s; want at least 50 x 300 bytes and positive rates", out.Bytes, out.MBPerSecond, out.PerSecond)
			}
			msgs := srv.Messages()
			if len(msgs) != 50 {
				t.Fatalf("server received %d messages, want 50", len(msgs))
			}
			if len(msgs[0].To) != 1 || msgs[0].To[0] != "sink@example.test" || msgs[0].From != "bench@example.test" {
				t.Errorf("envelope from %q to %v", msgs[0].From, msgs[0].To)
			}
		})
	}
}

func TestBenchTextReport(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	if code := run(benchArgs(srv, "--mode", "send", "--count", "10", "--concurrency", "3"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	for _, want := range []string{"mode send, 10 of 10 messages", "msg/s", "MB/s", "p50 ", "p90 ", "p99 ", "concurrency 3"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestBenchErrorsByKind(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"send", "batch", "raw"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			srv.FailAt("DATA", 554, "5.7.1 spam")
			var stdout, stderr bytes.Buffer
			code := run(benchArgs(srv, "--mode", mode, "--count", "6", "--concurrency", "2", "--json"), &stdout, &stderr)
			if code != exitUnavailable {
				t.Errorf("exit code %d, want %d; stderr: %s", code, exitUnavailable, stderr.String())
			}
			var out benchOutput
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
			}
			sum := 0
			for _, n := range out.Errors {
				sum += n
			}
			if out.Failed != 6 || out.Succeeded != 0 || sum != 6 || out.Errors["permanent_failure"] != 6 {
				t.Errorf("failed %d, succeeded %d, errors %v; want 6 permanent_failure", out.Failed, out.Succeeded, out.Errors)
			}
		})
	}
}

func TestBenchModeUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		give []string
	}{
		{"unknown mode", []string{"--mode", "stream"}},
		{"pool above 20", []string{"--mode", "send", "--connections", "21"}},
		{"batch size in send mode", []string{"--mode", "raw", "--batch", "5"}},
		{"zero concurrency", []string{"--mode", "send", "--concurrency", "0"}},
		{"huge concurrency", []string{"--mode", "send", "--concurrency", "5000"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"bench", "--host", "127.0.0.1"}, tt.give...), &stdout, &stderr); code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
		})
	}
}

func TestBenchCPUProfile(t *testing.T) {
	// Not parallel: one CPU profile per process at a time.
	srv := smtptest.Start(t)
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	var stdout, stderr bytes.Buffer
	if code := run(benchArgs(srv, "--mode", "raw", "--count", "5", "--cpuprofile", prof), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("profile %s: %v; want a non-empty file", prof, err)
	}
}

func TestLatencyOf(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if got, want := latencyOf(ds), (benchLatency{P50: 50, P90: 90, P99: 99}); got != want {
		t.Errorf("latencyOf(1..100ms) = %+v, want %+v", got, want)
	}
	if got, want := latencyOf([]time.Duration{3 * time.Millisecond}), (benchLatency{P50: 3, P90: 3, P99: 3}); got != want {
		t.Errorf("latencyOf(3ms) = %+v, want %+v", got, want)
	}
	if got := latencyOf(nil); got != (benchLatency{}) {
		t.Errorf("latencyOf(nil) = %+v, want zeros", got)
	}
}
