package telemetry

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/integrations/smtp/domain"
)

// recorded is a Telemetry on SDK providers with what they recorded.
type recorded struct {
	tel    *Telemetry
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

// newRecorded returns a Telemetry for smtp.example.com:587 that records
// into in-memory SDK providers.
func newRecorded(t *testing.T, policy domain.AddressPolicy) *recorded {
	t.Helper()
	r := &recorded{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	tel, err := New(Config{Host: "smtp.example.com", Port: 587, AddressPolicy: policy}, WithTracerProvider(tp), WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	r.tel = tel
	return r
}

// ended returns the ended spans by name; a name seen twice fails the test.
func (r *recorded) ended(t *testing.T) map[string]sdktrace.ReadOnlySpan {
	t.Helper()
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range r.spans.Ended() {
		if _, dup := out[s.Name()]; dup {
			t.Fatalf("span %s ended twice", s.Name())
		}
		out[s.Name()] = s
	}
	return out
}

// collect returns the metrics recorded so far by name.
func (r *recorded) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// attrs returns a span's attributes by key.
func attrs(kvs []attribute.KeyValue) map[string]attribute.Value {
	out := make(map[string]attribute.Value, len(kvs))
	for _, kv := range kvs {
		out[string(kv.Key)] = kv.Value
	}
	return out
}

// sumOf returns the value of counter m's point whose attributes include
// every one of want, and whether there is one.
func sumOf(m metricdata.Metrics, want ...attribute.KeyValue) (int64, bool) {
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		return 0, false
	}
	for _, dp := range sum.DataPoints {
		if hasAll(dp.Attributes, want) {
			return dp.Value, true
		}
	}
	return 0, false
}

// gaugeOf returns the value of gauge m's point whose attributes include
// every one of want, and whether there is one.
func gaugeOf(m metricdata.Metrics, want ...attribute.KeyValue) (int64, bool) {
	g, ok := m.Data.(metricdata.Gauge[int64])
	if !ok {
		return 0, false
	}
	for _, dp := range g.DataPoints {
		if hasAll(dp.Attributes, want) {
			return dp.Value, true
		}
	}
	return 0, false
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func mustAddress(t *testing.T, s string) domain.Address {
	t.Helper()
	a, err := domain.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
