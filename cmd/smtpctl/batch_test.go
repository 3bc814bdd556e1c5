package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

func batchArgs(srv *smtptest.Server, file string, extra ...string) []string {
	return append([]string{"batch", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()), "--tls", "none", "--timeout", "30s", "--file", file}, extra...)
}

// goodLine is email i of a test batch: To ri@, Cc ci@ (a single string).
func goodLine(i int) string {
	return fmt.Sprintf(`{"from":"Ann <ann@example.com>","to":["r%d@example.org"],"cc":"c%d@example.org","subject":"hello %d","text":"hi"}`, i, i, i)
}

func writeBatch(t *testing.T, lines ...string) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "batch.jsonl", []byte(strings.Join(lines, "\n")+"\n"))
}

func goodLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = goodLine(i + 1)
	}
	return lines
}

// batchJSON splits --json output into the result lines and the summary.
func batchJSON(t *testing.T, out string) ([]batchReport, batchSummary) {
	t.Helper()
	var (
		results []batchReport
		summary batchSummary
		seen    bool
	)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var probe struct{ Type string }
		if err := json.Unmarshal(sc.Bytes(), &probe); err != nil {
			t.Fatalf("stdout line is not JSON: %v\n%s", err, sc.Text())
		}
		if seen {
			t.Fatalf("a line follows the summary: %s", sc.Text())
		}
		switch probe.Type {
		case "result":
			var r batchReport
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			results = append(results, r)
		case "summary":
			if err := json.Unmarshal(sc.Bytes(), &summary); err != nil {
				t.Fatal(err)
			}
			seen = true
		default:
			t.Fatalf("line of unknown type %q: %s", probe.Type, sc.Text())
		}
	}
	if !seen {
		t.Fatalf("no summary object in\n%s", out)
	}
	slices.SortFunc(results, func(a, b batchReport) int { return a.Line - b.Line })
	return results, summary
}

func TestBatchAllAccepted(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	code, out, errOut := runCLI(t, batchArgs(srv, writeBatch(t, goodLines(20)...), "--connections", "4")...)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	msgs := srv.Messages()
	if len(msgs) != 20 {
		t.Fatalf("server received %d messages, want 20", len(msgs))
	}
	got := map[string]bool{}
	for _, m := range msgs {
		got[strings.Join(m.To, " ")] = true
		if m.From != "ann@example.com" {
			t.Errorf("envelope from %q", m.From)
		}
	}
	for i := 1; i <= 20; i++ {
		if want := fmt.Sprintf("r%d@example.org c%d@example.org", i, i); !got[want] {
			t.Errorf("no message went to %s", want)
		}
	}
	if !strings.Contains(out, "20 emails") || !strings.Contains(out, "20 sent") {
		t.Errorf("summary %q does not report 20 sent", out)
	}
	if !strings.Contains(errOut, "batch: 20 of 20 done (100%)") {
		t.Errorf("stderr lacks the plain progress lines:\n%s", errOut)
	}
}

func TestBatchInvalidLineIsReportedAndTheRestSent(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	lines := goodLines(20)
	lines[6] = `{"from":"not an address","to":"r7@example.org","text":"x"}`
	code, out, errOut := runCLI(t, batchArgs(srv, writeBatch(t, lines...), "--json")...)
	if code != exitDataErr {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitDataErr, errOut)
	}
	results, sum := batchJSON(t, out)
	if len(results) != 20 {
		t.Fatalf("%d result lines, want 20", len(results))
	}
	for i, r := range results {
		if r.Line != i+1 {
			t.Fatalf("result %d is for line %d", i, r.Line)
		}
		if i == 6 {
			if r.ErrorKind != "invalid_from_address" || r.Error == "" || len(r.Accepted) != 0 || r.ExitCode != exitDataErr {
				t.Errorf("line 7 = %+v; want an invalid_from_address error", r)
			}
			continue
		}
		if r.Error != "" || len(r.Accepted) != 2 || r.MessageID == "" || r.ExitCode != 0 {
			t.Errorf("line %d = %+v; want accepted by 2", r.Line, r)
		}
	}
	if sum.Total != 20 || sum.Sent != 19 || sum.Failed != 1 || sum.Errors["invalid_from_address"] != 1 || sum.ExitCode != exitDataErr {
		t.Errorf("summary = %+v", sum)
	}
	if n := len(srv.Messages()); n != 19 {
		t.Errorf("server received %d messages, want 19", n)
	}
	if !strings.Contains(errOut, "line 7: ") {
		t.Errorf("stderr does not name line 7:\n%s", errOut)
	}
}

