package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/adapters/ratelimit/ratelimittest"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/ratelimit/redis/redistest"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// newServer starts a redis-server of the test's own.
func newServer(t *testing.T) *redistest.Server { return redistest.Start(t, "") }

// uniqueKey returns a quota key no other test uses.
func uniqueKey(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + "-" + hex.EncodeToString(b[:])
}

// limiterFor returns a Redis limiter for cfg on srv with a fresh key.
func limiterFor(t *testing.T, srv *redistest.Server, cfg ratelimit.Config, shared *redislimit.Config, opts ...redislimit.Option) *redislimit.Limiter {
	t.Helper()
	r := redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t), Timeout: 2 * time.Second}
	if shared != nil {
		r = *shared
	}
	l, err := redislimit.New(cfg, r, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func TestContract(t *testing.T) {
	srv := newServer(t)
	t.Run("contract", func(t *testing.T) {
		ratelimittest.Contract(t, func(t *testing.T, cfg ratelimit.Config) ports.RateLimiter {
			return limiterFor(t, srv, cfg, nil)
		})
	})
}

// decisions runs steps against l and returns "+" for a permit and "-" for
// a refusal, one a step; a step "wait" sleeps.
func decisions(t *testing.T, l ports.RateLimiter, steps []string, pause time.Duration) string {
	t.Helper()
	var out strings.Builder
	for _, s := range steps {
		var q ports.Quota
		switch s {
		case "wait":
			time.Sleep(pause)
			out.WriteString(" ")
			continue
		case "e":
			q = ports.QuotaEmails
		case "c":
			q = ports.QuotaConnections
		}
		err := l.Acquire(context.Background(), q)
		switch {
		case err == nil:
			out.WriteString("+")
		case domain.KindOf(err) == domain.KindLocalRateLimit:
			out.WriteString("-")
		default:
			t.Fatalf("Acquire(%v): %v", q, err)
		}
	}
	return out.String()
}

// TestSameDecisionsAsInMemory runs one sequence of calls against the
// in-memory limiter and the Redis limiter and wants the same decisions.
func TestSameDecisionsAsInMemory(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name  string
		cfg   ratelimit.Config
		steps string
		pause time.Duration
		want  string
	}{
		{name: "emails and connections", cfg: ratelimit.Config{MaxEmails: 3, MaxConnections: 2, Window: time.Hour},
			steps: "e e c e e c c e c", want: "++++-+---"},
		{name: "emails only", cfg: ratelimit.Config{MaxEmails: 2, Window: time.Hour},
			steps: "c c c e e e c e", want: "+++++-+-"},
		{name: "a new window", cfg: ratelimit.Config{MaxEmails: 2, Window: 1500 * time.Millisecond},
			steps: "e e e wait e e e", pause: 2 * time.Second, want: "++- ++-"},
		{name: "wait with a short timeout", cfg: ratelimit.Config{MaxEmails: 1, Window: time.Hour,
			OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: 20 * time.Millisecond},
			steps: "e e c e", want: "+-+-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			steps := strings.Fields(strings.ReplaceAll(tt.steps, "wait", "_"))
			for i, s := range steps {
				if s == "_" {
					steps[i] = "wait"
				}
			}
			mem, err := ratelimit.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			red := limiterFor(t, srv, tt.cfg, nil)
			var got [2]string
			var wg sync.WaitGroup
			for i, l := range []ports.RateLimiter{mem, red} {
				wg.Go(func() { got[i] = decisions(t, l, steps, tt.pause) })
			}
			wg.Wait()
			if got[0] != tt.want || got[1] != tt.want {
				t.Fatalf("in-memory %q, redis %q; want both %q", got[0], got[1], tt.want)
			}
		})
	}
}

// TestKeysShareAndSeparate: two limiters with one key share the quota;
// another key has its own.
func TestKeysShareAndSeparate(t *testing.T) {
	srv := newServer(t)
	cfg := ratelimit.Config{MaxEmails: 3, Window: time.Hour}
	r := redislimit.Config{URL: redislimit.URL(srv.URL()), Key: uniqueKey(t)}
	a, b := limiterFor(t, srv, cfg, &r), limiterFor(t, srv, cfg, &r)
	other := r
	other.Key += "-other"
	c := limiterFor(t, srv, cfg, &other)
	if got := decisions(t, a, []string{"e", "e"}, 0) + decisions(t, b, []string{"e", "e"}, 0) + decisions(t, a, []string{"e"}, 0); got != "+++--" {
		t.Fatalf("two limiters of one key: %q, want +++--", got)
	}
	if got := decisions(t, c, []string{"e", "e", "e", "e"}, 0); got != "+++-" {
		t.Fatalf("another key: %q, want +++-", got)
	}
}

