package application

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// coalescer groups the messages of concurrent Send calls that wait for a
// pooled session. Every caller queues its message and asks the pool for a
// session; the first to get one takes its own message and the oldest
// queued ones (up to max) and sends them together in one pipelined
// ports.Session.SendMany; the callers whose messages it took stop waiting
// for the pool and wait for their own outcome. A lone caller thus sends on
// its own session as before, and callers who find every session busy get
// one round trip a message instead of two.
type coalescer struct {
	c   *Client
	max int

	size atomic.Int32 // the pool's MaxSize, read once
	// caps is what the last session's capabilities say to prepare (see
	// encodeKey), so that callers can encode their messages while they
	// wait for a session rather than the session waiting for the encoding.
	caps atomic.Uint32

	mu    sync.Mutex
	queue []*job // waiting for a session, oldest first, none taken
}

// job is one attempt of one caller's message.
type job struct {
	ctx     context.Context
	cl      *call              // the caller's call: where the size of its message is noted
	m       stamped            // its email is email, below
	stopGet context.CancelFunc // ends the caller's own wait for the pool once its message is taken
	taken   bool               // guarded by coalescer.mu
	done    chan struct{}      // closed when res and err are set
	res     *domain.SendResult
	err     error
	state   atomic.Int32 // jobPending, jobSent or jobAbandoned

	// A copy of the caller's Email: a session may encode the message
	// after its caller has gone (its context ended while it waited), and
	// must not read a struct the caller may be changing again by then.
	email domain.Email

	// The message as its caller encoded it for the capabilities key says;
	// msg is nil when it was not (run encodes it then).
	msg ports.Message
	env ports.Envelope
	key uint32

	// The group that sends it, once runGroup has it (see groupCtx); gone
	// is set when the caller's context ended while it waited, left once
	// the job no longer holds the group's context open.
	grp  atomic.Pointer[groupCtx]
	gone atomic.Bool
	left atomic.Bool
}

// groupCtx ends the context of a group of several callers' messages when
// none of them is still wanted: each job leaves it once, when its caller's
// context ends while it waits or when it has its outcome.
type groupCtx struct {
	jobs   atomic.Int32 // jobs that have not left
	cancel context.CancelFunc
}

// leave lets go of j's group, once; the last job to leave ends the
// group's context.
func (j *job) leave() {
	if g := j.grp.Load(); g != nil && j.left.CompareAndSwap(false, true) && g.jobs.Add(-1) == 0 {
		g.cancel()
	}
}

// encodeKey packs what of a server's extensions prepare reads (8BITMIME)
// into a non-zero number: two sessions with the same key get the same
// encoding of a message.
func encodeKey(caps domain.Extensions) uint32 {
	k := uint32(1)
	if caps.EightBitMIME {
		k |= 4
	}
	return k
}

// capsOf is extensions that encodeKey maps to k.
func capsOf(k uint32) domain.Extensions {
	return domain.Extensions{EightBitMIME: k&4 != 0}
}

// encodeAhead encodes j's message for the capabilities of the last
// session seen, if any. A failure is left for run to meet with the real
// session's capabilities.
func (co *coalescer) encodeAhead(j *job) {
	k := co.caps.Load()
	if k == 0 {
		return
	}
	if m, env, err := co.c.prepare(capsOf(k), j.m); err == nil {
		j.msg, j.env, j.key = m, env, k
	}
}

// The states of a job: its caller and the session writing its body race
// for it once.
const (
	jobPending   int32 = iota // its body has not begun
	jobSent                   // its body began: the caller must wait for the outcome, or not know it
	jobAbandoned              // the caller's context ended first: its body never begins
)

// begin is called as the job's body begins on the wire; it refuses when
// the caller has gone, so that nothing of an abandoned message is sent and
// nothing of the caller's email is read after Send returned. The session
// then drops the connection before any final dot.
func (j *job) begin() error {
	if j.state.CompareAndSwap(jobPending, jobSent) || j.state.Load() == jobSent {
		return nil
	}
	return callerGone()
}

