package fault

import (
	"testing"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/smtptest"
)

// In the middle of 1,000 emails sent by 32 goroutines through a pool of 4,
// every connection to the server is reset, client and server side, and new
// ones are reset for half a second. Every email gets exactly one outcome,
// and the server holds every accepted email once, no failed one, and no
// email twice. With 5 attempts (0.1 s doubling to 1 s, longer than the
// outage) most get through; with 1, whatever the outage hits fails.
func TestConnectionsCutInTheMiddleOf1000Emails(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attempts int
	}{{"5 attempts", 5}, {"1 attempt", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := smtptest.NewServer()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			p := startProxy(t, srv.Addr())
			host, port := p.hostPort()
			cfg := config(host, port, 4, tc.attempts)
			cfg.Retry.InitialDelay, cfg.Retry.MaxDelay = 100*time.Millisecond, time.Second
			tr := newLines()
			c := newClient(t, cfg, bootstrap.WithTranscript(tr))

			var cut int
			l := sendConcurrently(t, c, 1000, 32, 300, func() {
				cut = p.kill()
				time.Sleep(500 * time.Millisecond)
				p.resume()
			})
			closeClient(t, c)
			p.close()
			srv.Close() // every transaction the server began is stored or dropped now

			accepted, failed, unknown, kinds := l.outcomes(t)
			unknownStored := l.audit(t, stored(srv), accepted, failed, unknown)
			if cut == 0 {
				t.Error("no connection was open when the proxy cut them")
			}
			proxied, refused := p.stats()
			if proxied <= 4 {
				t.Errorf("the client connected %d times; the cut should have made it reconnect", proxied)
			}
			if tc.attempts > 1 {
				if n := tr.count("220 "); n <= 4 {
					t.Errorf("the client opened %d sessions; retries after the outage need new ones", n)
				}
				if len(accepted) < 900 {
					t.Errorf("only %d of 1000 accepted with retries that outlast the outage", len(accepted))
				}
			}
			t.Logf("connections cut after 300 of 1000 emails (32 goroutines, pool of 4) in %s: accepted %d, failed %d {%s}, delivery unknown %d (%d stored); %d connections cut, %d in all, %d cut or refused",
				l.took.Round(time.Millisecond), len(accepted), len(failed), summary(kinds), len(unknown), unknownStored, cut, proxied, refused)
		})
	}
}
