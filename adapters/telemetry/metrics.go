package telemetry

import (
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Bucket boundaries of the histograms.
var (
	// durationBuckets: seconds, 1 ms to 60 s.
	durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	// lifetimeBuckets: seconds a session lived, 10 ms to one hour.
	lifetimeBuckets = []float64{0.01, 0.1, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}
	// sizeBuckets: octets, 1 KiB to 50 MiB.
	sizeBuckets = []float64{1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 10 << 20, 25 << 20, 50 << 20}
	// recipientBuckets: envelope recipients, 1 to 100.
	recipientBuckets = []float64{1, 2, 5, 10, 20, 50, 100}
)

// instruments are the thirteen metrics of section 9.2.1. The comments give
// the names the Prometheus exporter makes of them.
type instruments struct {
	sent         metric.Int64Counter         // smtp_emails_sent_total
	failed       metric.Int64Counter         // smtp_emails_failed_total
	sendDuration metric.Float64Histogram     // smtp_send_duration_seconds
	connDuration metric.Float64Histogram     // smtp_connection_duration_seconds
	poolSize     metric.Int64ObservableGauge // smtp_connection_pool_size
	acquire      metric.Float64Histogram     // smtp_connection_acquire_duration_seconds
	auth         metric.Int64Counter         // smtp_auth_attempts_total
	tls          metric.Int64Counter         // smtp_tls_upgrades_total
	messageSize  metric.Int64Histogram       // smtp_message_size_bytes
	recipients   metric.Int64Histogram       // smtp_recipients_per_message
	breaker      metric.Int64ObservableGauge // smtp_circuit_breaker_state
	rateLimited  metric.Int64Counter         // smtp_rate_limit_exceeded_total
	failOpen     metric.Int64Counter         // smtp_rate_limit_fail_open_total (beyond section 9.2.1)
	retries      metric.Int64Counter         // smtp_retries_total
}

// create makes the instruments on m and registers observe as the callback
// of the gauges.
func (in *instruments) create(m metric.Meter, observe metric.Callback) error {
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	seconds := func(name, desc string, buckets []float64) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return h
	}
	ints := func(name, unit, desc string, buckets []float64) metric.Int64Histogram {
		h, err := m.Int64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(buckets...))
		errs = append(errs, err)
		return h
	}
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	in.sent = counter("smtp.emails.sent", "{email}", "Emails sent, by status: success, partial (some recipients refused), failure, unknown (delivery status unknown).")
	in.failed = counter("smtp.emails.failed", "{email}", "Send failures, by error kind.")
	in.sendDuration = seconds("smtp.send.duration", "Send latency: one message, retries included.", durationBuckets)
	in.connDuration = seconds("smtp.connection.duration", "Lifetime of closed SMTP sessions.", lifetimeBuckets)
	in.poolSize = gauge("smtp.connection.pool.size", "{connection}", "Pool connections by state: total, idle, in_use, pending (waiting callers), max.")
	in.acquire = seconds("smtp.connection.acquire.duration", "Time waited for a pooled session.", durationBuckets)
	in.auth = counter("smtp.auth.attempts", "{attempt}", "AUTH exchanges, by SASL mechanism and status.")
	in.tls = counter("smtp.tls.upgrades", "{upgrade}", "STARTTLS or implicit TLS negotiations, by status.")
	in.messageSize = ints("smtp.message.size", "By", "Octets of each message sent or tried.", sizeBuckets)
	in.recipients = ints("smtp.recipients_per_message", "{recipient}", "Envelope recipients of each message.", recipientBuckets)
	in.breaker = gauge("smtp.circuit_breaker.state", "{state}", "Circuit breaker state: 0 closed, 1 half-open, 2 open.")
	in.rateLimited = counter("smtp.rate_limit.exceeded", "{permit}", "Permits the rate limiter refused or made the caller wait for, by quota.")
	in.failOpen = counter("smtp.rate_limit.fail_open", "{permit}", "Permits decided without the shared quota store, which did not answer (fail-open), by quota.")
	in.retries = counter("smtp.retries", "{retry}", "Send attempts after the first, by attempt number.")
	if err := errors.Join(errs...); err != nil {
		return err
	}
	_, err := m.RegisterCallback(observe, in.poolSize, in.breaker)
	return err
}

