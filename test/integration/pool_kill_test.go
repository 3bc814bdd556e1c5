//go:build integration

package integration

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
)

// The size of the runs: 1,000 emails from 32 goroutines through a pool of
// 4 sessions, with the fault injected after 300 outcomes.
const (
	killEmails  = 1000
	killWorkers = 32
	killPool    = 4
	killAfter   = 300
)

// faultClient is a pooled client of the plain Postfix listener, without a
// circuit breaker, counting the sessions it opens. With attempts > 1 it
// retries transient failures (0.2 s doubling to 2 s: with 5 attempts, about
// 3 s, longer than the faults last).
func faultClient(t *testing.T, attempts int) (*application.Client, *greetings) {
	t.Helper()
	cfg := config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone)
	cfg.Pool = pool.Config{MaxConnections: killPool, MinIdle: -1, HealthCheckInterval: -1, AcquireTimeout: time.Minute, IdleTimeout: 5 * time.Minute}
	cfg.Retry = application.RetryPolicy{MaxAttempts: attempts, InitialDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, Multiplier: 2}
	cfg.CircuitBreaker.Disabled = true
	g := &greetings{}
	c, err := bootstrap.NewClient(cfg, bootstrap.WithTranscript(g))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c, g
}

// check audits a run and logs its figures.
func check(t *testing.T, c *application.Client, g *greetings, l *ledger, fault string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close after the run: %v", err)
	}
	accepted, failed, unknown, kinds := l.outcomes(t)
	if n := len(accepted) + len(failed) + len(unknown); n != len(l.ids) && !t.Failed() {
		t.Errorf("%d outcomes for %d emails", n, len(l.ids))
	}
	unknownReceived, redelivered := l.audit(t, accepted, failed, unknown)
	if g.n.Load() <= killPool && len(failed)+len(unknown) == 0 {
		t.Errorf("the client opened %d sessions and every send went through: the fault did not touch the run", g.n.Load())
	}
	t.Logf("%s after %d of %d emails (%d goroutines, pool of %d) in %s: accepted %d, failed %d {%s}, delivery unknown %d (%d of them received); %d sessions opened; %d files delivered again by Postfix",
		fault, killAfter, len(l.ids), killWorkers, killPool, l.took.Round(time.Millisecond),
		len(accepted), len(failed), summary(kinds), len(unknown), unknownReceived, g.n.Load(), redelivered)
}

// attemptCounts are the retry settings each fault runs with: with
// retries most sends get through, without them many fail, which checks
// that a failed send left nothing at the server.
var attemptCounts = []struct {
	name     string
	attempts int
}{{"5 attempts", 5}, {"1 attempt", 1}}

// The smtpd processes serving the pool's sessions are killed (SIGKILL) in
// the middle of the run: transactions die at every stage, and Postfix's
// master throttles the listener for service_throttle_time (2 s) when a
// process died on its first connection. Every email still has exactly one
// outcome, and Postfix holds every accepted one once and nothing that
// failed.
func TestPoolSurvivesPostfixSmtpdKilledInTheMiddleOf1000Emails(t *testing.T) {
	for _, tc := range attemptCounts {
		t.Run(tc.name, func(t *testing.T) {
			if os.Geteuid() != 0 {
				t.Fatal("finding and killing Postfix's smtpd processes needs root, as scripts/servers does")
			}
			_, port := hostPort(t, "POSTFIX_PLAIN_ADDR")
			c, g := faultClient(t, tc.attempts)
			var killed []int
			l := sendConcurrently(t, c, killEmails, killWorkers, killAfter, func() error {
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					pids, err := serversOfOurConnections(port, "smtpd")
					if err != nil {
						return err
					}
					if len(pids) > 0 {
						killed = pids
						return killAll(pids)
					}
				}
				return errors.New("found no smtpd serving this process's connections")
			})
			awaitGreeting(t, env(t, "POSTFIX_PLAIN_ADDR"), time.Minute)
			check(t, c, g, l, "smtpd killed")
			t.Logf("killed smtpd PIDs %v", killed)
		})
	}
}

// Postfix is stopped (every daemon ends; new connections are refused) and
// started again a second later, in the middle of the run.
func TestPoolSurvivesPostfixRestartInTheMiddleOf1000Emails(t *testing.T) {
	for _, tc := range attemptCounts {
		t.Run(tc.name, func(t *testing.T) {
			addr := env(t, "POSTFIX_PLAIN_ADDR")
			t.Cleanup(func() { // a failed test must not leave Postfix stopped
				if greeting(addr) != nil {
					_ = postfixRun("start")
				}
			})
			before := masterPID(t)
			c, g := faultClient(t, tc.attempts)
			var down time.Duration
			l := sendConcurrently(t, c, killEmails, killWorkers, killAfter, func() error {
				start := time.Now()
				if err := postfixRun("quick-stop"); err != nil {
					return err
				}
				time.Sleep(time.Second)
				err := postfixRun("start")
				down = time.Since(start)
				return err
			})
			awaitGreeting(t, addr, time.Minute)
			if after := masterPID(t); after == before {
				t.Errorf("the Postfix master is still PID %s: it was not restarted", after)
			}
			check(t, c, g, l, "Postfix restarted")
			t.Logf("Postfix was down for %s", down.Round(time.Millisecond))
		})
	}
}

// masterPID returns the PID in the Postfix master's pidfile.
func masterPID(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(env(t, "SMTP_TEST_DIR"), "postfix", "queue", "pid", "master.pid"))
	if err != nil {
		t.Fatalf("Postfix master pidfile: %v", err)
	}
	return strings.TrimSpace(string(b))
}
