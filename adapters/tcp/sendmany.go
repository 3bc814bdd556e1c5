package tcp

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// SendMany runs txs in order, each as Send does, and returns one outcome
// per transaction. Every envelope is checked first; one that fails the
// checks gets its error and no byte of it is sent, and the others go ahead.
//
// With PIPELINING on the DATA path, the command group of the next
// transaction (MAIL, every RCPT, DATA) follows the final dot of the previous
// body in the same write, as RFC 2920 section 3.1 allows, so a message
// costs one round trip; the replies are then read in order: the verdict on
// the previous message, then the group replies of the next. A transaction
// the server splits (a recipient limit) runs its further transactions
// before the next message's group goes out. With CHUNKING or without
// PIPELINING the transactions run one after another.
//
// A server refusing one transaction does not stop the others. After a
// failure that leaves the session unusable (an I/O error, a 421, a desync,
// a lost verdict, a body that failed half-way, an ended context), the
// transactions not started yet get an error wrapping ports.ErrNotSent:
// KindConnection (retryable: nothing of them was sent), or the context's
// kind when the context ended. A command group already sent behind the
// lost message's dot does not count as started: without its body the
// server cannot deliver it. Errors are *domain.Error.
func (s *Session) SendMany(ctx context.Context, txs []ports.Transaction) []ports.TxOutcome {
	out := make([]ports.TxOutcome, len(txs))
	s.sendMany(ctx, txs, out)
	return out
}

// sendMany is SendMany with the outcomes written to out (one for each
// transaction).
func (s *Session) sendMany(ctx context.Context, txs []ports.Transaction, out []ports.TxOutcome) {
	const op = "mail"
	var plansRoom [1]*envelope
	var todoRoom [1]int
	plans, todo := plansRoom[:], todoRoom[:0] // todo: the transactions that passed the checks, in order
	envs := make([]envelope, len(txs))        // every envelope in one allocation
	if len(txs) > 1 {
		plans, todo = make([]*envelope, len(txs)), make([]int, 0, len(txs))
	}
	for i, tx := range txs {
		if tx.Body == nil {
			out[i].Err = domain.NewError(domain.KindInvalidInput, op, "no message body")
			continue
		}
		env, err := s.measured(tx)
		if err == nil {
			err = s.planInto(&envs[i], env)
		}
		if err != nil {
			out[i].Err = err
			continue
		}
		plans[i] = &envs[i]
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return
	}
	err := s.usable(op)
	if err == nil && ctx.Err() != nil {
		err = ctxError(op, ctx.Err())
	}
	if err != nil {
		for _, i := range todo {
			out[i].Err = err
		}
		return
	}
	stop := s.w.watch(ctx)
	defer stop()
	var pipeline context.Context // the smtp.pipeline span's, when several messages share the session
	var pspan ports.Span
	if len(txs) > 1 {
		pipeline, pspan = s.t.start(ctx, ports.StagePipeline, ports.Attrs{Recipients: len(txs)})
		if pspan == nil {
			pipeline = nil
		}
	}
	overlap := s.caps.Pipelining && !s.cfg.DisablePipelining && !(s.caps.Chunking && s.cfg.EnableChunking)
	opened := false // the command group of todo[k] is already on the wire
	var fatal error // the error that left the session unusable
	for k, i := range todo {
		if s.broken {
			out[i].Err = notSent(op, fatal)
			continue
		}
		var ahead *envelope
		if overlap && k+1 < len(todo) {
			ahead = plans[todo[k+1]]
		}
		s.startTx(&txs[i], ctx, pipeline)
		res, sent, err := s.deliver(plans[i], txs[i].Body, opened, ahead)
		s.endTx(err)
		out[i] = ports.TxOutcome{Result: res, Err: err}
		opened = sent
		if s.broken {
			fatal = err
		}
	}
	end(pspan, fatal)
}

// notSent is the error of a transaction that never started because an
// earlier one, failing with cause, left the session unusable.
func notSent(op string, cause error) *domain.Error {
	e := &domain.Error{Kind: domain.KindConnection, Op: op, Message: "an earlier transaction left the connection unusable", Err: ports.ErrNotSent}
	if cause != nil {
		e.Message += " (" + cause.Error() + ")"
	}
	// Only the context's own error joins the chain: the cause may be of
	// KindDeliveryUnknown, which this transaction is not.
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(cause, ctxErr) {
			e.Kind = ctxError(op, ctxErr).Kind
			e.Err = fmt.Errorf("%w: %w", ports.ErrNotSent, ctxErr)
		}
	}
	return e
}

// deliver runs the transactions of one message: one, or more when the
// server limits recipients per transaction. With opened set the first
// command group is already on the wire; ahead, when not nil, is the next
// message's group, which the last transaction writes behind its final dot
// (pipelining, DATA path). sent reports whether it did: the group's replies
// are then the next ones to read.
func (s *Session) deliver(e *envelope, body io.WriterTo, opened bool, ahead *envelope) (total *ports.TxResult, sent bool, err error) {
	for pending := e.rcpts; len(pending) > 0; {
		var o outcome
		sent, err = s.transaction(&o, e, pending, body, opened, ahead)
		s.endCommands(err)
		opened = false
		if o.reply != nil {
			if total == nil { // the first result takes o's lists as they are
				total = &ports.TxResult{Accepted: o.accepted, Rejected: o.rejected}
			} else {
				total.Accepted = append(total.Accepted, o.accepted...)
				total.Rejected = append(total.Rejected, o.rejected...)
			}
			total.Response, total.QueueID, total.Size = o.reply.String(), queueID(o.reply.Text()), o.size
		}
		if err != nil {
			switch {
			case total != nil && o.reply == nil:
				total.Rejected = append(total.Rejected, o.failed(pending, err)...)
			case total == nil && len(o.rejected) > 0:
				// Nobody accepted: the result still says why, recipient by
				// recipient, next to the error.
				total = &ports.TxResult{Rejected: o.rejected}
			}
			return total, sent, err
		}
		pending = o.deferred
	}
	return total, sent, nil
}

// measured returns tx's envelope with its size measured when it asks for
// that (Envelope.Measure) and the server takes a declared size: a pass of
// the body through the body writer's rules (measure), before anything of
// the transaction is sent, so a message over the server's limit is refused
// here and the body's own refusals (a raw message's bad line) come before
// MAIL. Errors are *domain.Error.
func (s *Session) measured(tx ports.Transaction) (ports.Envelope, error) {
	env := tx.Envelope
	if !env.Measure || env.Size != 0 || !s.caps.Size {
		return env, nil
	}
	size, err := measure(tx.Body, !(s.caps.Chunking && s.cfg.EnableChunking))
	if err != nil {
		return env, bodyError(err)
	}
	env.Size = size
	return env, nil
}
