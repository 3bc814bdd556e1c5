//go:build unix

package main

import (
	"runtime"
	"syscall"
	"time"
)

// benchUsage is the CPU time and peak memory of this process so far.
type benchUsage struct {
	cpu    time.Duration // user plus system
	maxRSS int64         // KiB; 0 where unknown
}

// usageNow reads getrusage(RUSAGE_SELF).
func usageNow() benchUsage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return benchUsage{}
	}
	rss := int64(ru.Maxrss) // KiB on Linux and the BSDs, octets on Apple's systems
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		rss /= 1024
	}
	return benchUsage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), maxRSS: rss}
}
