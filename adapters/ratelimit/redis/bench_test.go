package redis_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/ratelimit/redis/redistest"
	"github.com/integrations/smtp/ports"
)

// benchURL is the servers' Redis (SMTP_TEST_REDIS_URL) when set, else a
// private one.
func benchURL(b *testing.B) string {
	if u := os.Getenv("SMTP_TEST_REDIS_URL"); u != "" {
		return u
	}
	return redistest.Start(b, "").URL()
}

// BenchmarkDecision measures one permit granted by Redis (a limit that
// never binds: a million a second), and reports the median and the 99th
// percentile of the decisions' latencies next to ns/op.
//
//	go test -run=NONE -bench=Decision -benchtime=20000x ./adapters/ratelimit/redis/
func BenchmarkDecision(b *testing.B) {
	cfg := ratelimit.Config{MaxEmails: 1_000_000, Window: time.Second}
	l, err := redislimit.New(cfg, redislimit.Config{URL: redislimit.URL(benchURL(b)), Key: "bench-" + time.Now().Format("150405.000000")})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if err := l.Acquire(ctx, ports.QuotaEmails); err != nil { // loads the script
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := l.Acquire(ctx, ports.QuotaEmails); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkDecisionInMemory is the in-memory limiter's decision, for
// comparison.
func BenchmarkDecisionInMemory(b *testing.B) {
	l, err := ratelimit.New(ratelimit.Config{MaxEmails: 1_000_000_000, Window: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if err := l.Acquire(ctx, ports.QuotaEmails); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkDecisionParallel is BenchmarkDecision from GOMAXPROCS goroutines.
func BenchmarkDecisionParallel(b *testing.B) {
	cfg := ratelimit.Config{MaxEmails: 1_000_000, Window: time.Second}
	l, err := redislimit.New(cfg, redislimit.Config{URL: redislimit.URL(benchURL(b)), Key: "benchp-" + time.Now().Format("150405.000000")})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Acquire(context.Background(), ports.QuotaEmails); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}
