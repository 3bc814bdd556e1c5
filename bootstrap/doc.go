// Package bootstrap wires the adapters into the application: NewClient and
// NewTransport for plain Go use, and Module for go.uber.org/fx.
//
// It is the only package that knows every layer. Applications that want
// another transport, encoder or credential source replace the matching port
// (fx.Decorate, or fx.Replace with fx.Annotate(..., fx.As(new(ports.X))))
// or call application.New themselves.
package bootstrap