func TestBatchRejectedRecipientIs69(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RejectRecipient("bad@example.org", 550, "5.1.1", "no such user")
	lines := append(goodLines(3), `{"from":"ann@example.com","to":["ok@example.org","bad@example.org"],"text":"x"}`)
	code, out, errOut := runCLI(t, batchArgs(srv, writeBatch(t, lines...), "--json")...)
	if code != exitUnavailable {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUnavailable, errOut)
	}
	results, sum := batchJSON(t, out)
	r := results[3]
	if r.Line != 4 || len(r.Accepted) != 1 || len(r.Rejected) != 1 || r.Rejected[0].Code != 550 || r.Rejected[0].EnhancedCode != "5.1.1" || r.ExitCode != exitUnavailable {
		t.Errorf("line 4 = %+v; want ok accepted and bad rejected with 550 5.1.1", r)
	}
	if sum.Sent != 3 || sum.Partial != 1 || sum.Failed != 0 {
		t.Errorf("summary = %+v; want 3 sent, 1 partial", sum)
	}
	if !strings.Contains(errOut, "line 4: rejected bad@example.org: 550 5.1.1") {
		t.Errorf("stderr does not report the rejection:\n%s", errOut)
	}
}

// TestBatchRateLimitRejects needs the client to honour Config.RateLimit.
func TestBatchRateLimitRejects(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	code, out, errOut := runCLI(t, batchArgs(srv, writeBatch(t, goodLines(5)...), "--json", "--rate-limit", "2/1m", "--on-limit", "reject", "--connections", "1")...)
	if code != exitTempFail {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitTempFail, errOut)
	}
	results, sum := batchJSON(t, out)
	accepted, limited := 0, 0
	for _, r := range results {
		switch {
		case r.Error == "" && len(r.Accepted) == 2:
			accepted++
		case r.ErrorKind == "local_rate_limit_exceeded":
			limited++
		default:
			t.Errorf("line %d = %+v; want accepted or local_rate_limit_exceeded", r.Line, r)
		}
	}
	if accepted != 2 || limited != 3 || sum.Errors["local_rate_limit_exceeded"] != 3 {
		t.Errorf("%d accepted and %d rate-limited (summary %+v); want 2 and 3", accepted, limited, sum)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("server received %d messages, want 2", n)
	}
}

// TestBatchRateLimitWaits needs the client to honour Config.RateLimit; it
// asserts no timing, only that waiting loses nothing.
func TestBatchRateLimitWaits(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	code, out, errOut := runCLI(t, batchArgs(srv, writeBatch(t, goodLines(4)...), "--json", "--rate-limit", "2/1s", "--on-limit", "wait", "--connections", "2")...)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	if _, sum := batchJSON(t, out); sum.Sent != 4 || len(sum.Errors) != 0 {
		t.Errorf("summary = %+v; want 4 sent", sum)
	}
	if n := len(srv.Messages()); n != 4 {
		t.Errorf("server received %d messages, want 4", n)
	}
}

