package telemetry_test

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/integrations/smtp/adapters/telemetry"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// New with SDK providers of its own; without the options it takes the
// global ones (otel.SetTracerProvider, otel.SetMeterProvider), installed
// before or after.
func ExampleNew() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())

	tel, err := telemetry.New(
		telemetry.Config{Host: "smtp.example.com", Port: 587, AddressPolicy: domain.AddressLocalPart},
		telemetry.WithTracerProvider(tp), telemetry.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	// What the client does for one message (bootstrap gives tel to it).
	ctx, send := tel.Start(context.Background(), ports.StageSend, ports.Attrs{From: domain.MustParseAddress("alice@example.com"), Recipients: 1})
	_, rcpt := tel.Start(ctx, ports.StageRcptTo, ports.Attrs{Recipient: domain.MustParseAddress("bob@example.org")})
	rcpt.End(nil)
	send.End(nil)

	for _, s := range spans.Ended() {
		for _, kv := range s.Attributes() {
			if kv.Key == "smtp.from" || kv.Key == "smtp.recipient" {
				fmt.Println(s.Name(), kv.Key, kv.Value.AsString())
			}
		}
	}
	// Output:
	// smtp.rcpt_to smtp.recipient bob@***
	// smtp.send smtp.from alice@***
}
