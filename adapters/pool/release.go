package pool

import (
	"sort"

	"github.com/integrations/smtp/ports"
)

// Put gives back a session Get returned. It is closed instead of kept when
// it is not Reusable, has carried MaxMessagesPerConnection messages, is
// older than MaxLifetime, or the pool is closed; after a failed transaction
// it gets an RSET before it may be lent again, and one whose RSET fails is
// closed. QUIT and RSET run in the background: Put never blocks on the
// network. A second Put of the same session is ignored; a session the pool
// did not lend is closed in the background; nil is ignored.
func (p *Pool) Put(s ports.Session) { p.giveBack(s, "") }

// Discard gives back a session Get returned to be closed (QUIT, in the
// background) instead of kept, as Put does for a session that is not
// Reusable.
func (p *Pool) Discard(s ports.Session) { p.giveBack(s, "discarded by the caller") }

func (p *Pool) giveBack(s ports.Session, reason string) {
	w, ok := s.(*session)
	switch {
	case s == nil || ok && w == nil:
		return
	case !ok:
		p.closeForeign(s)
		return
	case w.p != p:
		w.p.giveBack(s, reason)
		return
	case !w.returned.CompareAndSwap(false, true):
		p.log.Debugw("smtp pool: session given back twice; ignored")
		return
	}
	c, now := w.c, p.now()
	if reason == "" && c.s != nil {
		switch {
		case !c.s.Reusable():
			reason = "not reusable"
		case p.cfg.MaxMessagesPerConnection > 0 && c.messages >= p.cfg.MaxMessagesPerConnection:
			reason = "max messages per connection"
		case now.Sub(c.created) > p.cfg.MaxLifetime:
			reason = "max lifetime"
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse--
	switch {
	case c.s == nil: // lost, and its replacement failed to open
		p.freeSlotLocked()
	case p.closed:
		p.closeLocked(c, "pool closed")
	case reason != "":
		p.closeLocked(c, reason)
	case w.failed:
		c.lastUsed = now
		p.resetLocked(c)
	default:
		c.lastUsed, c.checked = now, now
		p.releaseLocked(c)
	}
}

// releaseLocked makes c available: to the first waiter, or to the idle
// list, kept in order of last use. After Close it is closed instead.
func (p *Pool) releaseLocked(c *conn) {
	switch {
	case p.closed:
		p.closeLocked(c, "pool closed")
	case len(p.waiters) > 0:
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w.ch <- grant{c: c}
	default:
		i := sort.Search(len(p.idle), func(i int) bool { return p.idle[i].lastUsed.After(c.lastUsed) })
		p.idle = append(p.idle, nil)
		copy(p.idle[i+1:], p.idle[i:])
		p.idle[i] = c
	}
}

// freeSlotLocked gives up a slot: to the first waiter, which opens a
// session in it, or to the pool.
func (p *Pool) freeSlotLocked() {
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		w.ch <- grant{}
		return
	}
	p.total--
	p.checkDoneLocked()
}

// closeLocked closes c in the background (QUIT may wait 10 s for its
// reply); its slot counts in Total until the session is closed.
func (p *Pool) closeLocked(c *conn, reason string) {
	p.goLocked(func() func() {
		err := c.s.Close()
		if err != nil {
			p.log.Infow("smtp connection closed", "reason", reason, "messages", c.messages, "error", err)
		} else {
			p.log.Infow("smtp connection closed", "reason", reason, "messages", c.messages)
		}
		return func() {
			p.freeSlotLocked()
			p.kickLocked()
		}
	})
}

// discard closes c, a session that was neither idle nor lent.
func (p *Pool) discard(c *conn, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked(c, reason)
}

// resetLocked sends RSET to c in the background, then makes it available,
// or closes it when RSET fails. Close ends a pending RSET.
func (p *Pool) resetLocked(c *conn) {
	p.goLocked(func() func() {
		err := c.s.Reset(p.bg)
		if err != nil {
			p.log.Warnw("smtp pool: RSET after a failed transaction failed; session closed", "error", err)
			return func() { p.closeLocked(c, "reset failed") }
		}
		checked := p.now()
		return func() {
			c.checked = checked
			p.releaseLocked(c)
		}
	})
}

// closeForeign closes a session the pool did not lend, in the background
// unless the pool is closed and drained (then at once: no goroutine may
// outlive Close).
func (p *Pool) closeForeign(s ports.Session) {
	p.log.Warnw("smtp pool: given back a session it did not lend; closing it")
	p.mu.Lock()
	now := p.drained
	if !now {
		p.goLocked(func() func() {
			_ = s.Close()
			return nil
		})
	}
	p.mu.Unlock()
	if now {
		_ = s.Close()
	}
}

// kickLocked wakes the maintainer when fewer than MinIdle sessions are
// idle and a slot is free to open one. It is called when a session is taken
// or closed, never after a failed dial (the maintainer would dial in a
// loop).
func (p *Pool) kickLocked() {
	if p.started && !p.closed && len(p.idle) < p.cfg.MinIdle && p.total < p.cfg.MaxConnections {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}
