package telemetry

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// nopSpan is the span of a stage nothing records.
type nopSpan struct{}

func (nopSpan) Result(*domain.SendResult) {}
func (nopSpan) Link(context.Context)      {}
func (nopSpan) End(error)                 {}

// span is a stage that is traced, measured, or both.
type span struct {
	t          *Telemetry
	ts         trace.Span // nil when the stage is not traced
	stage      ports.Stage
	measured   bool // a metric is fed at End
	start      time.Time
	size       int64
	recipients int
	mechanism  domain.AuthMechanism
	rejected   int
}

// Result records a send's result: its message id, queue id and recipient
// counts on the span, its size for smtp_message_size_bytes, its refused
// recipients for the status label.
func (s *span) Result(r *domain.SendResult) {
	if r == nil {
		return
	}
	if r.Size > 0 {
		s.size = r.Size
	}
	s.rejected = len(r.Rejected)
	if s.ts == nil {
		return
	}
	attrs := []attribute.KeyValue{
		attribute.String("smtp.message_id", r.MessageID),
		attribute.Int("smtp.recipients.accepted", len(r.Accepted)),
		attribute.Int("smtp.recipients.rejected", len(r.Rejected)),
	}
	if r.ServerID != "" {
		attrs = append(attrs, attribute.String("smtp.queue_id", r.ServerID))
	}
	if r.Size > 0 {
		attrs = append(attrs, attribute.Int64("smtp.message_size", r.Size))
	}
	s.ts.SetAttributes(attrs...)
}

// Link ties the span to the span current in ctx.
func (s *span) Link(ctx context.Context) {
	if s.ts == nil {
		return
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		s.ts.AddLink(trace.Link{SpanContext: sc})
	}
}

// End feeds the stage's metrics and ends the span, failed when err is not
// nil.
func (s *span) End(err error) {
	if s.measured {
		s.measure(err)
	}
	if s.ts == nil {
		return
	}
	if err != nil {
		s.t.recordError(s.ts, err)
	}
	s.ts.End()
}

// measure feeds the metrics of the stage's end.
func (s *span) measure(err error) {
	t, ctx := s.t, context.Background()
	in, l := &t.inst, &t.labels
	switch s.stage {
	case ports.StageSend:
		status := sentSuccess
		switch {
		case domain.IsDeliveryUnknown(err):
			status = sentUnknown
		case err != nil:
			status = sentFailure
		case s.rejected > 0:
			status = sentPartial
		}
		in.sent.Add(ctx, 1, l.sent[status]...)
		if err != nil {
			in.failed.Add(ctx, 1, l.kind(domain.KindOf(err))...)
		}
		in.sendDuration.Record(ctx, time.Since(s.start).Seconds(), l.hostRecord...)
		if s.size > 0 {
			in.messageSize.Record(ctx, s.size, l.hostRecord...)
		}
		if s.recipients > 0 {
			in.recipients.Record(ctx, int64(s.recipients), l.hostRecord...)
		}
	case ports.StageAcquire:
		in.acquire.Record(ctx, time.Since(s.start).Seconds(), l.hostRecord...)
	case ports.StageAuth:
		in.auth.Add(ctx, 1, l.authAttempt(s.mechanism, err == nil)...)
	case ports.StageTLSUpgrade:
		in.tls.Add(ctx, 1, l.tlsUpgrade(err == nil)...)
	}
}

// recordError marks ts failed with err, its text shown as the address
// policy says: the status, an "exception" event (as trace.Span.RecordError
// makes, but with the masked text) and the error's kind and reply codes.
func (t *Telemetry) recordError(ts trace.Span, err error) {
	msg := t.policy.MaskText(err.Error())
	ts.SetStatus(codes.Error, msg)
	ts.AddEvent("exception", trace.WithAttributes(
		attribute.String("exception.type", fmt.Sprintf("%T", err)),
		attribute.String("exception.message", msg),
	))
	attrs := []attribute.KeyValue{attribute.String("smtp.error_kind", domain.KindOf(err).String())}
	if e := domain.AsError(err); e != nil && e.Code != 0 {
		attrs = append(attrs, attribute.Int("smtp.error_code", e.Code))
		if !e.Enhanced.IsZero() {
			attrs = append(attrs, attribute.String("smtp.error_enhanced_code", e.Enhanced.String()))
		}
	}
	ts.SetAttributes(attrs...)
}
