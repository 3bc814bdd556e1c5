package pool

import "time"

// maintain is the body of the maintainer, the goroutine the first
// successful Get starts and Close stops. It keeps MinIdle sessions idle
// (within MaxConnections), and every HealthCheckInterval it also closes
// idle sessions past IdleTimeout or MaxLifetime and, with health checks on,
// sends NOOP to those idle longer than the interval.
func (p *Pool) maintain() func() {
	tick := time.NewTicker(p.cfg.sweepInterval())
	defer tick.Stop()
	p.replenish()
	for {
		select {
		case <-p.bg.Done():
			return nil
		case <-tick.C:
			p.sweep()
			p.replenish()
		case <-p.kick:
			p.replenish()
		}
	}
}

// sweep closes the idle sessions that may no longer be lent and checks
// with NOOP those idle longer than HealthCheckInterval. A session being
// checked counts in Total only; one that passes goes back to the idle list
// (or to a waiting caller), one that fails is closed.
func (p *Pool) sweep() {
	now := p.now()
	var check []*conn
	p.mu.Lock()
	keep := make([]*conn, 0, len(p.idle))
	for _, c := range p.idle {
		switch reason := p.unfit(c, now); {
		case reason != "":
			p.closeLocked(c, reason)
		case p.cfg.healthCheck() && now.Sub(c.checked) > p.cfg.HealthCheckInterval:
			check = append(check, c)
		default:
			keep = append(keep, c)
		}
	}
	p.idle = keep
	p.mu.Unlock()
	for _, c := range check {
		err := c.s.Noop(p.bg)
		checked := p.now()
		p.mu.Lock()
		if err != nil {
			p.log.Warnw("smtp pool: idle session failed its health check; closed", "error", err)
			p.closeLocked(c, "health check failed")
		} else {
			c.checked = checked
			p.releaseLocked(c)
		}
		p.mu.Unlock()
	}
}

// replenish opens sessions, one at a time, until MinIdle are idle or
// MaxConnections are open. A failed dial ends it until the next tick or
// the next session taken or closed.
func (p *Pool) replenish() {
	for {
		p.mu.Lock()
		if p.closed || len(p.idle) >= p.cfg.MinIdle || p.total >= p.cfg.MaxConnections {
			p.mu.Unlock()
			return
		}
		p.total++
		p.mu.Unlock()
		s, err := p.open(p.bg)
		now := p.now()
		p.mu.Lock()
		if err != nil {
			p.freeSlotLocked()
			p.mu.Unlock()
			if p.bg.Err() == nil {
				p.log.Warnw("smtp pool: opening a session to keep MinIdle failed", "error", err)
			}
			return
		}
		p.releaseLocked(&conn{s: s, created: now, lastUsed: now, checked: now})
		p.mu.Unlock()
	}
}
