package observability

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// plainConfig is a configuration for srv without TLS or AUTH: a pool of
// one session, no MinIdle or health checks, two attempts a millisecond
// apart, no circuit breaker, generous timeouts.
func plainConfig(srv *smtptest.Server) bootstrap.Config {
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	cfg.TLSMode = tcp.TLSNone
	cfg.LocalName = "client.test"
	cfg.Pool = pool.Config{MaxConnections: 1, MinIdle: -1, HealthCheckInterval: -1, AcquireTimeout: time.Minute, IdleTimeout: 10 * time.Minute, MaxLifetime: time.Hour}
	cfg.Retry = application.RetryPolicy{MaxAttempts: 2, InitialDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Multiplier: 2, DisableJitter: true}
	cfg.CircuitBreaker.Disabled = true
	cfg.Timeouts = tcp.Timeouts{Connect: time.Minute, Greeting: time.Minute, Command: time.Minute, Mail: time.Minute,
		Rcpt: time.Minute, DataInit: time.Minute, DataBlock: time.Minute, DataTerm: time.Minute}
	return cfg
}

// tlsConfig is plainConfig with STARTTLS required, verified against srv's
// own CA, and creds (which may be zero).
func tlsConfig(t *testing.T, srv *smtptest.Server, creds domain.Credentials) bootstrap.Config {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.WriteCA(ca); err != nil {
		t.Fatal(err)
	}
	cfg := plainConfig(srv)
	cfg.TLSMode = tcp.TLSStartTLSRequired
	cfg.TLS.CAFile = ca
	cfg.Credentials = creds
	return cfg
}