func callerGone() error {
	return &domain.Error{Kind: domain.KindCancelled, Op: "send", Message: "caller gone before the message was sent"}
}

func (j *job) finish(res *domain.SendResult, err error) {
	j.res, j.err = res, err
	close(j.done)
	j.leave() // its caller has what it waited for
}

// send is one attempt for msg, alone or in a group.
func (co *coalescer) send(ctx context.Context, cl *call, msg stamped) (*domain.SendResult, error) {
	getCtx, stop := context.WithCancel(ctx)
	defer stop()
	j := &job{ctx: ctx, cl: cl, m: msg, email: *msg.e, stopGet: stop, done: make(chan struct{})}
	j.m.e = &j.email
	co.encodeAhead(j)
	co.mu.Lock()
	co.queue = append(co.queue, j)
	co.mu.Unlock()

	getCtx, span := co.c.o.telemetry.Start(getCtx, ports.StageAcquire, ports.Attrs{})
	s, err := co.c.o.pool.Get(getCtx)
	co.mu.Lock()
	if j.taken { // another caller sends it
		co.mu.Unlock()
		span.End(nil)
		if err == nil {
			co.help(s)
		}
		return co.wait(ctx, j)
	}
	co.remove(j)
	if err != nil {
		co.mu.Unlock()
		span.End(err)
		return nil, err
	}
	span.End(nil)
	group := co.take(co.share(1)-1, j)
	co.mu.Unlock()
	if len(group) == 1 { // alone: on the caller's own goroutine and context
		co.run(ctx, s, group, true)
		return j.res, j.err
	}
	co.c.goBackground(func() { co.runGroup(s, group) })
	return co.wait(ctx, j)
}

// help sends queued messages on s, a session got after the caller's own
// message was taken by another caller, then gives s back.
func (co *coalescer) help(s ports.Session) {
	co.mu.Lock()
	group := co.take(co.share(0), nil)
	co.mu.Unlock()
	if len(group) == 0 {
		co.c.releaseDirect(s, nil)
		return
	}
	co.c.goBackground(func() { co.runGroup(s, group) })
}

// share is how many messages one session takes: the queue (and own more
// messages of the caller) spread evenly over the pool's sessions, at most
// co.max, so that the other sessions get work too rather than sending
// latecomers alone. The caller holds co.mu.
func (co *coalescer) share(own int) int {
	size := co.size.Load()
	if size == 0 {
		size = int32(max(1, co.c.o.pool.Status().MaxSize))
		co.size.Store(size)
	}
	n := len(co.queue) + own
	return min(co.max, (n+int(size)-1)/int(size))
}

// take marks up to n of the oldest queued jobs taken and ends their own
// waits for the pool. They follow own, when not nil, in the group it
// returns. The caller holds co.mu.
func (co *coalescer) take(n int, own *job) []*job {
	n = min(n, len(co.queue))
	group := make([]*job, 0, n+1)
	if own != nil {
		group = append(group, own)
	}
	for _, j := range co.queue[:n] {
		j.taken = true
		j.stopGet()
		group = append(group, j)
	}
	co.queue = append(co.queue[:0], co.queue[n:]...)
	return group
}

// remove takes j out of the queue. The caller holds co.mu.
func (co *coalescer) remove(j *job) {
	for i, q := range co.queue {
		if q == j {
			co.queue = append(co.queue[:i], co.queue[i+1:]...)
			return
		}
	}
}

