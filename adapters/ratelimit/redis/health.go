package redis

import (
	"sync"
	"sync/atomic"
	"time"
)

// warnEvery is the least time between two warnings of one outage.
const warnEvery = 30 * time.Second

// health remembers that Redis failed, so that decisions leave it alone for
// the recheck interval, and keeps the warnings of an outage few.
type health struct {
	down      atomic.Bool // fast path: false while Redis answers
	mu        sync.Mutex
	downUntil time.Time
	cause     error
	lastWarn  time.Time
	since     time.Time
	failOpens uint64 // the Limiter's count when the outage began
}

// skip returns the last failure while Redis is to be left alone, else nil.
func (h *health) skip() error {
	if !h.down.Load() {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Now().Before(h.downUntil) {
		return h.cause
	}
	return nil
}

// retryAfter is the time until Redis will be asked again, at least 1ms.
func (h *health) retryAfter() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return max(time.Until(h.downUntil), time.Millisecond)
}

// failed records that a round trip failed with err and warns, once when an
// outage begins and then at most every warnEvery.
func (h *health) failed(err error, l *Limiter) {
	now := time.Now()
	h.mu.Lock()
	h.downUntil, h.cause = now.Add(l.o.recheck), err
	began := !h.down.Load()
	if began {
		h.since, h.failOpens = now, l.failOpens.Load()
	}
	warn := began || now.Sub(h.lastWarn) >= warnEvery
	if warn {
		h.lastWarn = now
	}
	h.down.Store(true)
	since, opens := h.since, l.failOpens.Load()-h.failOpens
	h.mu.Unlock()
	if warn {
		l.o.log.Warnw("smtp rate limit: the shared quota store does not answer", "key", l.key,
			"policy", l.policy.String(), "error", err.Error(), "down_for", now.Sub(since).Round(time.Millisecond),
			"fail_opens", opens)
	}
}

// answered records that Redis answered, and says so once after an outage.
func (h *health) answered(l *Limiter) {
	if !h.down.Load() {
		return
	}
	h.mu.Lock()
	wasDown := h.down.Swap(false)
	since, opens := h.since, l.failOpens.Load()-h.failOpens
	h.mu.Unlock()
	if wasDown {
		l.o.log.Infow("smtp rate limit: the shared quota store answers again", "key", l.key,
			"down_for", time.Since(since).Round(time.Millisecond), "fail_opens", opens)
	}
}
