package main

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/integrations/smtp/adapters/telemetry"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// writePromText writes what the OpenTelemetry Prometheus exporter (with
// the options --metrics used before it, no scope and no target info)
// writes for the same data: the client's own instruments, recorded through
// the telemetry adapter, plus the kinds and values it does not record
// (float sums, an up-down counter, labels that need escaping, infinity,
// a count of three million).
func TestPromTextIsTheExportersText(t *testing.T) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		t.Fatal(err)
	}
	manual := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithReader(manual))
	defer func() { _ = mp.Shutdown(context.Background()) }()

	tel, err := telemetry.New(telemetry.Config{Host: "mx.example.test", Port: 25}, telemetry.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	recordSample(t, tel)
	m := mp.Meter("test")
	fs, _ := m.Float64Counter("extra.float.sum", metric.WithUnit("s"), metric.WithDescription("a float sum with a \\ and a\nnewline"))
	fs.Add(context.Background(), 1.25, metric.WithAttributes(stringAttr("path", `C:\x "quoted"`)))
	ud, _ := m.Int64UpDownCounter("extra.updown", metric.WithUnit("By"), metric.WithDescription("an up-down counter"))
	ud.Add(context.Background(), -3)
	big, _ := m.Int64Counter("extra.big", metric.WithDescription("a count the text format writes as 3e+06"))
	big.Add(context.Background(), 3000000)
	fg, _ := m.Float64Gauge("extra.gauge", metric.WithDescription("a float gauge"))
	fg.Record(context.Background(), posInf())

	var want bytes.Buffer
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range fams {
		if _, err := expfmt.MetricFamilyToText(&want, mf); err != nil {
			t.Fatal(err)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := manual.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writePromText(&got, rm); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("writePromText differs from the exporter.\ngot:\n%s\nwant:\n%s", got.String(), want.String())
	}
	if !bytes.Contains(got.Bytes(), []byte("smtp_emails_sent_total{")) {
		t.Errorf("no smtp_emails_sent_total in\n%s", got.String())
	}
}

func stringAttr(k, v string) attribute.KeyValue { return attribute.String(k, v) }

func posInf() float64 { return math.Inf(1) }

// recordSample feeds every instrument of the telemetry adapter.
func recordSample(t *testing.T, tel *telemetry.Telemetry) {
	t.Helper()
	ctx := context.Background()
	tel.ObservePool(func() domain.PoolStatus { return domain.PoolStatus{Total: 2, Idle: 1, InUse: 1, MaxSize: 5} })
	tel.ObserveBreaker(func() int64 { return 1 })
	_, s := tel.Start(ctx, ports.StageSend, ports.Attrs{Recipients: 2, Size: 1234})
	s.Result(&domain.SendResult{MessageID: "a@example.test", Accepted: []string{"b@example.test", "c@example.test"}, Size: 1234})
	s.End(nil)
	failure := domain.NewError(domain.KindTemporaryFailure, "rcpt", "try later")
	_, s = tel.Start(ctx, ports.StageSend, ports.Attrs{Recipients: 1, Size: 70000})
	s.End(failure)
	tel.Retry(ctx, 2, failure)
	tel.RateLimited(ctx, ports.QuotaEmails)
	tel.RateLimitFailOpen(ctx, ports.QuotaConnections)
	tel.ConnectionClosed(3 * time.Second)
	_, s = tel.Start(ctx, ports.StageAcquire, ports.Attrs{})
	s.End(nil)
	_, s = tel.Start(ctx, ports.StageAuth, ports.Attrs{Mechanism: domain.AuthPlain})
	s.End(nil)
}
