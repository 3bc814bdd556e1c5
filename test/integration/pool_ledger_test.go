//go:build integration

package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
)

// ledger is what a run of many concurrent sends produced: for each email
// its Message-ID and the outcome Send returned.
type ledger struct {
	suffix string // every ID ends with it
	ids    []string
	res    []*domain.SendResult
	errs   []error
	took   time.Duration
}

// sendConcurrently sends n one-recipient emails with unique Message-IDs
// from workers goroutines through c. After faultAt outcomes it runs fault
// in a goroutine of its own while the sends go on, and waits for it before
// returning; fault's error fails the test.
func sendConcurrently(t *testing.T, c *application.Client, n, workers, faultAt int, fault func() error) *ledger {
	t.Helper()
	run := unique(t)
	l := &ledger{suffix: "." + run + "@example.test", ids: make([]string, n), res: make([]*domain.SendResult, n), errs: make([]error, n)}
	emails := make([]*domain.Email, n)
	for i := range n {
		l.ids[i] = fmt.Sprintf("m%04d%s", i, l.suffix)
		emails[i] = pooledEmail(t, l.ids[i], fmt.Sprintf("pool fault %d %s", i, run))
	}
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)

	trigger := make(chan struct{})
	faultErr := make(chan error, 1)
	go func() {
		<-trigger
		faultErr <- fault()
	}()
	var finished atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				l.res[i], l.errs[i] = c.Send(ctx, emails[i])
				cancel()
				if finished.Add(1) == int64(faultAt) {
					once.Do(func() { close(trigger) })
				}
			}
		}()
	}
	wg.Wait()
	l.took = time.Since(start)
	once.Do(func() { close(trigger) }) // n < faultAt: the fault still runs
	if err := <-faultErr; err != nil {
		t.Fatalf("injecting the fault: %v", err)
	}
	return l
}

// outcomes sorts the IDs of l by outcome and checks that each email has
// exactly one: accepted (no error, its one recipient accepted), failed
// with a classified *domain.Error, or delivery status unknown.
func (l *ledger) outcomes(t *testing.T) (accepted, failed, unknown []string, kinds map[string]int) {
	t.Helper()
	kinds = map[string]int{}
	for i, id := range l.ids {
		res, err := l.res[i], l.errs[i]
		e := domain.AsError(err)
		switch {
		case err == nil && res != nil && res.MessageID == id && len(res.Accepted) == 1:
			accepted = append(accepted, id)
		case err == nil:
			t.Errorf("%s: no error but result %+v", id, res)
		case e == nil || e.Kind == domain.KindUnknown:
			t.Errorf("%s: error %v (%T) is not a classified *domain.Error", id, err, err)
		case res != nil && len(res.Accepted) > 0:
			t.Errorf("%s: both accepted %v and failed: %v", id, res.Accepted, err)
		case domain.IsDeliveryUnknown(err):
			unknown = append(unknown, id)
		default:
			failed = append(failed, id)
			kinds[e.Kind.String()]++
		}
	}
	return accepted, failed, unknown, kinds
}

// audit waits until Postfix has delivered every accepted email and then
// checks the sacred rule: received ⊇ accepted, received ⊆ accepted ∪
// unknown, nothing received twice (in two transactions: a file Postfix
// delivered again for one queue ID is Postfix's doing, counted apart). It
// returns how many of the unknown ones arrived and how many files Postfix
// delivered again.
func (l *ledger) audit(t *testing.T, accepted, failed, unknown []string) (unknownReceived, redelivered int) {
	t.Helper()
	got := awaitReceived(t, l.suffix, accepted, 3*time.Minute)
	known := make(map[string]bool, len(l.ids))
	for _, id := range l.ids {
		known[id] = true
	}
	for id, queued := range got {
		switch {
		case !known[id]:
			t.Errorf("received %s, which this run never sent", id)
		case len(queued) > 1:
			t.Errorf("%s received in %d transactions %v (files by Postfix queue ID): sent twice", id, len(queued), queued)
		}
	}
	for _, id := range accepted {
		if got.accepted(id) == 0 {
			t.Errorf("%s accepted but never received", id)
		}
	}
	for _, id := range failed {
		if got.accepted(id) > 0 {
			t.Errorf("%s failed (%v) but was received", id, l.errOf(id))
		}
	}
	for _, id := range unknown {
		if got.accepted(id) > 0 {
			unknownReceived++
		}
	}
	return unknownReceived, got.redelivered()
}

func (l *ledger) errOf(id string) error {
	for i, x := range l.ids {
		if x == id {
			return l.errs[i]
		}
	}
	return nil
}

// summary formats failure kinds as "kind=n, ...", sorted.
func summary(kinds map[string]int) string {
	var parts []string
	for k, n := range kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// greetings counts the 220 greetings a client received: one per session
// opened.
type greetings struct{ n atomic.Int64 }

func (g *greetings) Line(sent bool, line string) {
	if !sent && strings.HasPrefix(line, "220 ") {
		g.n.Add(1)
	}
}
