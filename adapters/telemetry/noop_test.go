package telemetry

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

type ctxKey struct{}

var emptyResult = &domain.SendResult{}

// everyCall makes every kind of call a client makes for one message.
func everyCall(ctx context.Context, tel *Telemetry, err error) {
	sctx, send := tel.Start(ctx, ports.StageSend, ports.Attrs{Recipients: 1, Size: 100})
	for _, s := range []ports.Stage{ports.StageAcquire, ports.StageConnect, ports.StageTLSUpgrade, ports.StageAuth,
		ports.StageTransaction, ports.StageMailFrom, ports.StageRcptTo, ports.StageData, ports.StageRelease} {
		_, sp := tel.Start(sctx, s, ports.Attrs{})
		sp.Link(sctx)
		sp.End(err)
	}
	tel.Retry(sctx, 2, err)
	tel.RateLimited(sctx, ports.QuotaEmails)
	tel.ConnectionClosed(time.Second)
	send.Result(emptyResult)
	send.End(err)
}

// checkNoop checks that tel records nothing: Start hands back the
// caller's context and the shared no-op span, and a whole send's calls
// allocate nothing.
func checkNoop(t *testing.T, tel *Telemetry) {
	t.Helper()
	ctx := context.WithValue(context.Background(), ctxKey{}, 1)
	got, sp := tel.Start(ctx, ports.StageSend, ports.Attrs{})
	if got != ctx {
		t.Error("Start returned a new context while nothing records")
	}
	if _, ok := sp.(nopSpan); !ok {
		t.Errorf("Start returned a %T while nothing records", sp)
	}
	err := errors.New("boom")
	if n := testing.AllocsPerRun(100, func() { everyCall(ctx, tel, err) }); n != 0 {
		t.Errorf("a send's telemetry allocates %v times while nothing records, want 0", n)
	}
}

func TestNoopProviders(t *testing.T) {
	tel, err := New(Config{Host: "h", Port: 25}, WithTracerProvider(tracenoop.NewTracerProvider()), WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	checkNoop(t, tel)
	tel.ObservePool(func() domain.PoolStatus { return domain.PoolStatus{} })
	tel.ObserveBreaker(func() int64 { return 0 })
}

// TestGlobalProviders is the only test that installs global providers: a
// Telemetry made before an SDK is installed globally does nothing, then
// records through the SDK once it is.
func TestGlobalProviders(t *testing.T) {
	if !isGlobalPlaceholder(otel.GetTracerProvider()) || !isGlobalPlaceholder(otel.GetMeterProvider()) {
		t.Fatalf("the global providers %T and %T are not recognised as OpenTelemetry's placeholders", otel.GetTracerProvider(), otel.GetMeterProvider())
	}
	tel, err := New(Config{Host: "global.example", Port: 25})
	if err != nil {
		t.Fatal(err)
	}
	tel.ObservePool(func() domain.PoolStatus { return domain.PoolStatus{Total: 2, MaxSize: 3} })
	checkNoop(t, tel)

	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)

	ctx, sp := tel.Start(context.Background(), ports.StageSend, ports.Attrs{})
	if !trace.SpanFromContext(ctx).IsRecording() {
		t.Error("no recording span after an SDK was installed globally")
	}
	sp.End(nil)
	if n := len(spans.Ended()); n != 1 || spans.Ended()[0].Name() != "smtp.send" {
		t.Errorf("ended spans %v, want smtp.send", spans.Ended())
	}
	r := &recorded{tel: tel, spans: spans, reader: reader}
	m := r.collect(t)
	if got, _ := sumOf(m["smtp.emails.sent"]); got != 1 {
		t.Errorf("emails sent = %d, want 1", got)
	}
	if got, ok := gaugeOf(m["smtp.connection.pool.size"], attribute.String("state", "total")); !ok || got != 2 {
		t.Error("the pool callback registered before the SDK was installed does not report")
	}
}

func TestMetricsWithoutTracing(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	tel, err := New(Config{Host: "h", Port: 25}, WithTracerProvider(tracenoop.NewTracerProvider()), WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, sp := tel.Start(ctx, ports.StageRcptTo, ports.Attrs{}); got != ctx || sp != (nopSpan{}) {
		t.Error("a stage that feeds no metric is not a no-op without tracing")
	}
	got, sp := tel.Start(ctx, ports.StageSend, ports.Attrs{})
	if got != ctx {
		t.Error("Start returned a new context without tracing")
	}
	sp.End(nil)
	r := &recorded{tel: tel, reader: reader}
	if n, _ := sumOf(r.collect(t)["smtp.emails.sent"]); n != 1 {
		t.Errorf("emails sent = %d, want 1", n)
	}
	// A measured stage costs its span only: the measurements allocate nothing.
	if n := testing.AllocsPerRun(100, func() {
		_, sp := tel.Start(ctx, ports.StageAuth, ports.Attrs{Mechanism: domain.AuthPlain})
		sp.End(nil)
		tel.ConnectionClosed(time.Second)
		tel.Retry(ctx, 2, nil)
	}); n > 1 {
		t.Errorf("allocations %v, want at most 1", n)
	}
}

// TestNonRecordingSpan: a sampler that drops the span leaves the caller's
// context as it was.
func TestNonRecordingSpan(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	defer tp.Shutdown(context.Background())
	tel, err := New(Config{Host: "h", Port: 25}, WithTracerProvider(tp), WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, sp := tel.Start(ctx, ports.StageConnect, ports.Attrs{})
	if got != ctx || sp != (nopSpan{}) {
		t.Error("a dropped span is not a no-op")
	}
}
