//go:build unix

package observability

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used so far, user and
// system, or 0 when it cannot tell.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
