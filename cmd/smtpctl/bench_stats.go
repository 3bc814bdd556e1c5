package main

import (
	"slices"
	"time"

	"github.com/integrations/smtp/domain"
)

// benchLatency holds latency percentiles in milliseconds.
type benchLatency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
}

// latencyOf returns the percentiles of ds by nearest rank; zeros when ds
// is empty. It sorts ds.
func latencyOf(ds []time.Duration) benchLatency {
	slices.Sort(ds)
	return benchLatency{P50: percentileMS(ds, 50), P90: percentileMS(ds, 90), P99: percentileMS(ds, 99)}
}

// percentileMS is the nearest-rank p-th percentile of the sorted ds, in
// milliseconds.
func percentileMS(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n), at least 1 for p > 0
	return float64(sorted[max(rank, 1)-1]) / float64(time.Millisecond)
}

// benchResult sums the workers.
type benchResult struct {
	ok, failed, sessions int
	bytes                int64
	latencies            []time.Duration // of the successful messages
	errors               map[string]int  // failed messages by kind
	err                  error           // the first failure seen
	elapsed              time.Duration
}

// record counts one message's outcome: a failure when err is non-nil.
func (r *benchResult) record(res *domain.SendResult, err error, d time.Duration) {
	if err != nil {
		r.fail(err, 1)
		return
	}
	r.ok++
	r.latencies = append(r.latencies, d)
	if res != nil {
		r.bytes += res.Size
	}
}

func (r *benchResult) fail(err error, n int) {
	r.failed += n
	if r.errors == nil {
		r.errors = map[string]int{}
	}
	r.errors[domain.KindOf(err).String()] += n
	if r.err == nil {
		r.err = err
	}
}

func (r *benchResult) merge(o benchResult) {
	r.ok += o.ok
	r.failed += o.failed
	r.sessions += o.sessions
	r.bytes += o.bytes
	r.latencies = append(r.latencies, o.latencies...)
	for k, n := range o.errors {
		if r.errors == nil {
			r.errors = map[string]int{}
		}
		r.errors[k] += n
	}
	if r.err == nil {
		r.err = o.err
	}
}

func durationOf(res *domain.SendResult) time.Duration {
	if res == nil {
		return 0
	}
	return res.Duration
}
