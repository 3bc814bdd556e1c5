package review_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/smtptest"
)

// The breaker counts "the server is unwell" failures; a wait for a busy
// pool that runs out (KindAcquireTimeout) is deliberately not one. But a
// caller whose own deadline ends while it waits for a pooled session gets
// KindTimeout, which the breaker counts: five callers with short deadlines
// behind one slow message open the circuit (default threshold, 5 a
// minute), and every send is then refused for RecoveryTimeout although the
// server failed nothing.
func TestCallersTimingOutInThePoolQueueDoNotOpenTheBreaker(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := config(srv, 1, 1)
	cfg.CircuitBreaker = application.BreakerConfig{} // enabled, 5 failures a minute
	c := newClient(t, cfg)
	srv.Delay("DATA", 3*time.Second) // the one session stays busy
	slow := make(chan error, 1)
	go func() {
		_, err := c.Send(context.Background(), message(t, id(0), "rcpt@example.test"))
		slow <- err
	}()
	waitFor(t, "the slow send to hold the session", func() bool { return c.PoolStatus().InUse == 1 })
	var wg sync.WaitGroup
	for i := 1; i <= 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := c.Send(ctx, message(t, id(i), "rcpt@example.test"))
			if err == nil {
				t.Errorf("send %d: no error; it should have run out of time behind the slow one", i)
			}
		}()
	}
	wg.Wait()
	if st := c.CircuitState(); st != application.CircuitClosed {
		t.Errorf("circuit %s after 5 callers ran out of time waiting for the pool; want closed: the server failed nothing", st)
	}
	if err := <-slow; err != nil {
		t.Fatalf("slow send: %v", err)
	}
	if _, err := c.Send(context.Background(), message(t, id(9), "rcpt@example.test")); err != nil {
		t.Errorf("a send after the slow one: %v; want it delivered", err)
	}
}

// waitFor polls ok until it holds, failing after a generous 10 s.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
