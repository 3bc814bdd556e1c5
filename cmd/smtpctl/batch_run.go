package main

import (
	"context"
	"sync"
	"time"

	"github.com/integrations/smtp/domain"
)

// sender is the part of *application.Client a batch uses.
type sender interface {
	Send(ctx context.Context, e *domain.Email) (*domain.SendResult, error)
}

// batchOutcome is what became of one line.
type batchOutcome struct {
	line     int
	res      *domain.SendResult // nil when nothing was sent
	err      error
	duration time.Duration
}

// exitCode is the outcome's sysexits code, as send would exit for it.
func (o batchOutcome) exitCode() int {
	switch {
	case o.err != nil:
		return exitCode(o.err)
	case o.res != nil && len(o.res.Rejected) > 0:
		return exitUnavailable
	}
	return exitOK
}

// exitRank orders exit codes from best to worst, for a batch's overall
// code: a bad line (65) only concerns itself, a refused recipient (69) is
// final, a temporary failure (75) may pass on a later run, and protocol,
// authentication, configuration failures and bugs (76, 77, 78, 70) mean
// the setup itself needs a look.
var exitRank = map[int]int{
	exitOK: 0, exitDataErr: 1, exitUnavailable: 2, exitTempFail: 3,
	exitProtocol: 4, exitNoPerm: 5, exitConfig: 6, exitSoftware: 7, exitUsage: 8,
}

// worseExit returns the worse of two exit codes by exitRank.
func worseExit(a, b int) int {
	if exitRank[b] > exitRank[a] {
		return b
	}
	return a
}

// sendBatch sends the jobs' emails through s from workers goroutines,
// each email under its own timeout, and calls report once per job (from
// one goroutine at a time; invalid lines first, in input order). Once stop
// is done no further email is started: the rest are reported as cancelled,
// while emails already on the wire finish, so that no outcome is lost.
func sendBatch(stop context.Context, s sender, jobs []batchJob, workers int, timeout time.Duration, report func(batchOutcome)) {
	var mu sync.Mutex
	emit := func(o batchOutcome) {
		mu.Lock()
		defer mu.Unlock()
		report(o)
	}
	var valid []batchJob
	for _, j := range jobs {
		if j.err != nil {
			emit(batchOutcome{line: j.line, err: j.err})
		} else {
			valid = append(valid, j)
		}
	}
	queue := make(chan batchJob)
	var wg sync.WaitGroup
	for range min(workers, len(valid)) {
		wg.Go(func() {
			for j := range queue {
				emit(sendOne(s, j, timeout))
			}
		})
	}
	for i, j := range valid {
		if stop.Err() == nil {
			select {
			case queue <- j:
				continue
			case <-stop.Done():
			}
		}
		for _, rest := range valid[i:] {
			emit(batchOutcome{line: rest.line, err: domain.WrapError(domain.KindCancelled, "batch", context.Cause(stop))})
		}
		break
	}
	close(queue)
	wg.Wait()
}

// sendOne sends one email; its context is not stop's, so an interrupt does
// not cut a transaction half-way (which would leave its delivery unknown).
func sendOne(s sender, j batchJob, timeout time.Duration) batchOutcome {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	start := time.Now()
	res, err := s.Send(ctx, j.email)
	return batchOutcome{line: j.line, res: res, err: err, duration: time.Since(start)}
}
