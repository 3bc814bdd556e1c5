package application

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// SendBatch sends every message over one connection while the server
// allows it, and returns one item per message in input order; the error is
// non-nil only when the batch could not run at all (closed client,
// cancelled context before the first message).
//
// Without interceptors the batch is pipelined: every message is validated
// first (a nil or invalid one gets its error and is never sent), then they
// are encoded for the session's capabilities and go to the server in one
// ports.Session.SendMany, each message's commands following the previous
// message's final dot. A message refused by the server does not stop the
// others. When the session dies under one message, that one gets its error
// (a KindDeliveryUnknown one is never sent again) and the messages not
// started yet go on a new session. Messages that failed with a retryable
// error are sent again, together, under the client's retry policy (each
// message at most RetryConfig.MaxAttempts times, a round of the whole
// remainder passing the circuit breaker once); a message that some
// recipients already received is not sent again. Duration in each result
// runs from the start of its round.
//
// With interceptors, which wrap the sending of one message and must see its
// real outcome, each message goes through them and Send's path in turn, on
// the same session: nothing is pipelined across messages.
func (c *Client) SendBatch(ctx context.Context, emails []*domain.Email) (*domain.BatchResult, error) {
	if err := c.enter("send batch"); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	if err := ctx.Err(); err != nil {
		return nil, domain.WrapError(domain.KindCancelled, "send batch", err)
	}
	start := c.o.now()
	res := &domain.BatchResult{Items: make([]domain.BatchItem, len(emails)), Total: len(emails)}
	if len(c.o.interceptors) > 0 {
		sticky := &stickySession{c: c}
		c.sendEach(ctx, sticky, emails, res.Items)
		sticky.close()
	} else {
		c.sendPipelined(ctx, emails, res.Items)
	}
	for _, it := range res.Items {
		if it.Err != nil {
			res.Failed++
		} else {
			res.Succeeded++
		}
	}
	res.Duration = c.o.now().Sub(start)
	return res, nil
}

// sendEach sends the messages one at a time through the interceptors, on
// the batch's session.
func (c *Client) sendEach(ctx context.Context, sticky *stickySession, emails []*domain.Email, items []domain.BatchItem) {
	for i, e := range emails {
		if e == nil {
			items[i].Err = nilEmail()
			continue
		}
		items[i].Result, items[i].Err = c.sendObserved(ctx, e, sticky)
	}
}

func nilEmail() error { return domain.NewError(domain.KindInvalidInput, "send batch", "nil email") }

// batchMessage is a message of a pipelined batch that still has to go.
type batchMessage struct {
	i   int     // its index in the batch
	m   stamped // validated, Message-ID and Date fixed
	err error   // its last failure
	// admitted is set once the rate limiter let it go; retries take no
	// further permit.
	admitted bool
	ctx      context.Context // carries its smtp.send span
	span     sendSpan
}

// minShard is the fewest messages a batch gives each pooled session.
const minShard = 32

// sendPipelined validates every message, then sends the valid ones in
// rounds under the policies until each has an outcome. With a pool, the
// batch is cut into up to the pool's size of contiguous shards of at least
// minShard messages, sent in parallel; each shard validates its own
// messages, so that validating the batch is spread over the shards and
// overlaps with the sending of the others.
func (c *Client) sendPipelined(ctx context.Context, emails []*domain.Email, items []domain.BatchItem) {
	n := 1
	if c.o.pool != nil {
		n = max(1, min(c.o.pool.Status().MaxSize, len(emails)/minShard))
	}
	if n == 1 {
		if pending := c.stampAll(ctx, emails, 0, items); len(pending) > 0 {
			c.sendShard(ctx, pending, items)
		}
		return
	}
	var wg sync.WaitGroup
	size := (len(emails) + n - 1) / n
	for start := 0; start < len(emails); start += size {
		shard := emails[start:min(start+size, len(emails))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if pending := c.stampAll(ctx, shard, start, items); len(pending) > 0 {
				c.sendShard(ctx, pending, items)
			}
		}()
	}
	wg.Wait()
}

