package fault

import (
	"testing"
	"time"

	"github.com/integrations/smtp/smtptest"
)

// With a server that greets after 50 ms and answers each dot after 5 ms, 64 callers sending 10 emails each
// through a pool of 5 should use at most 5 connections, each carrying
// mail. A caller whose message another caller took into its group stops
// its own wait for the pool; when that wait was already opening a session
// in a free slot, the pool must finish opening it and keep it (it threw
// the half-open connection away once: 15 to 110 connections, most never
// past the greeting).
func TestCoalescedCallersKeepTheSessionsTheyOpen(t *testing.T) {
	const workers, each, size = 64, 10, 5
	for round := range 5 { // the race does not bite every time
		srv := smtptest.Start(t)
		srv.Delay(smtptest.Greeting, 50*time.Millisecond)
		srv.Delay("DATA", 5*time.Millisecond)
		c := newClient(t, config(srv.Host(), srv.Port(), size, 1))
		l := sendConcurrently(t, c, workers*each, workers, 0, nil)
		closeClient(t, c)
		srv.Close()

		accepted, failed, unknown, kinds := l.outcomes(t)
		if len(accepted) != workers*each {
			t.Errorf("round %d: accepted %d of %d; failed %d {%s}, unknown %d", round, len(accepted), workers*each, len(failed), summary(kinds), len(unknown))
		}
		l.audit(t, stored(srv), accepted, failed, unknown)
		talked := map[int]bool{}
		for _, cmd := range srv.Commands() {
			talked[cmd.Conn] = true
		}
		if n := srv.Connections(); n > size || len(talked) != n {
			t.Fatalf("round %d: the server saw %d connections, %d of them past the greeting, for a pool of %d", round, n, len(talked), size)
		}
	}
}