func TestBatchUsage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	file := writeBatch(t, goodLines(1)...)
	tests := []struct {
		name string
		give []string
		want int
	}{
		{"no file", []string{"batch", "--host", "127.0.0.1"}, exitUsage},
		{"bad rate limit", batchArgs(srv, file, "--rate-limit", "100"), exitUsage},
		{"zero rate", batchArgs(srv, file, "--rate-limit", "0/1m"), exitUsage},
		{"bad on-limit", batchArgs(srv, file, "--rate-limit", "1/s", "--on-limit", "drop"), exitUsage},
		{"on-limit alone", batchArgs(srv, file, "--on-limit", "wait"), exitUsage},
		{"too many connections", batchArgs(srv, file, "--connections", "21"), exitUsage},
		{"zero connections", batchArgs(srv, file, "--connections", "0"), exitUsage},
		{"argument", append(batchArgs(srv, file), "extra"), exitUsage},
		{"missing file", batchArgs(srv, file+".missing"), exitDataErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, errOut := runCLI(t, tt.give...); code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, errOut)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("bad flags opened %d connections; want none", n)
	}
}

func TestReadBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		give     string
		wantKind domain.Kind // KindUnknown: the line builds
		wantErr  string
	}{
		{"string and list recipients", `{"from":"a@example.com","to":"b@example.org","bcc":["c@example.org"],"text":"x"}`, domain.KindUnknown, ""},
		{"headers and reply-to", `{"from":"a@example.com","to":"b@example.org","reply-to":"r@example.org","header":["X-Tag: 1"],"8bit":true}`, domain.KindUnknown, ""},
		{"not JSON", `{"from":`, domain.KindInvalidInput, "not a JSON email object"},
		{"unknown field", `{"from":"a@example.com","to":"b@example.org","sender":"x"}`, domain.KindInvalidInput, `unknown field "sender"`},
		{"text after the object", `{"from":"a@example.com","to":"b@example.org"} {}`, domain.KindInvalidInput, "text after"},
		{"a number for a list", `{"from":"a@example.com","to":5}`, domain.KindInvalidInput, "list of strings"},
		{"no from", `{"to":"b@example.org"}`, domain.KindInvalidInput, "from is required"},
		{"no recipient", `{"from":"a@example.com"}`, domain.KindInvalidInput, "at least one to, cc or bcc"},
		{"text and text-file", `{"from":"a@example.com","to":"b@example.org","text":"x","text-file":"y"}`, domain.KindInvalidInput, "text and text-file"},
		{"8bit disagrees with --8bit", `{"from":"a@example.com","to":"b@example.org","8bit":false}`, domain.KindInvalidInput, "--8bit is true"},
		{"bad header", `{"from":"a@example.com","to":"b@example.org","header":"no colon"}`, domain.KindInvalidHeader, ""},
		{"injected subject", `{"from":"a@example.com","to":"b@example.org","subject":"x\r\nBcc: e@example.net"}`, domain.KindInvalidHeader, ""},
		{"missing attachment", `{"from":"a@example.com","to":"b@example.org","attach":"/nonexistent/file"}`, domain.KindAttachment, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, err := readBatch(strings.NewReader("\n  \n"+tt.give+"\n\n"), true)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) != 1 || jobs[0].line != 3 {
				t.Fatalf("jobs = %+v; want one, for line 3", jobs)
			}
			j := jobs[0]
			if tt.wantKind == domain.KindUnknown {
				if j.err != nil || j.email == nil {
					t.Fatalf("err = %v; want an email", j.err)
				}
				return
			}
			if k := domain.KindOf(j.err); k != tt.wantKind || j.email != nil {
				t.Fatalf("kind %v (err %v); want %v", k, j.err, tt.wantKind)
			}
			if !strings.Contains(j.err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", j.err, tt.wantErr)
			}
			if exitCode(j.err) != exitDataErr {
				t.Errorf("exit code %d, want %d", exitCode(j.err), exitDataErr)
			}
		})
	}
}

func TestReadLongLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 200)
	br := bufio.NewReaderSize(strings.NewReader("short\r\n"+long+"\nlast"), 16)
	var got []string
	var tooLong []bool
	for {
		line, tl, err := readLongLine(br, 100)
		got, tooLong = append(got, string(line)), append(tooLong, tl)
		if err != nil {
			break
		}
	}
	if !slices.Equal(got, []string{"short", "", "last"}) || !slices.Equal(tooLong, []bool{false, true, false}) {
		t.Errorf("lines %q, too long %v", got, tooLong)
	}
}

