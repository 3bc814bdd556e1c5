package fault

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// config is a plain (no TLS, no AUTH) configuration for host:port with a
// pool of size sessions, no MinIdle, no health checks, attempts tries
// (a few milliseconds apart) and no circuit breaker.
func config(host string, port, size, attempts int) bootstrap.Config {
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port = host, port
	cfg.TLSMode = tcp.TLSNone
	cfg.LocalName = "client.example.test"
	cfg.Pool = pool.Config{MaxConnections: size, MinIdle: -1, HealthCheckInterval: -1, AcquireTimeout: time.Minute, IdleTimeout: 5 * time.Minute}
	cfg.Retry = application.RetryPolicy{MaxAttempts: attempts, InitialDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Multiplier: 2}
	cfg.CircuitBreaker.Disabled = true
	cfg.Timeouts = tcp.Timeouts{Connect: 30 * time.Second, Greeting: time.Minute, Command: time.Minute, Mail: time.Minute,
		Rcpt: time.Minute, DataInit: time.Minute, DataBlock: time.Minute, DataTerm: time.Minute}
	return cfg
}

// newClient returns a client for cfg. The test closes it itself (to check
// Close); a cleanup closes it too when the test stops early.
func newClient(t *testing.T, cfg bootstrap.Config, opts ...bootstrap.ClientOption) *application.Client {
	t.Helper()
	c, err := bootstrap.NewClient(cfg, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// closeClient closes c, failing the test if that takes more than 30 s.
func closeClient(t *testing.T, c *application.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// email is a one-recipient message whose Message-ID is id.
func email(t *testing.T, id string) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("sender@example.test").To("rcpt@example.test").
		Subject("fault " + id).Text("fault injection test\n").MessageID(id).Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// messageID returns the Message-ID of a stored message, without angle
// brackets, or "".
func messageID(data []byte) string {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(name), "Message-ID") {
			return strings.Trim(strings.TrimSpace(string(value)), "<>")
		}
	}
	return ""
}

// stored counts the messages srv accepted by Message-ID.
func stored(srv *smtptest.Server) map[string]int {
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[messageID(m.Data)]++
	}
	return got
}

// runs numbers the runs of sendConcurrently, to keep their IDs apart.
var runs atomic.Int64

// ledger is what a run of many concurrent sends produced.
type ledger struct {
	suffix string // every ID of the run ends with it
	ids    []string
	res    []*domain.SendResult
	errs   []error
	took   time.Duration
}

// sendConcurrently sends n emails with unique Message-IDs from workers
// goroutines through c. After faultAt outcomes (never when faultAt is 0) it
// runs fault on a goroutine of its own while the sends go on, and waits for
// it before returning.
func sendConcurrently(t *testing.T, c *application.Client, n, workers, faultAt int, fault func()) *ledger {
	t.Helper()
	l := &ledger{ids: make([]string, n), res: make([]*domain.SendResult, n), errs: make([]error, n),
		suffix: fmt.Sprintf(".%d.%s@example.test", runs.Add(1), strings.ReplaceAll(t.Name(), "/", "."))}
	emails := make([]*domain.Email, n)
	for i := range n {
		l.ids[i] = fmt.Sprintf("m%04d%s", i, l.suffix)
		emails[i] = email(t, l.ids[i])
	}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	trigger, faulted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(faulted)
		<-trigger
		if fault != nil && faultAt > 0 {
			fault()
		}
	}()
	var finished atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				l.res[i], l.errs[i] = c.Send(ctx, emails[i])
				cancel()
				if finished.Add(1) == int64(faultAt) {
					once.Do(func() { close(trigger) })
				}
			}
		}()
	}
	wg.Wait()
	l.took = time.Since(start)
	once.Do(func() { close(trigger) })
	<-faulted
	return l
}

// outcomes sorts the IDs by outcome and checks that each email has exactly
// one: accepted (no error, its recipient accepted), failed with a
// classified *domain.Error, or delivery status unknown.
func (l *ledger) outcomes(t *testing.T) (accepted, failed, unknown []string, kinds map[string]int) {
	t.Helper()
	kinds = map[string]int{}
	for i, id := range l.ids {
		res, err := l.res[i], l.errs[i]
		e := domain.AsError(err)
		switch {
		case err == nil && res != nil && res.MessageID == id && len(res.Accepted) == 1:
			accepted = append(accepted, id)
		case err == nil:
			t.Errorf("%s: no error but result %+v", id, res)
		case e == nil || e.Kind == domain.KindUnknown:
			t.Errorf("%s: error %v (%T) is not a classified *domain.Error", id, err, err)
		case res != nil && len(res.Accepted) > 0:
			t.Errorf("%s: both accepted %v and failed: %v", id, res.Accepted, err)
		case domain.IsDeliveryUnknown(err):
			unknown = append(unknown, id)
		default:
			failed = append(failed, id)
			kinds[e.Kind.String()]++
		}
	}
	return accepted, failed, unknown, kinds
}

// audit checks what the server stored (got, by Message-ID) against the
// outcomes of the run: every accepted email once, no failed one, an
// unknown one at most once, nothing else of the run. Close the server
// first, so that no transaction is still being stored. It returns how many
// unknown ones the server has.
func (l *ledger) audit(t *testing.T, got map[string]int, accepted, failed, unknown []string) (unknownStored int) {
	t.Helper()
	known := make(map[string]bool, len(l.ids))
	for _, id := range l.ids {
		known[id] = true
	}
	for id, n := range got {
		switch {
		case !strings.HasSuffix(id, l.suffix):
			// another run's
		case !known[id]:
			t.Errorf("the server stored %q, which this run never sent", id)
		case n > 1:
			t.Errorf("%s stored %d times: sent twice", id, n)
		}
	}
	for _, id := range accepted {
		if got[id] == 0 {
			t.Errorf("%s accepted but not stored", id)
		}
	}
	for i, id := range l.ids {
		if slices.Contains(failed, id) && got[id] > 0 {
			t.Errorf("%s failed (%v) but the server stored it", id, l.errs[i])
		}
	}
	for _, id := range unknown {
		if got[id] > 0 {
			unknownStored++
		}
	}
	return unknownStored
}

// summary formats failure kinds as "kind=n, ...", sorted.
func summary(kinds map[string]int) string {
	var parts []string
	for k, n := range kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// lines counts the transcript lines a client received that start with a
// prefix ("220 ", "421 "): it is a ports.Transcript.
type lines struct {
	mu sync.Mutex
	n  map[string]int
}

func newLines() *lines { return &lines{n: map[string]int{}} }

func (l *lines) Line(sent bool, line string) {
	if sent || len(line) < 4 {
		return
	}
	l.mu.Lock()
	l.n[line[:4]]++
	l.mu.Unlock()
}

func (l *lines) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[prefix]
}
