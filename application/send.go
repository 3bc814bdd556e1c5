package application

import (
	"context"
	"errors"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Send delivers e, retrying transient failures. A result with some
// recipients rejected is still a success (see SendResult.Rejected); when no
// recipient is accepted Send fails. When a failure comes after some
// recipients already have the message (a later transaction of a split
// recipient list, a desync after the final reply), Send returns both the
// result and the error and does not retry. Errors are *domain.Error; check
// domain.IsDeliveryUnknown: the server may then have taken the message.
func (c *Client) Send(ctx context.Context, e *domain.Email) (*domain.SendResult, error) {
	if err := c.enter("send"); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	if e == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "send", "nil email")
	}
	return c.sendObserved(ctx, e, nil)
}

// sendObserved sends e through the interceptors and the policies inside
// its smtp.send span, and logs the outcome. A batch passes the session it
// keeps for its messages as sticky; nil otherwise.
func (c *Client) sendObserved(ctx context.Context, e *domain.Email, sticky *stickySession) (*domain.SendResult, error) {
	ctx, span := c.startSend(ctx, e, sticky)
	var res *domain.SendResult
	var err error
	if len(c.o.interceptors) == 0 {
		res, err = c.sendWithPolicies(ctx, span.call, e)
	} else {
		res, err = c.intercepted(span.call)(ctx, e)
	}
	c.endSend(span, res, err)
	return res, err
}

// intercepted returns the interceptor chain around sendWithPolicies for
// one call; the first interceptor is outermost.
func (c *Client) intercepted(cl *call) ports.SendFunc {
	send := func(ctx context.Context, e *domain.Email) (*domain.SendResult, error) {
		return c.sendWithPolicies(ctx, cl, e)
	}
	for i := len(c.o.interceptors) - 1; i >= 0; i-- {
		ic, next := c.o.interceptors[i], send
		send = func(ctx context.Context, e *domain.Email) (*domain.SendResult, error) {
			return ic.Intercept(ctx, e, next)
		}
	}
	return send
}

// sendWithPolicies validates e, fixes its Message-ID and Date so every
// attempt writes the same message, takes a rate-limit permit, then runs
// attempts under the circuit breaker and the retry policy.
func (c *Client) sendWithPolicies(ctx context.Context, cl *call, e *domain.Email) (*domain.SendResult, error) {
	msg, err := c.stamp(e)
	if err != nil {
		return nil, err
	}
	if err := c.admit(ctx); err != nil {
		return nil, err
	}
	return c.run(ctx, func(ctx context.Context) (*domain.SendResult, error) { return c.attempt(ctx, cl, msg) })
}

// admit takes one permit of the emails quota.
func (c *Client) admit(ctx context.Context) error {
	if c.o.limiter == nil {
		return nil
	}
	err := c.o.limiter.Acquire(ctx, ports.QuotaEmails)
	if err != nil {
		c.rateLimited(err)
	}
	return err
}

// run runs attempt under the breaker and the retry policy. The outcome is
// always the last attempt's own: whatever the policies or the context do
// afterwards, a delivered message stays delivered and delivery status
// unknown stays unknown. Only when no attempt ran (an open circuit, a
// context that ended first) does the policies' error come back.
func (c *Client) run(ctx context.Context, attempt func(context.Context) (*domain.SendResult, error)) (*domain.SendResult, error) {
	var last struct {
		res *domain.SendResult
		err error
		ran bool
	}
	err := c.exec.WithContext(ctx).RunWithExecution(func(x failsafe.Execution[any]) error {
		if n := x.Attempts(); n > 1 && last.err != nil {
			c.retried(ctx, n, last.err)
		}
		res, err := attempt(x.Context())
		last.res, last.err, last.ran = res, err, true
		return err
	})
	if last.ran {
		return finish(last.res, last.err)
	}
	if errors.Is(err, circuitbreaker.ErrOpen) {
		return nil, c.circuitOpen(err)
	}
	if cerr := ctx.Err(); cerr != nil && domain.AsError(err) == nil {
		return nil, &domain.Error{Kind: domain.KindOf(cerr), Op: "send", Message: "context ended before the message was sent", Err: cerr}
	}
	return nil, err
}

// partialDelivery marks a failure after some recipients already have the
// message: it is never retried (that would deliver twice), and Send returns
// the result together with the cause.
type partialDelivery struct{ err error }

func (p *partialDelivery) Error() string { return p.err.Error() }
func (p *partialDelivery) Unwrap() error { return p.err }

// outcome turns a transaction's result and error into Send's. A failure
// that comes with accepted recipients becomes a partialDelivery, except
// when it is only the refusal of the remaining recipients (a 452 or 550 to
// the later transaction of a split recipient list): those are reported one
// by one in Rejected with their codes, as a refusal in the first
// transaction is, and the send succeeded.
func (c *Client) outcome(id string, env ports.Envelope, tx *ports.TxResult, err error, start time.Time, written int64) (*domain.SendResult, error) {
	if tx == nil {
		return nil, err
	}
	res := c.result(id, env, tx, start, written)
	if err != nil {
		if len(res.Accepted) == 0 {
			return res, err // every recipient refused: the result lists why
		}
		if recipientsRefused(err) {
			return res, nil
		}
		return res, &partialDelivery{err}
	}
	return res, nil
}