// newClient builds a client through bootstrap and closes it when the test
// ends (closeClient closes it earlier where the test needs it closed).
func newClient(t *testing.T, cfg bootstrap.Config, opts ...bootstrap.ClientOption) *application.Client {
	t.Helper()
	c, err := bootstrap.NewClient(cfg, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// closeClient closes c, failing the test when that fails or takes over 30 s.
func closeClient(t *testing.T, c *application.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// message builds an email from alice@example.com to the given recipients
// with a Message-ID whose domain is not an address's (id@mid.test), so
// that the address checks are not confused by it.
func message(t testing.TB, id string, to ...string) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("Alice <alice@example.com>").To(to...).
		Subject("observability " + id).Text("observability test\n").MessageID(id + "@mid.test").Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// send sends e with a minute's deadline.
func send(c *application.Client, e *domain.Email) (*domain.SendResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.Send(ctx, e)
}

// tracer is an SDK tracer provider recording every ended span in memory.
type tracer struct {
	*sdktrace.TracerProvider
	rec *tracetest.SpanRecorder
}

func newTracer(t *testing.T) tracer {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tracer{tp, rec}
}

// reset forgets the spans recorded so far.
func (tr tracer) reset() { tr.rec.Reset() }

// spans returns the spans ended so far.
func (tr tracer) spans() []sdktrace.ReadOnlySpan { return tr.rec.Ended() }

// stageRank orders siblings that started at the same instant as the
// specification's tree lists them.
var stageRank = map[string]int{
	"smtp.connection.acquire": 1, "smtp.connect": 2, "dns.resolve": 3, "smtp.tls.upgrade": 4, "tls.handshake": 5,
	"smtp.auth": 6, "smtp.pipeline": 7, "smtp.transaction": 8, "smtp.mail_from": 9, "smtp.rcpt_to": 10, "smtp.data": 11,
	"smtp.connection.release": 12,
}

// tree renders the ended spans as indented trees, one line a span, each
// root with its descendants, children in the order they started; a failed
// span ends in " !". It fails the test when a span's parent is missing or
// belongs to another trace.
func tree(t *testing.T, spans []sdktrace.ReadOnlySpan) string {
	t.Helper()
	byID := map[string]sdktrace.ReadOnlySpan{}
	children := map[string][]sdktrace.ReadOnlySpan{}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		byID[s.SpanContext().SpanID().String()] = s
	}
	for _, s := range spans {
		if !s.Parent().IsValid() {
			roots = append(roots, s)
			continue
		}
		p, ok := byID[s.Parent().SpanID().String()]
		if !ok {
			t.Errorf("span %s has a parent that never ended", s.Name())
			roots = append(roots, s)
			continue
		}
		if p.SpanContext().TraceID() != s.SpanContext().TraceID() {
			t.Errorf("span %s is not in its parent's trace", s.Name())
		}
		children[p.SpanContext().SpanID().String()] = append(children[p.SpanContext().SpanID().String()], s)
	}
	order := func(list []sdktrace.ReadOnlySpan) {
		slices.SortStableFunc(list, func(a, b sdktrace.ReadOnlySpan) int {
			return cmp.Or(a.StartTime().Compare(b.StartTime()), cmp.Compare(stageRank[a.Name()], stageRank[b.Name()]))
		})
	}
	order(roots)
	var b strings.Builder
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + s.Name())
		if s.Status().Code.String() == "Error" {
			b.WriteString(" !")
		}
		b.WriteByte('\n')
		kids := children[s.SpanContext().SpanID().String()]
		order(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return b.String()
}

// lines joins its arguments with newlines, with a final one.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

// find returns the ended spans named name.
func find(spans []sdktrace.ReadOnlySpan, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// attrs returns a span's attributes as a map of their emitted values.
func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// renderSpans renders everything the spans carry: names, status,
// attributes, events with their attributes, links.
func renderSpans(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "span %s kind=%s status=%s %q\n", s.Name(), s.SpanKind(), s.Status().Code, s.Status().Description)
		for _, kv := range s.Attributes() {
			fmt.Fprintf(&b, "  attr %s=%s\n", kv.Key, kv.Value.Emit())
		}
		for _, ev := range s.Events() {
			fmt.Fprintf(&b, "  event %s\n", ev.Name)
			for _, kv := range ev.Attributes {
				fmt.Fprintf(&b, "    attr %s=%s\n", kv.Key, kv.Value.Emit())
			}
		}
		for _, l := range s.Links() {
			fmt.Fprintf(&b, "  link %s\n", l.SpanContext.SpanID())
			for _, kv := range l.Attributes {
				fmt.Fprintf(&b, "    attr %s=%s\n", kv.Key, kv.Value.Emit())
			}
		}
	}
	return b.String()
}

// logs is a zap logger that records every entry at DEBUG and above.
type logs struct {
	*zap.Logger
	obs *observer.ObservedLogs
}

func newLogs() logs {
	core, obs := observer.New(zapcore.DebugLevel)
	return logs{zap.New(core), obs}
}

// render renders an entry as JSON: level, message and every field.
func render(t testing.TB, e observer.LoggedEntry) string {
	t.Helper()
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder})
	buf, err := enc.EncodeEntry(e.Entry, e.Context)
	if err != nil {
		t.Fatalf("encoding a log entry: %v", err)
	}
	defer buf.Free()
	return buf.String()
}

// renderAll renders every entry recorded so far, one a line.
func (l logs) renderAll(t testing.TB) string {
	var b strings.Builder
	for _, e := range l.obs.All() {
		b.WriteString(render(t, e))
	}
	return b.String()
}

// entries returns the entries whose message is msg.
func (l logs) entries(msg string) []observer.LoggedEntry {
	return l.obs.FilterMessage(msg).All()
}

// meter is an SDK meter provider read by the Prometheus exporter on a
// registry of its own, served over HTTP.
type meter struct {
	*sdkmetric.MeterProvider
	client func() ([]byte, error)
}

func newMeter(t *testing.T) meter {
	t.Helper()
	return newMeterTB(t)
}

// newBenchMeter is newMeter for a benchmark.
func newBenchMeter(b *testing.B) meter { return newMeterTB(b) }

func newMeterTB(t testing.TB) meter {
	t.Helper()
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	t.Cleanup(srv.Close)
	return meter{MeterProvider: mp, client: func() ([]byte, error) {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("scrape: %s", resp.Status)
		}
		return io.ReadAll(resp.Body)
	}}
}

// scrape returns the exporter's text exposition.
func (m meter) scrape(t testing.TB) []byte {
	t.Helper()
	body, err := m.client()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("# TYPE")) {
		t.Fatalf("the scrape has no metric families:\n%s", body)
	}
	return body
}

// attrOf returns the emitted value of attribute key in kvs, or "".
func attrOf(kvs []attribute.KeyValue, key string) string {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}
