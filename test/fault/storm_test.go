package fault

import (
	"testing"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// verbCount counts the commands srv read whose verb is verb.
func verbCount(srv *smtptest.Server, verb string) int {
	n := 0
	for _, v := range srv.Verbs() {
		if v == verb {
			n++
		}
	}
	return n
}

// The server answers 421 (and hangs up) to the next 20 uses of a command,
// MAIL, RCPT or DATA (after the dot: the message is read, not stored),
// then recovers. With enough attempts every one of 400 concurrent sends
// gets through, and the server holds each email exactly once.
func TestA421StormIsRiddenOutWithoutDuplicates(t *testing.T) {
	const storm, emails = 20, 400
	for _, verb := range []string{"MAIL", "RCPT", "DATA"} {
		t.Run(verb, func(t *testing.T) {
			srv := smtptest.Start(t)
			srv.FailTimes(verb, storm, 421, "4.3.2 Service shutting down, try again later")
			tr := newLines()
			// Every failed attempt uses up at least one 421: storm+1
			// attempts always reach a server that has recovered.
			c := newClient(t, config(srv.Host(), srv.Port(), 4, storm+1), bootstrap.WithTranscript(tr))
			l := sendConcurrently(t, c, emails, 16, 0, nil)
			closeClient(t, c)
			srv.Close()

			accepted, failed, unknown, kinds := l.outcomes(t)
			if len(accepted) != emails {
				t.Errorf("accepted %d of %d; failed %d {%s}, unknown %d", len(accepted), emails, len(failed), summary(kinds), len(unknown))
			}
			l.audit(t, stored(srv), accepted, failed, unknown)
			if n := verbCount(srv, verb); n != emails+storm {
				t.Errorf("the server read %d %s commands; want %d: one per email and one per 421", n, verb, emails+storm)
			}
			if n := tr.count("421 "); n != storm {
				t.Errorf("the client read %d 421 replies; want %d", n, storm)
			}
			t.Logf("421 storm at %s: %d emails in %s, %d sessions opened", verb, emails, l.took, tr.count("220 "))
		})
	}
}

// A server that drops the connection after every final dot, or answers it
// later than Timeouts.DataTerm, leaves the delivery status of every
// message unknown. Such a message is never sent again, by the retry
// policy, the pool's replay or the coalescer: the server reads one DATA
// per email, however many attempts are allowed.
func TestDeliveryUnknownIsNeverSentAgain(t *testing.T) {
	const emails = 40
	for _, tc := range []struct {
		name  string
		fault func(*smtptest.Server, *bootstrap.Config)
	}{
		{"dropped after the dot", func(s *smtptest.Server, _ *bootstrap.Config) { s.DropAfterData() }},
		{"no reply within DataTerm", func(s *smtptest.Server, cfg *bootstrap.Config) {
			s.Delay("DATA", time.Minute) // ends when the client hangs up
			cfg.Timeouts.DataTerm = 200 * time.Millisecond
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			cfg := config(srv.Host(), srv.Port(), 4, 5)
			tc.fault(srv, &cfg)
			c := newClient(t, cfg)
			l := sendConcurrently(t, c, emails, 8, 0, nil)
			closeClient(t, c)
			srv.Close()

			for i, err := range l.errs {
				if !domain.IsDeliveryUnknown(err) {
					t.Errorf("%s: %v; want delivery status unknown", l.ids[i], err)
				}
			}
			if n := verbCount(srv, "DATA"); n != emails {
				t.Errorf("the server read %d DATA commands for %d emails: a message whose dot was written went again", n, emails)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("the server stored %d messages; it keeps none", n)
			}
		})
	}
}