// recipientsRefused reports whether err only says that the server refused
// every remaining recipient of a transaction at RCPT (a session's errors
// name the command they answer in Op).
func recipientsRefused(err error) bool {
	e := domain.AsError(err)
	return e != nil && e.Op == "rcpt" && (e.Kind == domain.KindTemporaryFailure || e.Kind == domain.KindInvalidRecipientAddress)
}

// finish unwraps the policies' error: a partial delivery keeps its result.
func finish(res *domain.SendResult, err error) (*domain.SendResult, error) {
	if err == nil {
		return res, nil
	}
	var p *partialDelivery
	if errors.As(err, &p) {
		return res, p.err
	}
	var f *finalError
	if errors.As(err, &f) {
		return res, f.err
	}
	return res, err // res, when set, lists the refused recipients
}

// stamped is a validated message with the Message-ID and Date that every
// attempt writes into it (the Email's own, else fixed once by stamp). stamp
// neither copies nor changes the caller's Email: Send and SendBatch read it
// only until they return (the coalescer, whose session may encode a
// message after its caller has gone, keeps a copy in its job).
type stamped struct {
	e    *domain.Email
	id   string
	date time.Time
}

// stamp validates e against the domain rules and the client's limits and
// fixes its Message-ID and Date, so that every attempt writes the same
// message.
func (c *Client) stamp(e *domain.Email) (stamped, error) {
	if err := e.Validate(); err != nil {
		return stamped{}, err
	}
	if err := c.checkLimits(e); err != nil {
		return stamped{}, err
	}
	m := stamped{e: e, id: e.MessageID, date: e.Date}
	if m.id == "" {
		m.id = domain.NewMessageID(e.From.ASCIIDomain())
	}
	if m.date.IsZero() {
		m.date = c.o.now()
	}
	return m, nil
}

// attempt is one attempt: on a pooled session together with other
// callers' messages when sessions are busy (coalescing), else on a session
// of its own.
func (c *Client) attempt(ctx context.Context, cl *call, msg stamped) (*domain.SendResult, error) {
	if c.co != nil && cl.sticky == nil {
		return c.co.send(ctx, cl, msg)
	}
	start := c.o.now()
	s, err := c.acquire(ctx, cl)
	if err != nil {
		return nil, err
	}
	res, err := c.transact(ctx, cl, s, msg, start)
	c.release(ctx, cl, s, err)
	return res, err
}

// transact sends msg on an open session.
func (c *Client) transact(ctx context.Context, cl *call, s ports.Session, msg stamped, start time.Time) (*domain.SendResult, error) {
	m, env, err := c.prepare(s.Info().Extensions, msg)
	if err != nil {
		return nil, err
	}
	body := &countingBody{Message: m}
	cl.note(env.Size)
	tx, err := s.Send(ctx, env, body)
	cl.note(body.n)
	return c.outcome(m.MessageID(), env, tx, err, start, body.n)
}

// prepare encodes msg for a server with the extensions ext and builds its
// envelope. Only the encoding is chosen here (8-bit text where the server
// has 8BITMIME and the client allows it); the session decides what to
// declare (SIZE, BODY=8BITMIME, SMTPUTF8) and what the server cannot take.
func (c *Client) prepare(ext domain.Extensions, msg stamped) (ports.Message, ports.Envelope, error) {
	e := msg.e
	// Raw UTF-8 headers only where the envelope needs SMTPUTF8 anyway (the
	// session refuses such a message when the server lacks SMTPUTF8);
	// otherwise RFC 2047 words and punycode keep the message 7-bit clean.
	m, err := c.enc.Prepare(e, ports.EncodeOptions{Allow8Bit: c.o.allow8Bit && ext.EightBitMIME, UTF8: e.NeedsSMTPUTF8(),
		MessageID: msg.id, Date: msg.date})
	if err != nil {
		return nil, ports.Envelope{}, err
	}
	env := ports.Envelope{From: e.EnvelopeFrom(), To: e.Recipients(), EightBit: m.EightBit()}
	// The exact size, which the session declares when the server has SIZE
	// (and holds against the server's limit); a message with a reader
	// source is not measured: the reader could be read only once.
	if !hasReaderSource(e) {
		if env.Size, err = m.Size(); err != nil {
			return nil, ports.Envelope{}, err
		}
	}
	return m, env, nil
}

// result builds the SendResult of a transaction; written is the octets the
// body wrote, for a server that was not told the size.
func (c *Client) result(id string, env ports.Envelope, tx *ports.TxResult, start time.Time, written int64) *domain.SendResult {
	res := &domain.SendResult{MessageID: id, Rejected: tx.Rejected, Size: env.Size, Duration: c.o.now().Sub(start)}
	if res.Size == 0 {
		res.Size = tx.Size // as the session sent it
	}
	if res.Size == 0 {
		res.Size = written
	}
	if len(tx.Accepted) > 0 {
		res.Accepted = make([]string, len(tx.Accepted))
		for i, a := range tx.Accepted {
			res.Accepted[i] = a.Email()
		}
	}
	res.Response, res.ServerID = tx.Response, tx.QueueID
	return res
}

func hasReaderSource(e *domain.Email) bool {
	for _, a := range e.Attachments {
		if a.Content.Type() == domain.SourceReader {
			return true
		}
	}
	for _, i := range e.InlineImages {
		if i.Content.Type() == domain.SourceReader {
			return true
		}
	}
	return false
}
