package application

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// The client reports each message once, when its outcome is final: a span
// (smtp.send, the root of the message's tree) and its metrics through the
// Telemetry port, and one log line, INFO for a sent message and ERROR for a
// failed one (section 9.3.1). Addresses and error texts pass through the
// address policy first.

// sendSpan is a message's smtp.send span and what its summary needs.
type sendSpan struct {
	span  ports.Span
	start time.Time
	rcpts int
	call  *call
}

// call is the state of one message's way through the client, handed down
// the call chain as an argument (never in a context value): the batch
// session it must use, and the size of the message as last encoded for a
// session, so that a send that fails still reports it.
type call struct {
	sticky *stickySession // a batch's kept session; nil: the pool's, or a new session per attempt
	size   atomic.Int64
}

// note records n octets as the message's size; 0 (unknown) is ignored.
func (cl *call) note(n int64) {
	if n > 0 {
		cl.size.Store(n)
	}
}

// startSend begins e's smtp.send span as a child of ctx's span; the send
// uses sticky's session when it is not nil.
func (c *Client) startSend(ctx context.Context, e *domain.Email, sticky *stickySession) (context.Context, sendSpan) {
	rcpts := len(e.To) + len(e.Cc) + len(e.Bcc)
	ctx, span := c.o.telemetry.Start(ctx, ports.StageSend, ports.Attrs{
		From:           e.From,
		Recipients:     rcpts,
		HasAttachments: len(e.Attachments) > 0,
	})
	return ctx, sendSpan{span: span, start: c.o.now(), rcpts: rcpts, call: &call{sticky: sticky}}
}

// startRaw begins the smtp.send span of a prebuilt message.
func (c *Client) startRaw(ctx context.Context, from domain.Address, to []domain.Address) (context.Context, sendSpan) {
	ctx, span := c.o.telemetry.Start(ctx, ports.StageSend, ports.Attrs{From: from, Recipients: len(to)})
	return ctx, sendSpan{span: span, start: c.o.now(), rcpts: len(to), call: &call{}}
}

// endSend ends the span with the message's final outcome and logs it.
func (c *Client) endSend(s sendSpan, res *domain.SendResult, err error) {
	switch n := s.call.size.Load(); {
	case res != nil:
		s.span.Result(res)
	case n > 0: // failed after the message was encoded: its size still counts
		s.span.Result(&domain.SendResult{Size: n})
	}
	s.span.End(err)
	if !c.o.logging() {
		return
	}
	ms := c.o.now().Sub(s.start).Milliseconds()
	if err == nil {
		c.o.log.Infow("smtp email sent", "smtp.message_id", res.MessageID, "smtp.recipients", s.rcpts,
			"smtp.accepted", len(res.Accepted), "smtp.rejected", len(res.Rejected), "smtp.duration_ms", ms)
		return
	}
	kv := []any{"smtp.recipients", s.rcpts, "smtp.duration_ms", ms}
	kv = append(kv, c.errorFields(err)...)
	if res != nil && res.MessageID != "" {
		kv = append(kv, "smtp.message_id", res.MessageID, "smtp.accepted", len(res.Accepted))
	}
	c.o.log.Errorw("smtp email send failed", kv...)
}

// errorFields are the log fields of section 9.3.2 for err, its text shown
// as the address policy says.
func (c *Client) errorFields(err error) []any {
	kv := []any{"smtp.error_kind", domain.KindOf(err).String(), "smtp.retryable", domain.IsTemporary(err)}
	if e := domain.AsError(err); e != nil && e.Code != 0 {
		kv = append(kv, "smtp.error_code", e.Code)
	}
	return append(kv, "error", c.o.addresses.MaskText(err.Error()))
}

// retried reports the start of attempt number attempt after err.
func (c *Client) retried(ctx context.Context, attempt int, err error) {
	c.o.telemetry.Retry(ctx, attempt, err)
	if !c.o.logging() {
		return
	}
	kv := append([]any{"smtp.attempt", attempt}, c.errorFields(err)...)
	c.o.log.Warnw("smtp send failed, retrying", kv...)
}

// rateLimited logs and counts a refused emails permit.
func (c *Client) rateLimited(err error) {
	if !c.o.logging() {
		return
	}
	kv := append([]any{"quota", ports.QuotaEmails.String()}, c.errorFields(err)...)
	c.o.log.Warnw("smtp rate limit reached", kv...)
}

// acquireObserved is acquireDirect in an smtp.connection.acquire span.
func (c *Client) acquireObserved(ctx context.Context) (ports.Session, error) {
	ctx, span := c.o.telemetry.Start(ctx, ports.StageAcquire, ports.Attrs{})
	s, err := c.acquireDirect(ctx)
	span.End(err)
	return s, err
}

// releaseObserved is releaseDirect in an smtp.connection.release span.
func (c *Client) releaseObserved(ctx context.Context, s ports.Session, err error) {
	_, span := c.o.telemetry.Start(ctx, ports.StageRelease, ports.Attrs{})
	c.releaseDirect(s, err)
	span.End(nil)
}
