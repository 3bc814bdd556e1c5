package telemetry

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// send records one smtp.send stage ending with err, after a result with
// rejected refused recipients when err is nil.
func send(tel *Telemetry, recipients int, size int64, rejected int, err error) {
	_, sp := tel.Start(context.Background(), ports.StageSend, ports.Attrs{Recipients: recipients, Size: size})
	if err == nil {
		sp.Result(&domain.SendResult{Rejected: make([]domain.RejectedRecipient, rejected)})
	}
	sp.End(err)
}

func TestSendMetrics(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	send(r.tel, 1, 1000, 0, nil)
	send(r.tel, 2, 2000, 1, nil)
	send(r.tel, 3, 3000, 0, &domain.Error{Kind: domain.KindCredentialsInvalid, Op: "auth", Code: 535})
	send(r.tel, 4, 0, 0, domain.NewError(domain.KindDeliveryUnknown, "data", "lost"))
	m := r.collect(t)
	host := attribute.String("host", "smtp.example.com")
	for status, want := range map[string]int64{"success": 1, "partial": 1, "failure": 1, "unknown": 1} {
		if got, _ := sumOf(m["smtp.emails.sent"], host, attribute.String("status", status)); got != want {
			t.Errorf("emails sent{status=%s} = %d, want %d", status, got, want)
		}
	}
	for kind, want := range map[string]int64{"credentials_invalid": 1, "delivery_status_unknown": 1} {
		if got, _ := sumOf(m["smtp.emails.failed"], host, attribute.String("error_kind", kind)); got != want {
			t.Errorf("emails failed{error_kind=%s} = %d, want %d", kind, got, want)
		}
	}
	hist := func(name string) metricdata.HistogramDataPoint[int64] {
		h, ok := m[name].Data.(metricdata.Histogram[int64])
		if !ok || len(h.DataPoints) != 1 {
			t.Fatalf("%s: %v, want one int64 histogram point", name, m[name].Data)
		}
		return h.DataPoints[0]
	}
	if dp := hist("smtp.message.size"); dp.Count != 3 || dp.Sum != 6000 {
		t.Errorf("message size count %d sum %d, want 3 and 6000 (an unknown size is not recorded)", dp.Count, dp.Sum)
	}
	if dp := hist("smtp.recipients_per_message"); dp.Count != 4 || dp.Sum != 10 {
		t.Errorf("recipients count %d sum %d, want 4 and 10", dp.Count, dp.Sum)
	}
	d, ok := m["smtp.send.duration"].Data.(metricdata.Histogram[float64])
	if !ok || len(d.DataPoints) != 1 || d.DataPoints[0].Count != 4 {
		t.Errorf("send duration %v, want 4 observations", m["smtp.send.duration"].Data)
	} else if b := d.DataPoints[0].Bounds; b[0] != 0.001 || b[len(b)-1] != 60 {
		t.Errorf("send duration buckets %v, want 1 ms to 60 s", b)
	}
}

