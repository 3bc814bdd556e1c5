// Package observability holds the acceptance tests of the client's
// observability (the specification's section 9), end to end through
// bootstrap.NewClient against the in-process smtptest server: span trees
// recorded with the OpenTelemetry SDK, the thirteen metrics scraped from
// the Prometheus exporter's HTTP handler, log lines captured with zap's
// observer, the address policy on every channel, the absence of secrets
// from all of them, and the cost of the instrumentation.
package observability
