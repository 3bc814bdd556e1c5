//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/adapters/ratelimit/ratelimittest"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// redisKey returns a quota key no other test or run uses.
func redisKey(t *testing.T) string { return unique(t) }

// TestRedisLimiterContract runs the rate-limiter contract against the
// servers' Redis (SMTP_TEST_REDIS_URL), and the in-memory limiter's
// decisions next to the Redis limiter's for one sequence of calls.
func TestRedisLimiterContract(t *testing.T) {
	url := env(t, "SMTP_TEST_REDIS_URL")
	newLimiter := func(t *testing.T, cfg ratelimit.Config) ports.RateLimiter {
		l, err := redislimit.New(cfg, redislimit.Config{URL: redislimit.URL(url), Key: redisKey(t), Timeout: 2 * time.Second})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() { _ = l.Close() })
		return l
	}
	t.Run("contract", func(t *testing.T) { ratelimittest.Contract(t, newLimiter) })
	t.Run("same decisions as in memory", func(t *testing.T) {
		cfg := ratelimit.Config{MaxEmails: 3, MaxConnections: 2, Window: time.Hour}
		mem, err := ratelimit.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		red := newLimiter(t, cfg)
		steps := []ports.Quota{0, 0, 1, 0, 0, 1, 1, 0, 1, 0}
		var got [2]string
		for i, l := range []ports.RateLimiter{mem, red} {
			for _, q := range steps {
				switch err := l.Acquire(context.Background(), q); {
				case err == nil:
					got[i] += "+"
				case domain.KindOf(err) == domain.KindLocalRateLimit:
					got[i] += "-"
				default:
					t.Fatalf("Acquire: %v", err)
				}
			}
		}
		if got[0] != got[1] || got[0] != "++++-+---"+"-" {
			t.Fatalf("in-memory %q, redis %q; want both ++++-+----", got[0], got[1])
		}
	})
}

// buildSmtpctl builds cmd/smtpctl into dir and returns its path.
func buildSmtpctl(t *testing.T, dir string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(dir, "smtpctl")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/smtpctl")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build smtpctl: %v\n%s", err, out)
	}
	return bin
}

// result is one --json report line of smtpctl batch, with the time the
// test read it.
type result struct {
	Type      string `json:"type"`
	ExitCode  int    `json:"exit_code"`
	ErrorKind string `json:"error_kind"`
	Error     string `json:"error"`
	at        time.Time
}

