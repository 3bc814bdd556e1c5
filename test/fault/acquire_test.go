package fault

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// awaitVerb waits until srv has read a command with verb, failing the test
// after a minute.
func awaitVerb(t *testing.T, srv *smtptest.Server, verb string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if slices.Contains(srv.Verbs(), verb) {
			return
		}
	}
	t.Fatalf("the server never read %s; commands %v", verb, srv.Verbs())
}

// The only session of a pool of one is busy with a message the server is
// slow to take; a second send waits AcquireTimeout (200 ms) for it and
// fails with KindAcquireTimeout without reaching the server.
// The first message is unaffected.
func TestASendFindingThePoolBusyFailsWithAcquireTimeout(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Delay("DATA", 5*time.Second) // the final reply to the first message
	cfg := config(srv.Host(), srv.Port(), 1, 3)
	cfg.Pool.AcquireTimeout = 200 * time.Millisecond
	c := newClient(t, cfg)

	type outcome struct {
		res *domain.SendResult
		err error
	}
	first := make(chan outcome, 1)
	go func() {
		res, err := c.Send(context.Background(), email(t, "first@example.test"))
		first <- outcome{res, err}
	}()
	awaitVerb(t, srv, "DATA") // the first message holds the session now

	start := time.Now()
	_, err := c.Send(context.Background(), email(t, "second@example.test"))
	waited := time.Since(start)
	if domain.KindOf(err) != domain.KindAcquireTimeout {
		t.Fatalf("second Send = %v; want KindAcquireTimeout", err)
	}
	if waited < 200*time.Millisecond {
		t.Errorf("second Send failed after %s, before the 200ms AcquireTimeout", waited)
	}

	got := <-first
	if got.err != nil || len(got.res.Accepted) != 1 {
		t.Fatalf("first Send = %+v, %v; want it accepted", got.res, got.err)
	}
	closeClient(t, c)
	srv.Close()
	if n := verbCount(srv, "MAIL"); n != 1 {
		t.Errorf("the server read %d MAIL commands; want only the first message's", n)
	}
	if ids := stored(srv); len(ids) != 1 || ids["first@example.test"] != 1 {
		t.Errorf("stored %v; want only the first message", ids)
	}
}
