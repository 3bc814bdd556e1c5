// Package telemetry implements ports.Telemetry with the OpenTelemetry API:
// the spans of the specification's section 9.1 and the metrics of its
// section 9.2. It imports the API only (go.opentelemetry.io/otel, trace and
// metric), never the SDK: the application installs an SDK, either globally
// (otel.SetTracerProvider, otel.SetMeterProvider) or through
// WithTracerProvider and WithMeterProvider.
//
// # Providers
//
// By default New takes the global providers. It obtains its tracer and
// meter from them at once, so an SDK installed globally later, even after
// New, still receives everything: the global providers delegate to it.
// Until a global provider is installed, and with the providers of
// go.opentelemetry.io/otel/trace/noop and metric/noop, the Telemetry does
// nothing at all: Start returns the caller's context and a shared no-op
// span, without allocating.
//
// # Spans
//
// A span is named after its stage (ports.Stage.String: "smtp.send",
// "smtp.connect", ...). smtp.send and smtp.connect are of kind Client, as
// the specification says; the other stages are Internal, since they are
// steps inside those two (the exchange with the server is accounted to
// the connect and send spans). Attributes:
//
//	smtp.send          smtp.host, smtp.port, smtp.from, smtp.recipients.count,
//	                   smtp.has_attachments, smtp.message_size (when known);
//	                   at the result: smtp.message_id, smtp.queue_id,
//	                   smtp.recipients.accepted, smtp.recipients.rejected
//	smtp.connect       smtp.host, smtp.port, server.address, server.port,
//	                   network.transport "tcp", and the older net.peer.name,
//	                   net.peer.port and net.transport "tcp"
//	dns.resolve        server.address
//	smtp.tls.upgrade   smtp.tls.implicit
//	smtp.auth          smtp.auth.mechanism
//	smtp.mail_from     smtp.from
//	smtp.rcpt_to       smtp.recipient
//	smtp.data          smtp.message_size (when known)
//	smtp.pipeline      smtp.pipeline.transactions
//
// Addresses are shown as Config.AddressPolicy says (full, local part only,
// or not at all). A span that ends with an error gets the status Error, an
// "exception" event (exception.type, exception.message) and the attributes
// smtp.error_kind (domain.Kind's name) and, when the server replied,
// smtp.error_code and smtp.error_enhanced_code; the error's text passes
// through the address policy first, in the status and in the event.
// Telemetry.Retry adds an event "smtp.retry" (smtp.retry.attempt,
// smtp.error_kind, exception.message) to the span current in its context,
// and Telemetry.RateLimited an event "smtp.rate_limited" (smtp.quota).
//
// # Metrics
//
// The thirteen metrics of section 9.2.1. The instruments are named so that
// the OpenTelemetry Prometheus exporter (with its default translation,
// which adds unit and _total suffixes) exposes exactly these series:
//
//	smtp_emails_sent_total{host,status}               status: success, partial (some recipients refused), failure, unknown (delivery status unknown)
//	smtp_emails_failed_total{host,error_kind}         error_kind: domain.Kind's name, e.g. credentials_invalid
//	smtp_send_duration_seconds{host}                  histogram of smtp.send spans
//	smtp_connection_duration_seconds{host}            histogram of session lifetimes (ConnectionClosed)
//	smtp_connection_pool_size{host,state}             gauge; state: total, idle, in_use, pending (waiting callers), max
//	smtp_connection_acquire_duration_seconds{host}    histogram of smtp.connection.acquire spans
//	smtp_auth_attempts_total{host,method,status}      method: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER (AUTO when unknown); status: success, failure
//	smtp_tls_upgrades_total{host,status}              status: success, failure
//	smtp_message_size_bytes{host}                     histogram, octets of each message sent or tried
//	smtp_recipients_per_message{host}                 histogram, envelope recipients of each message
//	smtp_circuit_breaker_state{host}                  gauge: 0 closed, 1 half-open, 2 open
//	smtp_rate_limit_exceeded_total{host,quota}        quota: emails, connections (a label beyond the specification's host, bounded to two values)
//	smtp_retries_total{host,attempt}                  attempt: 2, 3, ... 10, then "11+"
//	smtp_rate_limit_fail_open_total{host,quota}       beyond section 9.2.1: permits decided without the shared quota store (fail-open)
//
// Labels never carry an address or a message id; every label has a small,
// fixed set of values, and the attribute sets are built once, in New, so
// recording a measurement allocates nothing. Duration buckets run from
// 1 ms to 60 s (session lifetimes on to one hour), size buckets from
// 1 KiB to 50 MiB, recipient buckets from 1 to 100.
package telemetry
