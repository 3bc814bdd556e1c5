package tcp

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// countingTelemetry counts spans and allocates nothing: what is left of
// its cost in a benchmark is the instrumentation's own.
type countingTelemetry struct {
	ports.NopTelemetry
	spans atomic.Int64
}

func (c *countingTelemetry) Start(ctx context.Context, _ ports.Stage, _ ports.Attrs) (context.Context, ports.Span) {
	c.spans.Add(1)
	return ctx, countedSpan{}
}

type countedSpan struct{}

func (countedSpan) Result(*domain.SendResult) {}
func (countedSpan) Link(context.Context)      {}
func (countedSpan) End(error)                 {}

// BenchmarkSendManyTxTraced is BenchmarkSendManyTx (pipelining) with a
// Telemetry that records nothing but is not ports.NopTelemetry, so every
// span is started and ended: 4 spans a message (transaction, MAIL, RCPT,
// DATA) and a pipeline span a run of 100.
func BenchmarkSendManyTxTraced(b *testing.B) {
	const run = 100
	msg := &crlfBody{data: realisticBody(1024)}
	cfg := testConfig()
	cfg.Host, cfg.Port = autoServer(b, "PIPELINING", "8BITMIME")
	tel := &countingTelemetry{}
	tr, err := New(cfg, Deps{Telemetry: tel})
	if err != nil {
		b.Fatal(err)
	}
	ps, err := tr.Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	s := ps.(*Session)
	b.Cleanup(func() { _ = s.Close() })
	txs := make([]ports.Transaction, run)
	for i := range txs {
		txs[i] = ports.Transaction{Envelope: env("a@example.org", "b@example.net"), Body: msg}
		txs[i].Envelope.Size = 1024
	}
	b.SetBytes(1024)
	b.ReportAllocs()
	for left := b.N; left > 0; left -= run {
		for _, o := range s.SendMany(context.Background(), txs[:min(run, left)]) {
			if o.Err != nil {
				b.Fatal(o.Err)
			}
		}
	}
	if tel.spans.Load() < int64(4*b.N) {
		b.Fatalf("%d spans for %d messages, want 4 a message at least", tel.spans.Load(), b.N)
	}
}
