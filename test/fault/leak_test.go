package fault

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// After a run through every fault at once (421s, slow final replies, every
// connection cut mid-run, retries, coalescing), Close leaves no goroutine
// of the client behind. The server is still running, so a client
// goroutine stuck on one of its connections would show.
func TestNoGoroutineOutlivesCloseAfterAFaultyRun(t *testing.T) {
	srv := smtptest.Start(t)
	p := startProxy(t, srv.Addr())
	before := goleak.IgnoreCurrent()
	srv.FailTimes("MAIL", 10, 421, "4.3.2 Service shutting down")
	srv.Delay("DATA", 2*time.Millisecond)
	host, port := p.hostPort()
	c := newClient(t, config(host, port, 4, 3))
	l := sendConcurrently(t, c, 300, 16, 100, func() {
		p.kill()
		time.Sleep(100 * time.Millisecond)
		p.resume()
	})
	closeClient(t, c)
	goleak.VerifyNone(t, before)

	accepted, failed, unknown, _ := l.outcomes(t)
	p.close()
	srv.Close()
	l.audit(t, stored(srv), accepted, failed, unknown)
}

// Close called while 32 callers are sending to a slow server waits for
// them; calls that begin after it fail with ErrClosed; every email has one
// outcome, and nothing of the client outlives Close.
func TestNoGoroutineOutlivesCloseDuringSends(t *testing.T) {
	srv := smtptest.Start(t)
	before := goleak.IgnoreCurrent()
	srv.Delay("DATA", 20*time.Millisecond)
	c := newClient(t, config(srv.Host(), srv.Port(), 4, 3))
	closed := make(chan error, 1)
	l := sendConcurrently(t, c, 256, 32, 20, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		closed <- c.Close(ctx)
	})
	if err := <-closed; err != nil {
		t.Errorf("Close during the sends: %v", err)
	}
	goleak.VerifyNone(t, before)

	accepted, failed, unknown, _ := l.outcomes(t)
	for _, err := range l.errs {
		if err != nil && !errors.Is(err, application.ErrClosed) {
			t.Errorf("a send failed with %v; want only ErrClosed", err)
		}
	}
	if len(unknown) != 0 || len(accepted) < 20 || len(failed) == 0 {
		t.Errorf("accepted %d, failed %d, unknown %d; want the first 20 or more accepted, later ones refused", len(accepted), len(failed), len(unknown))
	}
	srv.Close()
	l.audit(t, stored(srv), accepted, failed, unknown)
}

// A Close whose context ends while a send is still waiting for the slow
// server returns an error and leaves the send alone; a second Close waits
// for it to finish, and then nothing of the client is left.
func TestASecondCloseFinishesWhatATimedOutOneLeft(t *testing.T) {
	srv := smtptest.Start(t)
	before := goleak.IgnoreCurrent()
	srv.Delay("DATA", 2*time.Second)
	c := newClient(t, config(srv.Host(), srv.Port(), 1, 1))
	sent := make(chan error, 1)
	go func() {
		_, err := c.Send(context.Background(), email(t, "slow@example.test"))
		sent <- err
	}()
	awaitVerb(t, srv, "DATA")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := c.Close(ctx)
	cancel()
	if k := domain.KindOf(err); k != domain.KindCancelled && k != domain.KindTimeout {
		t.Fatalf("Close with a 50ms deadline during a 2s reply = %v; want a cancelled or timed-out error", err)
	}
	closeClient(t, c)
	if err := <-sent; err != nil {
		t.Errorf("the send that Close waited for: %v", err)
	}
	goleak.VerifyNone(t, before)
	srv.Close()
	if got := stored(srv); got["slow@example.test"] != 1 {
		t.Errorf("stored %v; want the slow message once", got)
	}
}
