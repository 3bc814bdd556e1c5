//go:build !unix

package main

import "time"

// benchUsage is the CPU time and peak memory of this process so far.
type benchUsage struct {
	cpu    time.Duration // user plus system
	maxRSS int64         // KiB; 0 where unknown
}

// usageNow returns zeros: getrusage is not available.
func usageNow() benchUsage { return benchUsage{} }