// wait waits for the outcome of j, which another goroutine sends. When ctx
// ends first the outcome is not known to the caller: a message already
// handed to the session may reach the server.
func (co *coalescer) wait(ctx context.Context, j *job) (*domain.SendResult, error) {
	select {
	case <-j.done:
		return j.res, j.err
	case <-ctx.Done():
	}
	j.gone.Store(true) // runGroup sees this, or this sees the group
	j.leave()
	select {
	case <-j.done:
		return j.res, j.err
	default:
	}
	if j.state.CompareAndSwap(jobPending, jobAbandoned) {
		// Not handed to the session yet, and now it never will be.
		return nil, &domain.Error{Kind: domain.KindOf(ctx.Err()), Op: "send", Message: "context ended before the message was sent", Err: ctx.Err()}
	}
	return nil, &domain.Error{Kind: domain.KindDeliveryUnknown, Op: "send", Err: ctx.Err(),
		Message: "context ended while the message was in flight in a pipelined group; the server may or may not have taken it"}
}

// runGroup sends a group of several callers' messages under a context that
// ends only when every one of those callers has gone (its context ended
// while it waited) or has its outcome. Every caller of the group waits in
// wait, which leaves the group when the caller's context ends; one whose
// context ended before the group began leaves here.
func (co *coalescer) runGroup(s ports.Session, group []*job) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &groupCtx{cancel: cancel}
	g.jobs.Store(int32(len(group)))
	for _, j := range group {
		j.grp.Store(g)
		if j.gone.Load() || j.ctx.Err() != nil {
			j.leave()
		}
	}
	co.run(ctx, s, group, false)
}

// run sends the jobs on s with one SendMany and gives s back. Jobs never
// started because the session died under an earlier one go again on a new
// session, as long as each round starts something. alone says that ctx is
// the only job's own (its caller's goroutine): the release of s is then
// traced as part of its send.
func (co *coalescer) run(ctx context.Context, s ports.Session, group []*job, alone bool) {
	c := co.c
	for len(group) > 0 {
		start := c.o.now()
		caps := s.Info().Extensions
		key := encodeKey(caps)
		co.caps.Store(key)
		var live []*job
		var txs []ports.Transaction
		var bodies []*countingBody
		for _, j := range group {
			m, env, err := j.msg, j.env, error(nil)
			j.msg = nil // used once: a later round encodes again
			if m == nil || j.key != key {
				m, env, err = c.prepare(caps, j.m)
			}
			if err != nil {
				j.finish(nil, err)
				continue
			}
			if j.state.Load() == jobAbandoned { // its caller has gone: nothing of it is sent
				j.finish(nil, callerGone())
				continue
			}
			j.cl.note(env.Size)
			body := &countingBody{Message: m, begin: j.begin}
			live, bodies = append(live, j), append(bodies, body)
			txs = append(txs, ports.Transaction{Envelope: env, Body: body, Trace: j.ctx})
		}
		if len(txs) == 0 {
			c.releaseDirect(s, nil)
			return
		}
		outs := sendAll(ctx, s, txs)
		var again []*job
		var failure error
		started := false
		for _, o := range outs {
			started = started || !errors.Is(o.Err, ports.ErrNotSent)
		}
		for k, o := range outs {
			j := live[k]
			if errors.Is(o.Err, ports.ErrNotSent) && started && ctx.Err() == nil {
				again = append(again, j) // never begun: still pending, or abandoned and skipped
				continue
			}
			res, err := c.outcome(bodies[k].MessageID(), txs[k].Envelope, o.Result, o.Err, start, bodies[k].n)
			if err != nil && failure == nil {
				failure = err
			}
			j.finish(res, err)
		}
		if alone {
			c.releaseObserved(ctx, s, failure)
		} else {
			c.releaseDirect(s, failure)
		}
		if len(again) == 0 {
			return
		}
		group = again
		var err error
		if s, err = c.acquireDirect(ctx); err != nil {
			for _, j := range group {
				j.finish(nil, err)
			}
			return
		}
	}
}

// sendAll sends txs on s: one alone with Send, several with SendMany.
func sendAll(ctx context.Context, s ports.Session, txs []ports.Transaction) []ports.TxOutcome {
	if len(txs) == 1 {
		res, err := s.Send(ctx, txs[0].Envelope, txs[0].Body)
		return []ports.TxOutcome{{Result: res, Err: err}}
	}
	return s.SendMany(ctx, txs)
}
