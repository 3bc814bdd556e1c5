package telemetry

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// benchTelemetries are the setups of the benchmarks: nothing recording
// (the explicit no-op providers, and the global placeholders unless a
// test installed an SDK globally),
// metrics only, and the SDK for both (every span sampled, kept in memory
// until the recorder is reset).
func benchTelemetries(b *testing.B) map[string]*Telemetry {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(discard{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	cfg := Config{Host: "smtp.example.com", Port: 587}
	out := map[string]*Telemetry{}
	for name, opts := range map[string][]Option{
		"noop":         {WithTracerProvider(tracenoop.NewTracerProvider()), WithMeterProvider(metricnoop.NewMeterProvider())},
		"metrics-only": {WithTracerProvider(tracenoop.NewTracerProvider()), WithMeterProvider(mp)},
		"sdk":          {WithTracerProvider(tp), WithMeterProvider(mp)},
	} {
		tel, err := New(cfg, opts...)
		if err != nil {
			b.Fatal(err)
		}
		out[name] = tel
	}
	if isGlobalPlaceholder(otel.GetTracerProvider()) && isGlobalPlaceholder(otel.GetMeterProvider()) {
		// No SDK installed globally (TestGlobalProviders did not run).
		tel, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		out["noop-global"] = tel
	}
	return out
}

// discard is a span exporter that drops what it is given.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkStartEnd is one smtp.send stage: Start, Result and End.
func BenchmarkStartEnd(b *testing.B) {
	from := domain.MustParseAddress("alice@example.com")
	res := &domain.SendResult{MessageID: "m@example.com", Accepted: []string{"b@example.org"}, Size: 1000}
	for name, tel := range benchTelemetries(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_, sp := tel.Start(ctx, ports.StageSend, ports.Attrs{From: from, Recipients: 1, Size: 1000})
				sp.Result(res)
				sp.End(nil)
			}
		})
	}
}

// BenchmarkSendTree is every call of one pooled send: the smtp.send span
// and its eight children, as the client makes them.
func BenchmarkSendTree(b *testing.B) {
	for name, tel := range benchTelemetries(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				everyCall(ctx, tel, nil)
			}
		})
	}
}
