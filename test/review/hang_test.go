package review_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// Coalesced callers with context.Background() behind a server that never
// answers the final dot: the group's context never ends, so only the
// session's own DataTerm timeout bounds the wait. Every caller returns
// delivery-unknown (or an error of a message never started), long before
// the server would answer, and nothing is sent twice.
func TestBackgroundCallersBehindAHungServerAreBoundedByTheStageTimeout(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Delay("DATA", time.Minute) // the verdict never comes in time
	cfg := config(srv, 1, 3)
	cfg.Timeouts.DataTerm = 500 * time.Millisecond
	c := newClient(t, cfg)
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Send(context.Background(), message(t, id(i), "rcpt@example.test"))
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(45 * time.Second):
		t.Fatalf("Send calls still blocked after 45 s; DataTerm is 500 ms")
	}
	t.Logf("all returned after %v", time.Since(start))
	for i, err := range errs {
		if err == nil {
			t.Errorf("send %d: no error; the server never answered", i)
		} else if !domain.IsDeliveryUnknown(err) {
			t.Logf("send %d: %v", i, err)
		}
	}
	srv.ClearFaults()
}
