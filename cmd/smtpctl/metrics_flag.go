package main

import (
	"context"
	"io"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// metricsUsage is the help text of --metrics.
const metricsUsage = "write the run's metrics (smtp_*) in the Prometheus text format to `file` at the end (- for stdout)"

// metricsSink is --metrics: an SDK meter provider installed globally,
// read by the OpenTelemetry Prometheus exporter into a registry of its
// own, whose text exposition is written to a file when the command ends.
type metricsSink struct {
	out io.Writer
	f   *os.File // the file out writes to; nil for stdout
	reg *prometheus.Registry
	mp  *sdkmetric.MeterProvider
}

// installMetrics creates the file of --metrics path (stdout for "-"), so
// that a path that cannot be written fails before anything is sent, and
// installs the global meter provider; clients built after it record into
// it. An empty path installs nothing and gives a nil sink. Errors are
// usage errors (exit 64).
func installMetrics(path string, stdout io.Writer) (*metricsSink, error) {
	if path == "" {
		return nil, nil
	}
	m := &metricsSink{out: stdout, reg: prometheus.NewRegistry()}
	exp, err := otelprom.New(otelprom.WithRegisterer(m.reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, &usageError{"--metrics: " + err.Error()}
	}
	if path != "-" {
		if m.f, err = os.Create(path); err != nil {
			return nil, &usageError{"--metrics: " + err.Error()}
		}
		m.out = m.f
	}
	m.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	otel.SetMeterProvider(m.mp)
	return m, nil
}

// finish writes the metrics in the Prometheus text format and uninstalls
// the provider. A nil sink does nothing. Errors are usage errors.
func (m *metricsSink) finish() error {
	if m == nil {
		return nil
	}
	err := m.write(m.out)
	if m.f != nil {
		if cerr := m.f.Close(); err == nil {
			err = cerr
		}
	}
	_ = m.mp.Shutdown(context.Background())
	otel.SetMeterProvider(metricnoop.NewMeterProvider())
	if err != nil {
		return &usageError{"--metrics: " + err.Error()}
	}
	return nil
}

// write gathers the registry (the gauges are read now) and writes its
// text exposition to w.
func (m *metricsSink) write(w io.Writer) error {
	families, err := m.reg.Gather()
	if err != nil {
		return err
	}
	for _, mf := range families {
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}
