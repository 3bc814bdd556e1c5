package bootstrap

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/integrations/smtp/adapters/telemetry"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// WithTracerProvider makes the client's spans with tp instead of the
// global provider (otel.GetTracerProvider()).
func WithTracerProvider(tp trace.TracerProvider) ClientOption {
	return option("WithTracerProvider", func(w *wiring) { w.tracerProvider = tp })
}

// WithMeterProvider makes the client's metrics with mp instead of the
// global provider (otel.GetMeterProvider()).
func WithMeterProvider(mp metric.MeterProvider) ClientOption {
	return option("WithMeterProvider", func(w *wiring) { w.meterProvider = mp })
}

// WithTelemetry replaces the OpenTelemetry adapter with t (another tracing
// or metrics system, or a recorder in tests).
func WithTelemetry(t ports.Telemetry) ClientOption {
	return option("WithTelemetry", func(w *wiring) { w.telemetry = t })
}

// telemetryFor returns the Telemetry every adapter reports to: the one
// given by WithTelemetry, else OpenTelemetry through the given or the
// global providers.
func telemetryFor(cfg Config, w *wiring) (ports.Telemetry, error) {
	if w.telemetry != nil {
		return w.telemetry, nil
	}
	var opts []telemetry.Option
	if w.tracerProvider != nil {
		opts = append(opts, telemetry.WithTracerProvider(w.tracerProvider))
	}
	if w.meterProvider != nil {
		opts = append(opts, telemetry.WithMeterProvider(w.meterProvider))
	}
	t, err := telemetry.New(telemetry.Config{Host: cfg.Host, Port: cfg.Port, AddressPolicy: cfg.AddressPolicy}, opts...)
	if err != nil {
		return nil, domain.WrapError(domain.KindInvalidInput, "telemetry", err)
	}
	return t, nil
}

// observeClient makes the client's pool and breaker the sources of the
// pool-size and breaker-state gauges.
func observeClient(t ports.Telemetry, c *application.Client) {
	t.ObservePool(c.PoolStatus)
	t.ObserveBreaker(func() int64 {
		switch c.CircuitState() {
		case application.CircuitHalfOpen:
			return 1
		case application.CircuitOpen:
			return 2
		}
		return 0
	})
}

// serverLogger returns l with the server's fields (section 9.3.2) on
// every line, or nil for a nil l.
func serverLogger(cfg Config, l *zap.Logger) *zap.Logger {
	if l == nil {
		return nil
	}
	return l.With(zap.String("smtp.host", cfg.Host), zap.Int("smtp.port", cfg.Port))
}

// logTranscript writes the protocol transcript to a logger at DEBUG, with
// addresses shown as the policy says. The lines it gets are already free
// of secrets (AUTH payloads are redacted by the transport).
type logTranscript struct {
	log    *zap.Logger
	policy domain.AddressPolicy
}

// Line logs one protocol line.
func (t logTranscript) Line(sent bool, line string) {
	dir := "S"
	if sent {
		dir = "C"
	}
	t.log.Debug("smtp protocol", zap.String("dir", dir), zap.String("line", t.policy.MaskText(line)))
}

// transcriptFor returns the transcript the transport writes to: the one
// given by WithTranscript, else the logger's DEBUG level when it is on.
func transcriptFor(cfg Config, w *wiring, log *zap.Logger) ports.Transcript {
	if w.transcript != nil || log == nil || !log.Core().Enabled(zapcore.DebugLevel) {
		return w.transcript
	}
	return logTranscript{log: log, policy: cfg.AddressPolicy}
}
