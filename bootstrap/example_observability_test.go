package bootstrap_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/integrations/smtp/bootstrap"
)

// ExampleNewClient_openTelemetry plugs the OpenTelemetry SDK into a client:
// spans through a tracer provider, the thirteen smtp_* metrics through the
// Prometheus exporter. Giving the providers to NewClient keeps them to
// this client; an application may instead install them for the whole
// process with otel.SetTracerProvider and otel.SetMeterProvider, which
// NewClient uses by default. NewClient does not dial.
func ExampleNewClient_openTelemetry() {
	tp := sdktrace.NewTracerProvider() // add sdktrace.WithBatcher(exporter) to ship the spans
	defer tp.Shutdown(context.Background())

	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry)) // otelprom.New() uses the default registry
	if err != nil {
		panic(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	var metrics http.Handler = promhttp.HandlerFor(registry, promhttp.HandlerOpts{}) // the application serves it: http.Handle("/metrics", metrics)
	_ = metrics

	cfg := bootstrap.Config{Host: "smtp.example.com", Port: 587} // the secure defaults: STARTTLS required ...
	client, err := bootstrap.NewClient(cfg, bootstrap.WithTracerProvider(tp), bootstrap.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	defer client.Close(context.Background())

	// Before the first send, only the gauges have a value.
	families, err := registry.Gather()
	if err != nil {
		panic(err)
	}
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "smtp_") {
			fmt.Println(f.GetName(), f.GetMetric()[0].GetLabel()[0].GetValue())
		}
	}
	// Output:
	// smtp_circuit_breaker_state smtp.example.com
	// smtp_connection_pool_size smtp.example.com
}
