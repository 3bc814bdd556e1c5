package fault

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// 64 callers send 640 emails to a slow server (every final reply 20 ms
// late) through a pool of 2, each with a deadline between 5 and 400 ms, so
// that contexts end while a message waits for a session, waits in a
// coalesced group, or is in flight. A caller told its email failed
// (cancelled, timed out) must not find it stored; one told delivery is
// unknown may; an accepted one is stored once.
func TestCallersWhoseContextsEndAtEveryStage(t *testing.T) {
	const workers, emails = 64, 640
	srv := smtptest.Start(t)
	srv.Delay("DATA", 20*time.Millisecond)
	c := newClient(t, config(srv.Host(), srv.Port(), 2, 3))

	l := &ledger{ids: make([]string, emails), res: make([]*domain.SendResult, emails), errs: make([]error, emails),
		suffix: fmt.Sprintf(".%d.cancel@example.test", runs.Add(1))}
	next := make(chan int, emails)
	for i := range emails {
		l.ids[i] = fmt.Sprintf("m%04d%s", i, l.suffix)
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				deadline := 5*time.Millisecond + time.Duration(i*37%396)*time.Millisecond
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				l.res[i], l.errs[i] = c.Send(ctx, email(t, l.ids[i]))
				cancel()
			}
		}()
	}
	wg.Wait()
	l.took = time.Since(start)
	closeClient(t, c)
	srv.Close()

	accepted, failed, unknown, kinds := l.outcomes(t)
	unknownStored := l.audit(t, stored(srv), accepted, failed, unknown)
	for k := range kinds {
		switch kind := domain.ParseKind(k); {
		case kind == domain.KindCancelled, kind.Category() == domain.KindTimeout, kind == domain.KindAcquireTimeout:
		default:
			t.Errorf("%d sends failed with %s; only the end of their context should fail them", kinds[k], k)
		}
	}
	t.Logf("%d emails with deadlines of 5-400 ms in %s: accepted %d, failed %d {%s}, delivery unknown %d (%d stored)",
		emails, l.took.Round(time.Millisecond), len(accepted), len(failed), summary(kinds), len(unknown), unknownStored)
}
