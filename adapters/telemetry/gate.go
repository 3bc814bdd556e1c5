package telemetry

import (
	"reflect"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// globalPkg is the package of OpenTelemetry's global providers: the
// placeholders that otel.GetTracerProvider and otel.GetMeterProvider return
// until an SDK is installed, and that delegate to it from then on.
const globalPkg = "go.opentelemetry.io/otel/internal/global"

// gate says cheaply whether a provider records anything, so that the
// Telemetry costs nothing while it does not.
type gate[P comparable] struct {
	mode        gateMode
	placeholder P        // gateWhileGlobal: the global placeholder
	current     func() P // gateWhileGlobal: the current global provider
}

type gateMode uint8

const (
	gateOn          gateMode = iota // a provider that may record: ask it
	gateOff                         // a no-op provider: never records
	gateWhileGlobal                 // the global placeholder: off until an SDK is installed globally
)

// newGate returns the gate of provider p; current returns the global
// provider of p's kind.
func newGate[P comparable](p P, current func() P) gate[P] {
	switch any(p).(type) {
	case tracenoop.TracerProvider, metricnoop.MeterProvider:
		return gate[P]{mode: gateOff}
	}
	if isGlobalPlaceholder(p) {
		return gate[P]{mode: gateWhileGlobal, placeholder: p, current: current}
	}
	return gate[P]{mode: gateOn}
}

// on reports whether the provider may record. For the global placeholder
// this holds from the moment another provider is installed globally,
// which the placeholder then delegates to.
func (g *gate[P]) on() bool {
	switch g.mode {
	case gateOn:
		return true
	case gateWhileGlobal:
		return g.current() != g.placeholder
	}
	return false
}

// isGlobalPlaceholder reports whether p is one of the global placeholders.
// Should a later OpenTelemetry release move them, this reports false and
// the Telemetry merely loses its shortcut (TestGlobalPlaceholderDetected
// notices).
func isGlobalPlaceholder(p any) bool {
	t := reflect.TypeOf(p)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().PkgPath() == globalPkg
}