// runBatches starts procs smtpctl batch processes at once, each sending
// perProc emails whose subject holds marker, and returns every result line
// stamped with the time it was read (the process writes it as the email
// ends).
func runBatches(t *testing.T, bin, marker string, procs, perProc int, args ...string) []result {
	t.Helper()
	dir := t.TempDir()
	var cmds []*exec.Cmd
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	host, port := hostPort(t, "POSTFIX_PLAIN_ADDR")
	for p := range procs {
		var lines strings.Builder
		for n := range perProc {
			fmt.Fprintf(&lines, `{"from":"sender@example.test","to":"rcpt@example.test","subject":"%s p%d n%d","text":"shared quota"}`+"\n", marker, p, n)
		}
		file := filepath.Join(dir, fmt.Sprintf("batch-%d.jsonl", p))
		if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, append([]string{"batch", "--host", host, "--port", fmt.Sprint(port), "--tls", "none",
			"--helo-name", "client.example.test", "--file", file, "--json", "--connections", "5"}, args...)...)
		// A decision's round trip to Redis may wait well beyond the default
		// 250 ms on a loaded machine; what is tested here is the shared
		// quota, not that timeout (TestRedisStoppedMidRun tests that). The
		// timeout goes with the URL in the environment (the flag still
		// names the same URL).
		cmd.Env = os.Environ()
		if i := slices.Index(args, "--rate-limit-redis"); i >= 0 && i+1 < len(args) {
			cmd.Env = append(cmd.Env, "SMTP_RATE_LIMIT_REDIS_URL="+args[i+1], "SMTP_RATE_LIMIT_REDIS_TIMEOUT=5s")
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var r result
				if json.Unmarshal(sc.Bytes(), &r) == nil && r.Type == "result" {
					r.at = time.Now()
					mu.Lock()
					results = append(results, r)
					mu.Unlock()
				}
			}
		}()
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("process %d stderr (tail):\n%s", p, tail(stderr.String(), 1500))
			}
		})
	}
	for _, c := range cmds { // all at once
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for _, c := range cmds {
		_ = c.Wait() // exit 75 when some were refused; the results say why
	}
	if len(results) != procs*perProc {
		t.Fatalf("%d result lines, want %d", len(results), procs*perProc)
	}
	slices.SortFunc(results, func(a, b result) int { return a.at.Compare(b.at) })
	return results
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// postfixCount waits until Postfix has delivered want messages whose header
// holds marker, then a little longer for any surplus, and returns the count.
func postfixCount(t *testing.T, marker string, want int) int {
	t.Helper()
	dir := env(t, "POSTFIX_MAILDIR")
	count := func() int {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		n := 0
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil && strings.Contains(string(headerOf(data)), marker) {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(90 * time.Second)
	for count() < want && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a surplus would be delivered by now
	return count()
}

// TestRedisSharedQuotaFourProcesses: four smtpctl batch processes, started
// at once, share a quota of 100 emails a minute through the servers' Redis
// and send through the real Postfix.
func TestRedisSharedQuotaFourProcesses(t *testing.T) {
	redisURL := env(t, "SMTP_TEST_REDIS_URL")
	bin := buildSmtpctl(t, t.TempDir())
	const procs, quota = 4, 100
	window := time.Minute

	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		marker := unique(t)
		start := time.Now()
		results := runBatches(t, bin, marker, procs, 100, "--rate-limit", "100/1m", "--rate-limit-redis", redisURL,
			"--rate-limit-key", marker, "--timeout", "2m")
		elapsed := time.Since(start)
		sent, refused := 0, 0
		for _, r := range results {
			switch {
			case r.ExitCode == 0:
				sent++
			case r.ErrorKind == domain.KindLocalRateLimit.String():
				refused++
			default:
				t.Errorf("an email failed otherwise: %s (%s)", r.ErrorKind, r.Error)
			}
		}
		delivered := postfixCount(t, marker, sent)
		t.Logf("reject: %d processes tried %d emails in %v: %d sent, %d refused (local_rate_limit_exceeded); Postfix delivered %d",
			procs, len(results), elapsed.Round(time.Millisecond), sent, refused, delivered)
		if elapsed >= window {
			t.Fatalf("the run took %v, longer than the window: the count proves nothing", elapsed)
		}
		if sent != quota || refused != len(results)-quota || delivered != quota {
			t.Fatalf("sent %d, refused %d, delivered %d; want %d sent and delivered (the algorithm has no tolerance), the rest refused",
				sent, refused, delivered, quota)
		}
	})

	t.Run("wait", func(t *testing.T) {
		t.Parallel()
		marker := unique(t)
		const perProc = 50 // 200 emails: 100 in the first window, 100 in the next
		start := time.Now()
		results := runBatches(t, bin, marker, procs, perProc, "--rate-limit", "100/1m", "--on-limit", "wait",
			"--rate-limit-redis", redisURL, "--rate-limit-key", marker, "--timeout", "4m")
		for _, r := range results {
			if r.ExitCode != 0 {
				t.Fatalf("with wait every email is sent; one failed: %s (%s)", r.ErrorKind, r.Error)
			}
		}
		// Redis grants the 101st permit a window after the first, and the
		// first after start: nothing past the quota is done before
		// start+window. Any 101 consecutive acceptances span a window too,
		// less the time a send takes after its permit (10 s is plenty).
		const slack = 10 * time.Second
		inWindow := 0
		for _, r := range results {
			if r.at.Sub(start) < window {
				inWindow++
			}
		}
		minSpan := time.Duration(1 << 62)
		for i := 0; i+quota < len(results); i++ {
			minSpan = min(minSpan, results[i+quota].at.Sub(results[i].at))
		}
		delivered := postfixCount(t, marker, len(results))
		first, last := results[quota-1].at.Sub(start), results[len(results)-1].at.Sub(start)
		t.Logf("wait: %d emails from %d processes: %d done within the first %v (the %dth after %v), the last after %v; shortest span of %d+1 consecutive acceptances %v; Postfix delivered %d",
			len(results), procs, inWindow, window, quota, first.Round(time.Millisecond), last.Round(time.Millisecond),
			quota, minSpan.Round(time.Millisecond), delivered)
		if inWindow > quota || minSpan < window-slack || delivered != len(results) {
			t.Fatalf("%d done in the first window (want at most %d), shortest span %v (want at least %v), delivered %d of %d",
				inWindow, quota, minSpan, window-slack, delivered, len(results))
		}
		if inWindow < quota/2 {
			t.Fatalf("only %d done in the first window: the quota was not used", inWindow)
		}
	})
}
