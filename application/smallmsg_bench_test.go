//go:build linux

package application_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/adapters/mime"
	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
)

// BenchmarkSmallMessage sends 1 KB text messages, built as smtpctl bench
// builds them (7-bit lines of 75 characters, subject "bench N"), through
// the whole client: application.Client with the MIME encoder, the pool
// (adapters/pool) and tcp.Transport, to the in-process sink of
// BenchmarkSendAttachment (PIPELINING, 8BITMIME, SIZE). One op is one
// message in every sub-benchmark, so ns/op, B/op and allocs/op compare
// across them:
//
//   - send: one caller, client.Send through a pool of one session (row a
//     of scripts/bench/pool.sh);
//   - send-64x5: 64 callers (RunParallel at 32 per GOMAXPROCS on 2 CPUs)
//     through a pool of five, coalescing on (row b);
//   - batch-600x5: SendBatch of 600 messages over a pool of five (row c
//     in smaller calls; the last call of a run may be shorter).
//
// Sessions are opened before the timer starts. Besides the usual figures
// it reports client-us/op, the process's CPU time a message less the sink
// connections' own (getrusage), which is what the client costs on a
// machine where client and server share the CPUs.
//
//	go test -run '^$' -bench SmallMessage -benchmem ./application/
func BenchmarkSmallMessage(b *testing.B) {
	emails := smallEmails(b, 1000, 1024)
	b.Run("send", func(b *testing.B) {
		client, snk := smallClient(b, 1, 1)
		b.ReportAllocs()
		cpu0, sink0 := processCPU(), snk.cpu.Load()
		for i := 0; i < b.N; i++ {
			if _, err := client.Send(context.Background(), emails[i%len(emails)]); err != nil {
				b.Fatal(err)
			}
		}
		reportClientCPU(b, snk, cpu0, sink0, b.N)
	})
	b.Run("send-64x5", func(b *testing.B) {
		client, snk := smallClient(b, 5, 5)
		b.ReportAllocs()
		b.SetParallelism(32)
		cpu0, sink0 := processCPU(), snk.cpu.Load()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := client.Send(context.Background(), emails[i%len(emails)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		reportClientCPU(b, snk, cpu0, sink0, b.N)
	})
	b.Run("batch-600x5", func(b *testing.B) {
		const batch = 600
		batchEmails := smallEmails(b, batch, 1024)
		client, snk := smallClient(b, 5, 5)
		b.ReportAllocs()
		cpu0, sink0 := processCPU(), snk.cpu.Load()
		for left := b.N; left > 0; left -= batch {
			res, err := client.SendBatch(context.Background(), batchEmails[:min(batch, left)])
			if err != nil {
				b.Fatal(err)
			}
			if res.Failed > 0 {
				for _, it := range res.Items {
					if it.Err != nil {
						b.Fatal(it.Err)
					}
				}
			}
		}
		reportClientCPU(b, snk, cpu0, sink0, b.N)
	})
}

// smallEmails builds n messages with size-octet text bodies, the same
// body for all.
func smallEmails(tb testing.TB, n, size int) []*domain.Email {
	tb.Helper()
	const line = "The quick brown fox jumps over the lazy dog; seven wizards hex jolly kings.\n"
	body := strings.Repeat(line, size/len(line)+1)[:size-1] + "\n"
	out := make([]*domain.Email, n)
	for i := range out {
		e, err := domain.NewEmail().From("bench@example.com").To("sink@example.net").
			Subject("bench " + strconv.Itoa(i+1)).Text(body).Build()
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = e
	}
	return out
}

// smallClient returns a client with a pool of conns sessions to a new
// sink, open sessions of which are made before it returns.
func smallClient(b *testing.B, conns, open int) (*application.Client, *sink) {
	b.Helper()
	snk := startSink(b)
	cfg := tcp.Config{Host: snk.host, Port: snk.port, TLSMode: tcp.TLSNone}
	transport, err := tcp.New(cfg, tcp.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	p := pool.New(transport, pool.Config{MaxConnections: conns, MinIdle: open})
	client, err := application.New(transport, mime.New(), application.WithPool(p))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Close(context.Background()) })
	// Open the sessions before the clock: every caller holds one at once.
	ctx := context.Background()
	for range open {
		s, err := p.Get(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Put(s)
	}
	return client, snk
}

// reportClientCPU reports the process's CPU time a message less the
// sink's, after checking that the sink took every message.
func reportClientCPU(b *testing.B, snk *sink, cpu0, sink0 int64, n int) {
	b.Helper()
	total, sinkCPU := float64(processCPU()-cpu0), float64(snk.cpu.Load()-sink0)
	b.ReportMetric((total-sinkCPU)/float64(n)/1e3, "client-us/op")
	b.ReportMetric(sinkCPU/float64(n)/1e3, "sink-us/op")
	if got := snk.messages.Load(); got < int64(n) {
		b.Fatalf("the sink took %d messages, want at least %d", got, n)
	}
}
