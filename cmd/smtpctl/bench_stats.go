package main

import (
	"slices"
	"time"
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
