package telemetry

import (
	"bufio"
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// wantSeries are the thirteen metrics of section 9.2.1 and the shared rate
// limiter's fail-open counter as Prometheus shows them, with their label
// names beside the exporter's scope labels.
var wantSeries = map[string][]string{
	"smtp_emails_sent_total":                   {"host", "status"},
	"smtp_emails_failed_total":                 {"error_kind", "host"},
	"smtp_send_duration_seconds":               {"host"},
	"smtp_connection_duration_seconds":         {"host"},
	"smtp_connection_pool_size":                {"host", "state"},
	"smtp_connection_acquire_duration_seconds": {"host"},
	"smtp_auth_attempts_total":                 {"host", "method", "status"},
	"smtp_tls_upgrades_total":                  {"host", "status"},
	"smtp_message_size_bytes":                  {"host"},
	"smtp_recipients_per_message":              {"host"},
	"smtp_circuit_breaker_state":               {"host"},
	"smtp_rate_limit_exceeded_total":           {"host", "quota"},
	"smtp_retries_total":                       {"attempt", "host"},
	"smtp_rate_limit_fail_open_total":          {"host", "quota"}, // beyond section 9.2.1
}

// TestPrometheusSeries records every kind of event, scrapes the
// OpenTelemetry Prometheus exporter over HTTP and checks that exactly the
// thirteen series names of section 9.2.1 appear, each with its labels, and
// the fail-open counter of the shared rate limiter.
func TestPrometheusSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer mp.Shutdown(context.Background())
	tel, err := New(Config{Host: "smtp.example.com", Port: 25}, WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	tel.ObservePool(func() domain.PoolStatus { return domain.PoolStatus{Total: 1, Idle: 1, MaxSize: 5} })
	tel.ObserveBreaker(func() int64 { return 1 })
	for _, s := range []ports.Stage{ports.StageAcquire, ports.StageTLSUpgrade, ports.StageAuth} {
		_, sp := tel.Start(context.Background(), s, ports.Attrs{Mechanism: domain.AuthPlain})
		sp.End(nil)
	}
	send(tel, 2, 5000, 0, domain.NewError(domain.KindTimeout, "data", "slow"))
	tel.Retry(context.Background(), 2, nil)
	tel.RateLimited(context.Background(), ports.QuotaEmails)
	tel.RateLimitFailOpen(context.Background(), ports.QuotaEmails)
	tel.ConnectionClosed(time.Second)

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	families, labels := parseExposition(t, resp.Body)
	var names []string
	for name := range families {
		names = append(names, name)
	}
	slices.Sort(names)
	var want []string
	for name := range wantSeries {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("series families\n got %q\nwant %q", names, want)
	}
	for name, keys := range wantSeries {
		if got := labels[name]; !slices.Equal(got, keys) {
			t.Errorf("%s labels %q, want %q", name, got, keys)
		}
	}
	for name, typ := range map[string]string{"smtp_emails_sent_total": "counter", "smtp_send_duration_seconds": "histogram",
		"smtp_message_size_bytes": "histogram", "smtp_connection_pool_size": "gauge", "smtp_circuit_breaker_state": "gauge"} {
		if families[name] != typ {
			t.Errorf("%s is a %s, want a %s", name, families[name], typ)
		}
	}
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? `)

// parseExposition reads the text format: each family's TYPE, and the label
// names of its samples (le of histogram buckets left out).
func parseExposition(t *testing.T, r io.Reader) (families map[string]string, labels map[string][]string) {
	t.Helper()
	families, labels = map[string]string{}, map[string][]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			families[f[2]] = f[3]
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		family := m[1]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base := strings.TrimSuffix(family, suffix); base != family && families[base] == "histogram" {
				family = base
			}
		}
		var keys []string
		for _, kv := range strings.Split(m[2], ",") {
			if k, _, ok := strings.Cut(kv, "="); ok && k != "le" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		if prev, seen := labels[family]; seen && !slices.Equal(prev, keys) {
			t.Errorf("%s: samples with labels %q and %q", family, prev, keys)
		}
		labels[family] = keys
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return families, labels
}
