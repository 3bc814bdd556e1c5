package observability

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// BenchmarkSend sends a 1 KB message through a pool of one session to the
// in-process server:
//
//	bare  bootstrap.WithTelemetry(ports.NopTelemetry{}): no instrumentation
//	noop  the default, the global providers with no SDK installed
//	sdk   the SDK: every span sampled and exported (to a no-op exporter),
//	      metrics aggregated for the Prometheus exporter
//
// The acceptance: noop costs at most 5% more than bare. Besides ns/op it
// reports cpu-ns/op, the process's CPU time (client and server) per send.
func BenchmarkSend(b *testing.B) {
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 16) // 1 KiB
	e, err := domain.NewEmail().From("alice@example.com").To("bob@example.org").Subject("bench").Text(body).Build()
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name string
		opts func(b *testing.B) []bootstrap.ClientOption
	}{
		{"bare", func(*testing.B) []bootstrap.ClientOption {
			return []bootstrap.ClientOption{bootstrap.WithTelemetry(ports.NopTelemetry{})}
		}},
		{"noop", func(*testing.B) []bootstrap.ClientOption { return nil }},
		{"sdk", func(b *testing.B) []bootstrap.ClientOption {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSyncer(tracetest.NewNoopExporter()))
			b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			return []bootstrap.ClientOption{bootstrap.WithTracerProvider(tp), bootstrap.WithMeterProvider(newBenchMeter(b))}
		}},
	} {
		b.Run(v.name, func(b *testing.B) {
			srv := smtptest.Start(b)
			cfg := plainConfig(srv)
			cfg.Retry.MaxAttempts = 1
			c, err := bootstrap.NewClient(cfg, v.opts(b)...)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(context.Background())
			ctx := context.Background()
			if _, err := c.Send(ctx, e); err != nil { // the session, opened outside the timing
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for b.Loop() {
				if _, err := c.Send(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			if used := cpuTime() - cpu; used > 0 {
				// The process's CPU time, client and in-process server: less
				// disturbed than ns/op by other work on a loaded machine.
				b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
