package main

import (
	"context"
	"io"
	"os"

	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// metricsUsage is the help text of --metrics.
const metricsUsage = "write the run's metrics (smtp_*) in the Prometheus text format to `file` at the end (- for stdout)"

// metricsSink is --metrics: an SDK meter provider installed globally with a
// manual reader, whose data is written in the Prometheus text format
// (promtext.go) when the command ends.
type metricsSink struct {
	out    io.Writer
	f      *os.File // the file out writes to; nil for stdout
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
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
	m := &metricsSink{out: stdout, reader: sdkmetric.NewManualReader()}
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return nil, &usageError{"--metrics: " + err.Error()}
		}
		m.f, m.out = f, f
	}
	m.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(m.reader))
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

// write collects the metrics (the gauges are read now) and writes them.
func (m *metricsSink) write(w io.Writer) error {
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.Background(), &rm); err != nil {
		return err
	}
	return writePromText(w, rm)
}