// stampAll begins the smtp.send span of each of emails, the messages of
// the batch from index first on, and validates and stamps it (see stamp).
// A nil or invalid one gets its error in items and its span ends; the
// others are returned, in order.
func (c *Client) stampAll(ctx context.Context, emails []*domain.Email, first int, items []domain.BatchItem) []*batchMessage {
	pending := make([]*batchMessage, 0, len(emails))
	room := make([]batchMessage, len(emails)) // every message in one allocation
	for k, e := range emails {
		i := first + k
		if e == nil {
			items[i].Err = nilEmail()
			continue
		}
		sctx, span := c.startSend(ctx, e, nil)
		msg, err := c.stamp(e)
		if err != nil {
			items[i].Err = err
			c.endSend(span, nil, err)
			continue
		}
		room[k] = batchMessage{i: i, m: msg, ctx: sctx, span: span}
		pending = append(pending, &room[k])
	}
	return pending
}

// sendShard sends messages on one session at a time, in rounds under the
// breaker and the retry policy. Each message keeps its own last failure.
func (c *Client) sendShard(ctx context.Context, pending []*batchMessage, items []domain.BatchItem) {
	sticky := &stickySession{c: c}
	defer sticky.close()
	err := c.exec.WithContext(ctx).RunWithExecution(func(x failsafe.Execution[any]) error {
		if n := x.Attempts(); n > 1 {
			for _, m := range pending {
				c.retried(m.ctx, n, m.err)
			}
		}
		var err error
		pending, err = c.round(x.Context(), sticky, pending, items)
		return err
	})
	for _, m := range pending { // out of attempts, or stopped by the breaker or the context
		if m.err == nil {
			m.err = c.policyError(ctx, err)
		}
		items[m.i].Err = m.err
		c.final(m, items)
	}
}

// final reports m's outcome, now in items, once.
func (c *Client) final(m *batchMessage, items []domain.BatchItem) {
	c.endSend(m.span, items[m.i].Result, items[m.i].Err)
}

// policyError is the error of a message the policies stopped before it
// was tried: an open circuit, or a context that ended.
func (c *Client) policyError(ctx context.Context, err error) error {
	if errors.Is(err, circuitbreaker.ErrOpen) {
		return c.circuitOpen(err)
	}
	if cerr := ctx.Err(); cerr != nil && domain.AsError(err) == nil {
		return &domain.Error{Kind: domain.KindOf(cerr), Op: "send batch", Message: "context ended before the message was sent", Err: cerr}
	}
	return err
}

// round tries every pending message once and returns those to try again,
// with a retryable error when there are any. A message not sent because
// the session died under an earlier one goes again on a new session in the
// same round: it has not been tried.
func (c *Client) round(ctx context.Context, sticky *stickySession, todo []*batchMessage, items []domain.BatchItem) ([]*batchMessage, error) {
	var again []*batchMessage
	var retryErr error
	for len(todo) > 0 {
		s, err := sticky.get(ctx)
		if err != nil {
			for _, m := range todo {
				m.err = err
			}
			return append(again, todo...), err
		}
		start := c.o.now()
		var next []*batchMessage
		first, taken := true, 0
		chunks, stop := c.prepareChunks(ctx, s.Info().Extensions, todo)
		for ch := range chunks {
			taken += len(ch.sent) + len(ch.failed)
			for k, m := range ch.failed {
				if c.settle(m, ch.errs[k], items) {
					again, retryErr = append(again, m), firstOf(retryErr, ch.errs[k])
				}
			}
			if !first && len(ch.txs) > 0 && !s.Reusable() {
				// The previous chunk's last message left the session dead
				// (a 421, an I/O error): this chunk and the rest were not
				// tried and go on a new session.
				next = append(append([]*batchMessage(nil), ch.sent...), todo[taken:]...)
				break
			}
			var ms []*batchMessage
			ms, again, retryErr = c.sendChunk(ctx, s, ch, first, start, items, again, retryErr)
			if len(ms) > 0 { // only a dead session leaves messages unsent
				// The rest was not tried: it goes on the next session,
				// encoded for that one's capabilities.
				next = append(ms, todo[taken:]...)
				break
			}
			first = first && len(ch.txs) == 0
		}
		stop()
		todo = next
	}
	return again, retryErr
}

// preparedChunk is a run of messages encoded for one session.
type preparedChunk struct {
	sent   []*batchMessage
	txs    []ports.Transaction
	failed []*batchMessage // messages that could not be encoded
	errs   []error
}

