package telemetry

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/integrations/smtp"

// Config says what every span and metric is about.
type Config struct {
	Host          string               // the server's host name: the smtp.host attribute and the host label
	Port          int                  // the server's port
	AddressPolicy domain.AddressPolicy // how span attributes and error texts show addresses
}

// Option changes how New builds a Telemetry.
type Option func(*options)

type options struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider makes the Telemetry trace through tp instead of the
// global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tp = tp }
}

// WithMeterProvider makes the Telemetry measure through mp instead of the
// global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.mp = mp }
}

// Telemetry records spans and metrics through OpenTelemetry. It is safe
// for concurrent use. Make one with New.
type Telemetry struct {
	host   string
	port   int
	policy domain.AddressPolicy

	tracer  trace.Tracer
	tracing gate[trace.TracerProvider]
	metrics gate[metric.MeterProvider]
	inst    instruments
	labels  labels

	pool    atomic.Pointer[func() domain.PoolStatus]
	breaker atomic.Pointer[func() int64]
}

var _ ports.Telemetry = (*Telemetry)(nil)

// New returns a Telemetry for the server of cfg, recording through the
// global providers unless an Option gives others. Errors are
// *domain.Error of KindInvalidInput (an instrument the meter refused).
func New(cfg Config, opts ...Option) (*Telemetry, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.tp == nil {
		o.tp = otel.GetTracerProvider()
	}
	if o.mp == nil {
		o.mp = otel.GetMeterProvider()
	}
	t := &Telemetry{
		host:    cfg.Host,
		port:    cfg.Port,
		policy:  cfg.AddressPolicy,
		tracer:  o.tp.Tracer(ScopeName),
		tracing: newGate(o.tp, otel.GetTracerProvider),
		metrics: newGate(o.mp, otel.GetMeterProvider),
		labels:  newLabels(cfg.Host),
	}
	if err := t.inst.create(o.mp.Meter(ScopeName), t.observe); err != nil {
		return nil, domain.WrapError(domain.KindInvalidInput, "telemetry", err)
	}
	return t, nil
}

// Start begins stage s as a child of the span current in ctx. When
// nothing records the stage (no tracing, and no metric fed by it), it
// returns ctx itself and a shared span that does nothing.
func (t *Telemetry) Start(ctx context.Context, s ports.Stage, a ports.Attrs) (context.Context, ports.Span) {
	measured := stageMeasured(s) && t.metrics.on()
	var ts trace.Span
	if t.tracing.on() {
		var c context.Context
		c, ts = t.tracer.Start(ctx, s.String(), stageStartOptions(s)...)
		if ts.IsRecording() {
			ctx = c
			t.setStartAttributes(ts, s, &a)
		} else {
			ts = nil
		}
	}
	if ts == nil && !measured {
		return ctx, nopSpan{}
	}
	return ctx, &span{t: t, ts: ts, stage: s, measured: measured, start: time.Now(),
		size: a.Size, recipients: a.Recipients, mechanism: a.Mechanism}
}

// Retry counts smtp_retries_total{attempt} and adds an "smtp.retry" event
// to the span current in ctx.
func (t *Telemetry) Retry(ctx context.Context, attempt int, err error) {
	if t.metrics.on() {
		t.inst.retries.Add(ctx, 1, t.labels.retry(attempt)...)
	}
	if ts := trace.SpanFromContext(ctx); ts.IsRecording() {
		attrs := []attribute.KeyValue{attribute.Int("smtp.retry.attempt", attempt)}
		if err != nil {
			attrs = append(attrs,
				attribute.String("smtp.error_kind", domain.KindOf(err).String()),
				attribute.String("exception.message", t.policy.MaskText(err.Error())))
		}
		ts.AddEvent("smtp.retry", trace.WithAttributes(attrs...))
	}
}

// RateLimited counts smtp_rate_limit_exceeded_total{quota} and adds an
// "smtp.rate_limited" event to the span current in ctx.
func (t *Telemetry) RateLimited(ctx context.Context, q ports.Quota) {
	if t.metrics.on() {
		t.inst.rateLimited.Add(ctx, 1, t.labels.quota(q)...)
	}
	if ts := trace.SpanFromContext(ctx); ts.IsRecording() {
		ts.AddEvent("smtp.rate_limited", trace.WithAttributes(attribute.String("smtp.quota", q.String())))
	}
}

// RateLimitFailOpen counts smtp_rate_limit_fail_open_total{quota} and adds
// an "smtp.rate_limit.fail_open" event to the span current in ctx.
func (t *Telemetry) RateLimitFailOpen(ctx context.Context, q ports.Quota) {
	if t.metrics.on() {
		t.inst.failOpen.Add(ctx, 1, t.labels.quota(q)...)
	}
	if ts := trace.SpanFromContext(ctx); ts.IsRecording() {
		ts.AddEvent("smtp.rate_limit.fail_open", trace.WithAttributes(attribute.String("smtp.quota", q.String())))
	}
}