// fakeSender records the emails it is asked to send.
type fakeSender struct {
	mu   sync.Mutex
	sent []string
}

func (f *fakeSender) Send(_ context.Context, e *domain.Email) (*domain.SendResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, e.Subject)
	return &domain.SendResult{MessageID: "id", Accepted: []string{"b@example.org"}}, nil
}

func TestSendBatchAfterStopStartsNothing(t *testing.T) {
	t.Parallel()
	jobs, err := readBatch(strings.NewReader(strings.Join(goodLines(3), "\n")+"\n{"), true)
	if err != nil {
		t.Fatal(err)
	}
	stop, cancel := context.WithCancel(context.Background())
	cancel()
	var s fakeSender
	var got []batchOutcome
	sendBatch(stop, &s, jobs, 2, 0, func(o batchOutcome) { got = append(got, o) })
	if len(s.sent) != 0 {
		t.Errorf("sent %v after the stop", s.sent)
	}
	if len(got) != 4 || domain.KindOf(got[0].err) != domain.KindInvalidInput || got[0].line != 4 {
		t.Fatalf("outcomes %+v; want the bad line 4 first, then 3 more", got)
	}
	for _, o := range got[1:] {
		if domain.KindOf(o.err) != domain.KindCancelled || o.exitCode() != exitTempFail {
			t.Errorf("line %d: %v; want cancelled (75)", o.line, o.err)
		}
	}
}

func TestSendBatchSendsEveryValidLineOnce(t *testing.T) {
	t.Parallel()
	jobs, err := readBatch(strings.NewReader(strings.Join(goodLines(30), "\n")), true)
	if err != nil {
		t.Fatal(err)
	}
	var s fakeSender
	lines := map[int]int{}
	sendBatch(context.Background(), &s, jobs, 4, 0, func(o batchOutcome) { lines[o.line]++ })
	if len(s.sent) != 30 || len(lines) != 30 {
		t.Fatalf("sent %d, reported %d lines; want 30 and 30", len(s.sent), len(lines))
	}
	for l, n := range lines {
		if n != 1 {
			t.Errorf("line %d reported %d times", l, n)
		}
	}
}

func TestWorseExit(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b, want int }{
		{exitOK, exitDataErr, exitDataErr},
		{exitDataErr, exitUnavailable, exitUnavailable},
		{exitTempFail, exitUnavailable, exitTempFail},
		{exitNoPerm, exitTempFail, exitNoPerm},
		{exitConfig, exitProtocol, exitConfig},
		{exitSoftware, exitConfig, exitSoftware},
	}
	for _, tt := range tests {
		if got := worseExit(tt.a, tt.b); got != tt.want {
			t.Errorf("worseExit(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := worseExit(tt.b, tt.a); got != tt.want {
			t.Errorf("worseExit(%d, %d) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestPlainProgressEveryTenth(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := newProgress(&b, 20, false)
	for range 20 {
		p.add(1)
	}
	p.finish()
	if n := strings.Count(b.String(), "\n"); n != 10 {
		t.Errorf("%d progress lines, want 10:\n%s", n, b.String())
	}
	if !strings.HasSuffix(b.String(), "batch: 20 of 20 done (100%)\n") {
		t.Errorf("last line is not 100%%:\n%s", b.String())
	}
	empty := newProgress(&b, 0, false)
	empty.add(1) // no division by zero
}

func TestBarProgressPrintsLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := newProgress(&b, 3, true)
	p.add(1)
	p.println("smtpctl batch: line 2: failed")
	p.add(2)
	p.finish()
	if !strings.Contains(b.String(), "smtpctl batch: line 2: failed\n") {
		t.Errorf("bar output lacks the printed line:\n%q", b.String())
	}
}