func TestStageMetrics(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	end := func(s ports.Stage, a ports.Attrs, err error) {
		_, sp := r.tel.Start(context.Background(), s, a)
		sp.End(err)
	}
	fail := domain.NewError(domain.KindCredentialsInvalid, "auth", "no")
	end(ports.StageAcquire, ports.Attrs{}, nil)
	end(ports.StageAuth, ports.Attrs{Mechanism: domain.AuthPlain}, nil)
	end(ports.StageAuth, ports.Attrs{Mechanism: domain.AuthPlain}, fail)
	end(ports.StageAuth, ports.Attrs{Mechanism: domain.AuthMechanism(99)}, fail)
	end(ports.StageTLSUpgrade, ports.Attrs{}, nil)
	end(ports.StageTLSUpgrade, ports.Attrs{}, fail)
	end(ports.StageTLSUpgrade, ports.Attrs{}, nil)
	r.tel.ConnectionClosed(90 * time.Second)
	r.tel.Retry(context.Background(), 2, fail)
	r.tel.Retry(context.Background(), 3, fail)
	r.tel.Retry(context.Background(), 40, fail)
	r.tel.RateLimited(context.Background(), ports.QuotaEmails)
	r.tel.RateLimited(context.Background(), ports.QuotaEmails)
	r.tel.RateLimited(context.Background(), ports.QuotaConnections)
	m := r.collect(t)
	counts := []struct {
		metric string
		labels []attribute.KeyValue
		want   int64
	}{
		{"smtp.auth.attempts", []attribute.KeyValue{attribute.String("method", "PLAIN"), attribute.String("status", "success")}, 1},
		{"smtp.auth.attempts", []attribute.KeyValue{attribute.String("method", "PLAIN"), attribute.String("status", "failure")}, 1},
		{"smtp.auth.attempts", []attribute.KeyValue{attribute.String("method", "AUTO"), attribute.String("status", "failure")}, 1},
		{"smtp.tls.upgrades", []attribute.KeyValue{attribute.String("status", "success")}, 2},
		{"smtp.tls.upgrades", []attribute.KeyValue{attribute.String("status", "failure")}, 1},
		{"smtp.retries", []attribute.KeyValue{attribute.String("attempt", "2")}, 1},
		{"smtp.retries", []attribute.KeyValue{attribute.String("attempt", "3")}, 1},
		{"smtp.retries", []attribute.KeyValue{attribute.String("attempt", "11+")}, 1},
		{"smtp.rate_limit.exceeded", []attribute.KeyValue{attribute.String("quota", "emails")}, 2},
		{"smtp.rate_limit.exceeded", []attribute.KeyValue{attribute.String("quota", "connections")}, 1},
	}
	for _, c := range counts {
		labels := append([]attribute.KeyValue{attribute.String("host", "smtp.example.com")}, c.labels...)
		if got, _ := sumOf(m[c.metric], labels...); got != c.want {
			t.Errorf("%s%v = %d, want %d", c.metric, c.labels, got, c.want)
		}
	}
	for name, want := range map[string]float64{"smtp.connection.acquire.duration": -1, "smtp.connection.duration": 90} {
		h, ok := m[name].Data.(metricdata.Histogram[float64])
		if !ok || len(h.DataPoints) != 1 || h.DataPoints[0].Count != 1 || want >= 0 && h.DataPoints[0].Sum != want {
			t.Errorf("%s: %v, want one observation (of %v)", name, m[name].Data, want)
		}
	}
}

func TestGauges(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	m := r.collect(t) // nothing to observe yet: no points, no failure
	if g, ok := m["smtp.connection.pool.size"].Data.(metricdata.Gauge[int64]); ok && len(g.DataPoints) > 0 {
		t.Errorf("pool gauge has points before ObservePool: %v", g.DataPoints)
	}
	r.tel.ObservePool(nil) // ignored
	st := domain.PoolStatus{Total: 4, Idle: 1, InUse: 3, Pending: 2, MaxSize: 5}
	r.tel.ObservePool(func() domain.PoolStatus { return st })
	state := int64(2)
	r.tel.ObserveBreaker(func() int64 { return state })
	m = r.collect(t)
	for s, want := range map[string]int64{"total": 4, "idle": 1, "in_use": 3, "pending": 2, "max": 5} {
		if got, ok := gaugeOf(m["smtp.connection.pool.size"], attribute.String("host", "smtp.example.com"), attribute.String("state", s)); !ok || got != want {
			t.Errorf("pool size{state=%s} = %d (%v), want %d", s, got, ok, want)
		}
	}
	if got, ok := gaugeOf(m["smtp.circuit_breaker.state"], attribute.String("host", "smtp.example.com")); !ok || got != 2 {
		t.Errorf("breaker state = %d (%v), want 2", got, ok)
	}
	state, st.Idle = 0, 4
	m = r.collect(t)
	if got, _ := gaugeOf(m["smtp.circuit_breaker.state"]); got != 0 {
		t.Errorf("breaker state = %d after it closed, want 0", got)
	}
	if got, _ := gaugeOf(m["smtp.connection.pool.size"], attribute.String("state", "idle")); got != 4 {
		t.Errorf("idle = %d, want 4 (read at each collection)", got)
	}
}