// TestSlidingWindow: the log frees each slot one window after its permit,
// not all at once: RetryAfter points at the oldest permit's expiry.
func TestSlidingWindow(t *testing.T) {
	srv := newServer(t)
	window := 2 * time.Second
	l := limiterFor(t, srv, ratelimit.Config{MaxEmails: 2, Window: window}, nil)
	start := time.Now()
	mustPass(t, l)
	time.Sleep(window / 2)
	mustPass(t, l)
	err := l.Acquire(context.Background(), ports.QuotaEmails)
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindLocalRateLimit {
		t.Fatalf("third: %v, want a refusal", err)
	}
	// The first permit leaves the window at start+window.
	if wantMax := window - time.Since(start) + 50*time.Millisecond; de.RetryAfter <= 0 || de.RetryAfter > wantMax {
		t.Fatalf("RetryAfter %v, want in (0, %v]", de.RetryAfter, wantMax)
	}
	time.Sleep(de.RetryAfter + 50*time.Millisecond)
	mustPass(t, l)
	if err := l.Acquire(context.Background(), ports.QuotaEmails); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("after one slot freed, the next: %v, want a refusal (the second permit is still in the window)", err)
	}
}

func mustPass(t *testing.T, l ports.RateLimiter) {
	t.Helper()
	if err := l.Acquire(context.Background(), ports.QuotaEmails); err != nil {
		t.Fatalf("Acquire: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	const pw = "Sup3r-s3cret"
	ok := redislimit.Config{URL: "redis://127.0.0.1:1/0"}
	tests := []struct {
		name   string
		cfg    ratelimit.Config
		shared redislimit.Config
	}{
		{"no redis", ratelimit.Config{MaxEmails: 1, Window: time.Second}, redislimit.Config{}},
		{"no emails", ratelimit.Config{Window: time.Second}, ok},
		{"negative connections", ratelimit.Config{MaxEmails: 1, Window: time.Second, MaxConnections: -1}, ok},
		{"wait timeout", ratelimit.Config{MaxEmails: 1, Window: time.Second, OnLimit: ratelimit.WaitWithTimeout}, ok},
		{"behaviour", ratelimit.Config{MaxEmails: 1, Window: time.Second, OnLimit: 9}, ok},
		{"bad url", ratelimit.Config{MaxEmails: 1, Window: time.Second},
			redislimit.Config{URL: redislimit.URL("redis://u:" + pw + " @h")}},
		{"scheme", ratelimit.Config{MaxEmails: 1, Window: time.Second},
			redislimit.Config{URL: redislimit.URL("http://u:" + pw + "@h")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := redislimit.New(tt.cfg, tt.shared)
			if err == nil {
				_ = l.Close()
				t.Fatal("New: nil error")
			}
			if !errors.Is(err, domain.KindInvalidInput) || strings.Contains(err.Error(), pw) {
				t.Fatalf("New: %v, want invalid input without the password", err)
			}
		})
	}
}

// logRecorder is a ports.Logger that keeps the messages of each level.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) add(level, msg string, kv []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, level+" "+msg+" "+fmt.Sprint(kv...))
}
func (r *logRecorder) Debugw(msg string, kv ...any) { r.add("DEBUG", msg, kv) }
func (r *logRecorder) Infow(msg string, kv ...any)  { r.add("INFO", msg, kv) }
func (r *logRecorder) Warnw(msg string, kv ...any)  { r.add("WARN", msg, kv) }
func (r *logRecorder) Errorw(msg string, kv ...any) { r.add("ERROR", msg, kv) }

func (r *logRecorder) count(level string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, l := range r.lines {
		if strings.HasPrefix(l, level+" ") {
			n++
		}
	}
	return n
}

func (r *logRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// rateLimited counts Telemetry.RateLimited and RateLimitFailOpen calls.
type rateLimited struct {
	ports.NopTelemetry
	mu       sync.Mutex
	n        int
	failOpen int
}

func (r *rateLimited) RateLimitFailOpen(context.Context, ports.Quota) {
	r.mu.Lock()
	r.failOpen++
	r.mu.Unlock()
}

func (r *rateLimited) failOpens() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failOpen
}

func (r *rateLimited) RateLimited(context.Context, ports.Quota) {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
}

func (r *rateLimited) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}