// ConnectionClosed records a session's lifetime in
// smtp_connection_duration_seconds.
func (t *Telemetry) ConnectionClosed(lifetime time.Duration) {
	if t.metrics.on() {
		t.inst.connDuration.Record(context.Background(), lifetime.Seconds(), t.labels.hostRecord...)
	}
}

// ObservePool makes status the source of smtp_connection_pool_size. A later
// call replaces the source; until the first, the gauge has no points.
func (t *Telemetry) ObservePool(status func() domain.PoolStatus) {
	if status != nil {
		t.pool.Store(&status)
	}
}

// ObserveBreaker makes state the source of smtp_circuit_breaker_state (0
// closed, 1 half-open, 2 open). A later call replaces the source; until
// the first, the gauge has no points.
func (t *Telemetry) ObserveBreaker(state func() int64) {
	if state != nil {
		t.breaker.Store(&state)
	}
}

// observe is the callback of the observable gauges.
func (t *Telemetry) observe(_ context.Context, o metric.Observer) error {
	if p := t.pool.Load(); p != nil {
		st := (*p)()
		for i, n := range [...]int{st.Total, st.Idle, st.InUse, st.Pending, st.MaxSize} {
			o.ObserveInt64(t.inst.poolSize, int64(n), t.labels.poolState[i]...)
		}
	}
	if b := t.breaker.Load(); b != nil {
		o.ObserveInt64(t.inst.breaker, (*b)(), t.labels.hostObserve...)
	}
	return nil
}

// setStartAttributes sets the attributes of stage s on a recording span.
func (t *Telemetry) setStartAttributes(ts trace.Span, s ports.Stage, a *ports.Attrs) {
	switch s {
	case ports.StageSend:
		attrs := []attribute.KeyValue{
			attribute.String("smtp.host", t.host),
			attribute.Int("smtp.port", t.port),
			attribute.String("smtp.from", t.maskAddress(a.From)),
			attribute.Int("smtp.recipients.count", a.Recipients),
			attribute.Bool("smtp.has_attachments", a.HasAttachments),
		}
		if a.Size > 0 {
			attrs = append(attrs, attribute.Int64("smtp.message_size", a.Size))
		}
		ts.SetAttributes(attrs...)
	case ports.StageConnect:
		ts.SetAttributes(
			attribute.String("smtp.host", t.host),
			attribute.Int("smtp.port", t.port),
			attribute.String("server.address", t.host),
			attribute.Int("server.port", t.port),
			attribute.String("network.transport", "tcp"),
			attribute.String("net.peer.name", t.host),
			attribute.Int("net.peer.port", t.port),
			attribute.String("net.transport", "tcp"),
		)
	case ports.StageResolve:
		ts.SetAttributes(attribute.String("server.address", t.host))
	case ports.StageTLSUpgrade:
		ts.SetAttributes(attribute.Bool("smtp.tls.implicit", a.Implicit))
	case ports.StageAuth:
		ts.SetAttributes(attribute.String("smtp.auth.mechanism", a.Mechanism.String()))
	case ports.StageMailFrom:
		ts.SetAttributes(attribute.String("smtp.from", t.maskAddress(a.From)))
	case ports.StageRcptTo:
		ts.SetAttributes(attribute.String("smtp.recipient", t.maskAddress(a.Recipient)))
	case ports.StageData:
		if a.Size > 0 {
			ts.SetAttributes(attribute.Int64("smtp.message_size", a.Size))
		}
	case ports.StagePipeline:
		ts.SetAttributes(attribute.Int("smtp.pipeline.transactions", a.Recipients))
	}
}

// maskAddress returns a as the address policy shows it ("" for the null
// sender).
func (t *Telemetry) maskAddress(a domain.Address) string {
	if a.IsZero() {
		return ""
	}
	return t.policy.Mask(a.Email())
}

// stageMeasured reports whether a metric is fed by the end of stage s.
func stageMeasured(s ports.Stage) bool {
	switch s {
	case ports.StageSend, ports.StageAcquire, ports.StageAuth, ports.StageTLSUpgrade:
		return true
	}
	return false
}

var (
	clientStart   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	internalStart = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
)

// stageStartOptions returns the span start options of stage s: its kind.
func stageStartOptions(s ports.Stage) []trace.SpanStartOption {
	if s == ports.StageSend || s == ports.StageConnect {
		return clientStart
	}
	return internalStart
}

// attemptLabel is the attempt label of a retry: "2" ... "10", then "11+".
func attemptLabel(attempt int) string {
	if attempt > maxAttemptLabel {
		return strconv.Itoa(maxAttemptLabel+1) + "+"
	}
	return strconv.Itoa(attempt)
}
