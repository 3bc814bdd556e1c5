package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
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
	code := run(benchArgs(srv, "--count", "20", "--connections", "2", "--concurrency", "2", "--batch", "5", "--size", "100", "--json"), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.Succeeded != 20 || out.Failed != 0 || out.Connections != 2 || out.Sessions != 4 || !out.Pooled {
		t.Errorf("got succeeded %d, failed %d, connections %d, sessions %d, pooled %v; want 20, 0, 2, 4, true", out.Succeeded, out.Failed, out.Connections, out.Sessions, out.Pooled)
	}
	if n := len(srv.Messages()); n != 20 {
		t.Errorf("server received %d messages, want 20", n)
	}
	// 2 callers, 4 SendBatch calls of 5 messages over one client whose
	// pool holds 2 sessions: the calls reuse the pooled sessions.
	if n := srv.Connections(); n < 1 || n > 2 {
		t.Errorf("server saw %d connections, want 1 or 2 (the pool)", n)
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
		{"pool above the maximum", []string{"--count", "2", "--connections", "21"}},
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
		{"batch size in send mode", []string{"--mode", "send", "--batch", "5"}},
		{"attachment in raw mode", []string{"--mode", "raw", "--attach-size", "10"}},
		{"negative attachment", []string{"--mode", "send", "--attach-size", "-1"}},
		{"message file in send mode", []string{"--mode", "send", "--message-file", "m.eml"}},
		{"raw bytes without a file", []string{"--mode", "raw", "--raw-bytes"}},
		{"negative min idle", []string{"--mode", "send", "--min-idle", "-1"}},
		{"missing message file", []string{"--mode", "raw", "--message-file", "/nonexistent/m.eml"}},
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

func TestBenchNoPoolOpensASessionPerMessage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	if code := run(benchArgs(srv, "--mode", "send", "--count", "4", "--no-pool", "--json"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.Pooled || out.Succeeded != 4 {
		t.Errorf("pooled %v, succeeded %d; want false, 4", out.Pooled, out.Succeeded)
	}
	if n := srv.Connections(); n != 4 {
		t.Errorf("server saw %d connections, want 4 (one per message)", n)
	}
}

func TestBenchPooledSendsShareOneSession(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	if code := run(benchArgs(srv, "--mode", "send", "--count", "4"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("server saw %d connections, want 1 (the pooled session)", n)
	}
}

func TestBenchAttachment(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	if code := run(benchArgs(srv, "--mode", "batch", "--count", "2", "--size", "10", "--attach-size", "3000", "--json"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.AttachSize != 3000 || out.Bytes < 2*4000 { // base64 makes 4 octets of 3
		t.Errorf("attach_size %d, bytes %d; want 3000 and at least 8000", out.AttachSize, out.Bytes)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server received %d messages, want 2", len(msgs))
	}
	for _, want := range []string{"multipart/mixed", `filename="bench.bin"`, "Content-Transfer-Encoding: base64"} {
		if !bytes.Contains(msgs[0].Data, []byte(want)) {
			t.Errorf("message lacks %q", want)
		}
	}
}

func TestBenchRawMessageFile(t *testing.T) {
	t.Parallel()
	msg := "From: a@example.test\r\nTo: b@example.test\r\nSubject: file\r\nMessage-ID: <bench-file@example.test>\r\n\r\n" +
		strings.Repeat("a line of the body\r\n", 100)
	path := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(path, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--raw-bytes"}} {
		t.Run(strings.Join(append([]string{"default"}, extra...), " "), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			var stdout, stderr bytes.Buffer
			args := benchArgs(srv, append([]string{"--mode", "raw", "--count", "3", "--message-file", path, "--json"}, extra...)...)
			if code := run(args, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
			}
			var out benchOutput
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
			}
			wantSource := rawFileBytes
			if extra == nil && clientStreams(bootstrap.NewClient) {
				wantSource = rawFileStream
			}
			if out.Size != len(msg) || out.RawSource != wantSource || out.Succeeded != 3 {
				t.Errorf("size %d, raw_source %q, succeeded %d; want %d, %q, 3", out.Size, out.RawSource, out.Succeeded, len(msg), wantSource)
			}
			msgs := srv.Messages()
			if len(msgs) != 3 {
				t.Fatalf("server received %d messages, want 3", len(msgs))
			}
			if !bytes.Equal(msgs[2].Data, []byte(msg)) {
				t.Errorf("server received %q, want the file's octets", msgs[2].Data)
			}
		})
	}
}

func TestBenchReportsCPUAndMemory(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	if code := run(benchArgs(srv, "--mode", "send", "--count", "20", "--json"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr.String())
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.CPUSeconds < 0 || out.CPUPerMsgMS < 0 || out.CPUPerMsgMS*20 > out.CPUSeconds*1000*1.001+1e-9 {
		t.Errorf("cpu_seconds %v, cpu_ms_per_message %v; want non-negative, per message = total / 20", out.CPUSeconds, out.CPUPerMsgMS)
	}
	if runtime.GOOS == "linux" && out.MaxRSSKiB <= 0 {
		t.Errorf("max_rss_kib %d; want the process's peak RSS", out.MaxRSSKiB)
	}
}

func TestBenchBatches(t *testing.T) {
	t.Parallel()
	emails := make([]*domain.Email, 10)
	for _, tt := range []struct {
		batch, callers int
		want           []int
	}{
		{0, 1, []int{10}},
		{0, 3, []int{4, 4, 2}},
		{4, 1, []int{4, 4, 2}},
		{20, 2, []int{10}},
	} {
		var got []int
		for _, b := range benchBatches(emails, tt.batch, tt.callers) {
			got = append(got, len(b))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("benchBatches(10, batch %d, callers %d) sizes %v, want %v", tt.batch, tt.callers, got, tt.want)
		}
	}
}

func TestBenchMaxSize(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var stdout, stderr bytes.Buffer
	// Without --max-size a bench allows the largest message; with it, the
	// client refuses bigger ones before connecting.
	if code := run(benchArgs(srv, "--mode", "raw", "--count", "1", "--size", "20000"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d without --max-size, want 0; stderr: %s", code, stderr.String())
	}
	stdout.Reset()
	code := run(benchArgs(srv, "--mode", "raw", "--count", "2", "--size", "20000", "--max-size", "10000", "--json"), &stdout, &stderr)
	if code == exitOK {
		t.Fatalf("exit code 0 with --max-size under the message size")
	}
	var out benchOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.Errors["message_too_large"] != 2 {
		t.Errorf("errors %v; want 2 message_too_large", out.Errors)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages, want only the first run's 1", n)
	}
}
