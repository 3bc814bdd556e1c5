package fault

import (
	"testing"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/smtptest"
)

// A slow server (every greeting, MAIL and final reply late) makes 64
// concurrent callers wait for the 5 pooled sessions, so their messages go
// together in pipelined groups. With one attempt each, so that nothing
// masks a failure, all 640 are accepted and each is stored exactly once.
// (How many connections that takes: see TestCoalescedCallersKeepTheSessionsTheyOpen.)
func TestSlowRepliesWithCoalescingDeliverEveryMessageOnce(t *testing.T) {
	const workers, each, size = 64, 10, 5
	srv := smtptest.Start(t)
	srv.Delay(smtptest.Greeting, 50*time.Millisecond)
	srv.Delay("MAIL", 5*time.Millisecond)
	srv.Delay("DATA", 20*time.Millisecond)
	tr := newLines()
	c := newClient(t, config(srv.Host(), srv.Port(), size, 1), bootstrap.WithTranscript(tr))
	l := sendConcurrently(t, c, workers*each, workers, 0, nil)
	if st := c.PoolStatus(); st.Total > size || st.InUse != 0 {
		t.Errorf("PoolStatus after the run = %+v; want at most %d sessions, none lent", st, size)
	}
	closeClient(t, c)
	srv.Close()

	accepted, failed, unknown, kinds := l.outcomes(t)
	if len(accepted) != workers*each {
		t.Errorf("accepted %d of %d; failed %d {%s}, unknown %d", len(accepted), workers*each, len(failed), summary(kinds), len(unknown))
	}
	l.audit(t, stored(srv), accepted, failed, unknown)
	perConn := map[int]int{}
	for _, m := range srv.Messages() {
		perConn[m.Conn]++
	}
	t.Logf("%d goroutines x %d emails through a pool of %d against a slow server: %s; %d connections, messages by connection %v",
		workers, each, size, l.took.Round(time.Millisecond), srv.Connections(), perConn)
}
