package fault

import (
	"testing"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/smtptest"
)

// The server hangs up on every pooled session while it is idle, as Postfix
// does at smtpd_timeout ("421 4.4.2 ... timeout exceeded", then FIN). Then
// 32 callers send at once, one attempt each, so no retry can hide a
// failure: the pool replays each first send (alone or a pipelined group)
// on a fresh session, and every email is accepted and stored once.
func TestSessionsHungUpOnWhileIdleAreReplacedSilently(t *testing.T) {
	srv := smtptest.Start(t)
	p := startProxy(t, srv.Addr())
	host, port := p.hostPort()
	tr := newLines()
	c := newClient(t, config(host, port, 4, 1), bootstrap.WithTranscript(tr))

	warm := sendConcurrently(t, c, 128, 32, 0, nil)
	// Wait until every connection the proxy forwards is an idle session
	// (sessions being closed in the background are gone).
	var idle int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		st := c.PoolStatus()
		if idle = st.Idle; idle > 0 && st.Total == idle && p.open() == idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PoolStatus after the first run = %+v with %d connections open; want only idle sessions", st, p.open())
		}
	}
	opened := tr.count("220 ")
	hungUp := p.hangUp("421 4.4.2 localhost Error: timeout exceeded\r\n")
	if hungUp != idle {
		t.Fatalf("hung up on %d connections; the pool has %d idle sessions", hungUp, idle)
	}
	for deadline := time.Now().Add(time.Minute); p.open() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hung-up connections are still open after a minute")
		}
	}

	l := sendConcurrently(t, c, 256, 32, 0, nil)
	closeClient(t, c)
	p.close()
	srv.Close()

	got := stored(srv)
	for _, run := range []*ledger{warm, l} {
		accepted, failed, unknown, kinds := run.outcomes(t)
		if len(accepted) != len(run.ids) {
			t.Errorf("accepted %d of %d; failed %d {%s}, unknown %d", len(accepted), len(run.ids), len(failed), summary(kinds), len(unknown))
		}
		run.audit(t, got, accepted, failed, unknown)
	}
	if n := tr.count("421 "); n == 0 {
		t.Error("no send met a hung-up session's 421: the test did not exercise the replay")
	}
	t.Logf("%d idle sessions hung up on; the client then read %d 421 replies and opened %d new sessions", hungUp, tr.count("421 "), tr.count("220 ")-opened)
}