// maxAttemptLabel is the highest attempt number with a label of its own.
const maxAttemptLabel = 10

// The values of the status labels.
const (
	statusSuccess = "success"
	statusFailure = "failure"
)

// sendStatus is the status label of smtp_emails_sent_total.
type sendStatus uint8

const (
	sentSuccess sendStatus = iota // every recipient accepted
	sentPartial                   // some recipients refused, the message taken for the others
	sentFailure                   // not sent
	sentUnknown                   // delivery status unknown: the server may have taken it
)

var sendStatuses = [...]string{sentSuccess: statusSuccess, sentPartial: "partial", sentFailure: statusFailure, sentUnknown: "unknown"}

// labels are the attribute sets of every measurement, made once so that
// recording allocates nothing.
type labels struct {
	hostRecord  []metric.RecordOption
	hostObserve []metric.ObserveOption
	sent        [4][]metric.AddOption   // by sendStatus
	failed      [][]metric.AddOption    // by domain.Kind
	auth        [][2][]metric.AddOption // by domain.AuthMechanism, then failure/success
	tls         [2][]metric.AddOption   // failure, success
	quotas      [2][]metric.AddOption   // by ports.Quota
	retries     [maxAttemptLabel + 2][]metric.AddOption
	poolState   [5][]metric.ObserveOption // total, idle, in_use, pending, max
}

func newLabels(host string) labels {
	h := attribute.String("host", host)
	with := func(kv ...attribute.KeyValue) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{h}, kv...)...))
	}
	add := func(kv ...attribute.KeyValue) []metric.AddOption { return []metric.AddOption{with(kv...)} }
	l := labels{
		hostRecord:  []metric.RecordOption{with()},
		hostObserve: []metric.ObserveOption{with()},
	}
	for i, s := range sendStatuses {
		l.sent[i] = add(attribute.String("status", s))
	}
	for k := domain.Kind(0); k == 0 || k.String() != domain.KindUnknown.String(); k++ {
		l.failed = append(l.failed, add(attribute.String("error_kind", k.String())))
	}
	for m := domain.AuthMechanism(0); m == 0 || m.String() != domain.AuthAuto.String(); m++ {
		l.auth = append(l.auth, [2][]metric.AddOption{
			add(attribute.String("method", m.String()), attribute.String("status", statusFailure)),
			add(attribute.String("method", m.String()), attribute.String("status", statusSuccess)),
		})
	}
	l.tls = [2][]metric.AddOption{add(attribute.String("status", statusFailure)), add(attribute.String("status", statusSuccess))}
	l.quotas = [2][]metric.AddOption{add(attribute.String("quota", ports.QuotaEmails.String())), add(attribute.String("quota", ports.QuotaConnections.String()))}
	for i := range l.retries {
		l.retries[i] = add(attribute.String("attempt", attemptLabel(i)))
	}
	for i, s := range [...]string{"total", "idle", "in_use", "pending", "max"} {
		l.poolState[i] = []metric.ObserveOption{with(attribute.String("state", s))}
	}
	return l
}

// kind returns the options of emails_failed for kind k.
func (l *labels) kind(k domain.Kind) []metric.AddOption {
	if int(k) < len(l.failed) {
		return l.failed[k]
	}
	return l.failed[domain.KindUnknown]
}

// authAttempt returns the options of auth_attempts for mechanism m.
func (l *labels) authAttempt(m domain.AuthMechanism, ok bool) []metric.AddOption {
	if int(m) >= len(l.auth) {
		m = domain.AuthAuto
	}
	return l.auth[m][b2i(ok)]
}

// tlsUpgrade returns the options of tls_upgrades.
func (l *labels) tlsUpgrade(ok bool) []metric.AddOption { return l.tls[b2i(ok)] }

// quota returns the options of rate_limit_exceeded for q.
func (l *labels) quota(q ports.Quota) []metric.AddOption {
	if q == ports.QuotaConnections {
		return l.quotas[1]
	}
	return l.quotas[0]
}

// retry returns the options of retries for attempt.
func (l *labels) retry(attempt int) []metric.AddOption {
	return l.retries[max(0, min(attempt, maxAttemptLabel+1))]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
