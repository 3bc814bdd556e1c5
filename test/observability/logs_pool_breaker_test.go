package observability

import (
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// The pool's log lines show the error texts they carry through the
// address policy. The one this test reaches: a pooled session the server
// shuts (421, quoting an address) is replaced, and the pool logs why. The
// pool's other lines with an "error" field (a failed health check, a
// failed RSET, a failed QUIT) pass their texts the same way.
func TestPoolLogLinesFollowTheAddressPolicy(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	l := newLogs()
	c := newClient(t, plainConfig(srv), bootstrap.WithLogger(l.Logger))
	if _, err := send(c, message(t, "p1", "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	srv.FailTimes("MAIL", 1, 421, "4.3.2 Shutting down, alice@example.com")
	if _, err := send(c, message(t, "p2", "bob@example.org")); err != nil {
		t.Fatalf("send after a stale session: %v", err)
	}
	closeClient(t, c)
	const msg = "smtp pool: idle session went stale; replacing it"
	if len(l.entries(msg)) != 1 {
		t.Errorf("%d %q lines; want 1", len(l.entries(msg)), msg)
	}
	for _, line := range strings.Split(l.renderAll(t), "\n") {
		if strings.Contains(line, "example.com") || strings.Contains(line, "example.org") {
			t.Errorf("a log line shows a whole address under the local-part policy: %s", line)
		}
	}
}

// Every transition of the circuit breaker is logged at WARN (section
// 9.3.1: "WARN: circuit breaker state changes"): opened, half-open and
// closed.
func TestEveryBreakerTransitionIsAWarning(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.Retry.MaxAttempts = 1
	cfg.CircuitBreaker = application.BreakerConfig{FailureThreshold: 1, FailureWindow: time.Minute,
		RecoveryTimeout: 100 * time.Millisecond, SuccessThreshold: 1}
	l := newLogs()
	c := newClient(t, cfg, bootstrap.WithLogger(l.Logger))
	srv.FailTimes("MAIL", 1, 421, "4.3.2 Shutting down")
	if _, err := send(c, message(t, "b1", "bob@example.org")); domain.KindOf(err) != domain.KindServerShutdown {
		t.Fatalf("first send: %v", err)
	}
	if got := c.CircuitState(); got != application.CircuitOpen {
		t.Fatalf("circuit %s after the failure; want open", got)
	}
	// Past the recovery timeout a trial send goes through and closes it.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		_, err := send(c, message(t, "b2", "bob@example.org"))
		if err == nil {
			break
		}
		if domain.KindOf(err) != domain.KindCircuitOpen || time.Now().After(deadline) {
			t.Fatalf("trial send: %v", err)
		}
	}
	closeClient(t, c)
	var transitions []string
	for _, e := range l.obs.All() {
		if strings.HasPrefix(e.Message, "smtp circuit breaker") {
			transitions = append(transitions, e.Level.String()+" "+e.Message)
		}
	}
	want := []string{"warn smtp circuit breaker opened", "warn smtp circuit breaker half-open: trying the server", "warn smtp circuit breaker closed"}
	if strings.Join(transitions, "\n") != strings.Join(want, "\n") {
		t.Errorf("breaker transitions logged:\n%s\nwant\n%s", strings.Join(transitions, "\n"), strings.Join(want, "\n"))
	}
}