// prepareChunks encodes todo for a session with caps in a goroutine, in
// chunks of growing size, so that encoding the next messages overlaps with
// waiting for the server's replies to the previous ones. stop ends the
// goroutine early (within one message's encoding) and waits for it; the
// channel is closed when it is done.
func (c *Client) prepareChunks(ctx context.Context, caps domain.Extensions, todo []*batchMessage) (<-chan *preparedChunk, func()) {
	out := make(chan *preparedChunk, 1)
	quit := make(chan struct{})
	go func() {
		defer close(out)
		size := 8
		for len(todo) > 0 {
			n := min(size, len(todo))
			ch := &preparedChunk{}
			for _, m := range todo[:n] {
				select {
				case <-quit: // the consumer stopped: nobody wants the rest
					return
				default:
				}
				if !m.admitted { // a rate-limit permit right before its first send
					if err := c.admit(ctx); err != nil {
						ch.failed, ch.errs = append(ch.failed, m), append(ch.errs, err)
						continue
					}
					m.admitted = true
				}
				msg, env, err := c.prepare(caps, m.m)
				if err != nil {
					ch.failed, ch.errs = append(ch.failed, m), append(ch.errs, err)
					continue
				}
				m.span.call.note(env.Size)
				ch.sent = append(ch.sent, m)
				ch.txs = append(ch.txs, ports.Transaction{Envelope: env, Body: &countingBody{Message: msg}, Trace: m.ctx})
			}
			todo = todo[n:]
			size = min(size*2, 128)
			select {
			case out <- ch:
			case <-quit:
				return
			}
		}
	}()
	var once bool
	return out, func() {
		if !once {
			once = true
			close(quit)
			for range out { // let the goroutine finish
			}
		}
	}
}

// sendChunk sends one prepared chunk with SendMany and records each
// outcome. It returns the messages to send again on a new session (never
// started because the session died under an earlier one), and the updated
// retry list.
//
// A chunk that starts nothing on a session that already sent an earlier
// chunk found the session dead at its start: all of it goes again. The
// first chunk of a session that starts nothing fails instead, so that a
// session that can never send does not loop forever.
func (c *Client) sendChunk(ctx context.Context, s ports.Session, ch *preparedChunk, first bool, start time.Time, items []domain.BatchItem,
	again []*batchMessage, retryErr error) ([]*batchMessage, []*batchMessage, error) {
	if len(ch.txs) == 0 {
		return nil, again, retryErr
	}
	outs := s.SendMany(ctx, ch.txs)
	started := !first
	for _, o := range outs {
		started = started || !errors.Is(o.Err, ports.ErrNotSent)
	}
	var next []*batchMessage
	for k, o := range outs {
		m, tx := ch.sent[k], ch.txs[k]
		body := tx.Body.(*countingBody)
		id := body.MessageID()
		switch {
		case o.Err == nil:
			items[m.i].Result = c.result(id, tx.Envelope, o.Result, start, body.n)
			c.final(m, items)
		case errors.Is(o.Err, ports.ErrNotSent) && started && ctx.Err() == nil:
			m.err = o.Err
			next = append(next, m)
		case o.Result != nil && len(o.Result.Accepted) > 0: // some recipients have it: sending again would duplicate it
			items[m.i].Result = c.result(id, tx.Envelope, o.Result, start, body.n)
			items[m.i].Err = o.Err
			c.final(m, items)
		case c.settle(m, o.Err, items):
			again, retryErr = append(again, m), firstOf(retryErr, o.Err)
		}
	}
	return next, again, retryErr
}

// settle records err as m's failure and reports whether m may be tried
// again; otherwise the error is final.
func (c *Client) settle(m *batchMessage, err error, items []domain.BatchItem) bool {
	m.err = err
	if c.retryable(err) {
		return true
	}
	items[m.i].Err = err
	c.final(m, items)
	return false
}

func firstOf(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// stickySession keeps one session across the messages of a batch.
type stickySession struct {
	c *Client
	s ports.Session
}

func (b *stickySession) get(ctx context.Context) (ports.Session, error) {
	if b.s != nil && b.s.Reusable() {
		return b.s, nil
	}
	b.close()
	s, err := b.c.acquireObserved(ctx)
	if err != nil {
		return nil, err
	}
	b.s = s
	return s, nil
}

func (b *stickySession) close() {
	if b.s != nil {
		b.c.releaseDirect(b.s, nil)
		b.s = nil
	}
}
