//go:build integration

package integration

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// BenchmarkPooledSendRateLimiter measures the pooled Send path through
// smtp-sink (SMTP_SINK_ADDR) from 16 goroutines with a rate limit set too
// high to bind: in memory, and shared through the servers' Redis.
//
//	set -a; . /tmp/smtp-itest/env; set +a
//	go test -tags integration -run=NONE -bench=PooledSendRateLimiter -benchtime=20000x ./test/integration/
func BenchmarkPooledSendRateLimiter(b *testing.B) {
	for _, shared := range []bool{false, true} {
		name := "memory"
		if shared {
			name = "redis"
		}
		b.Run(name, func(b *testing.B) {
			addr := os.Getenv("SMTP_SINK_ADDR")
			url := os.Getenv("SMTP_TEST_REDIS_URL")
			if addr == "" || url == "" {
				b.Fatal("SMTP_SINK_ADDR and SMTP_TEST_REDIS_URL must be set: source /tmp/smtp-itest/env")
			}
			cfg := bootstrap.Config{}
			cfg.Host, cfg.Port = splitAddr(b, addr)
			cfg.TLSMode, cfg.LocalName = tcp.TLSNone, "client.example.test"
			cfg.Retry.MaxAttempts = 1
			cfg.RateLimit = &ratelimit.Config{MaxEmails: 10_000_000, Window: time.Second}
			if shared {
				cfg.RateLimitRedis = &redislimit.Config{URL: redislimit.URL(url), Key: "bench-send-" + time.Now().Format("150405.000000")}
			}
			client, err := bootstrap.NewClient(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer client.Close(context.Background())
			e, err := domain.NewEmail().From("sender@example.test").To("rcpt@example.test").Subject("bench").Text("rate limiter bench").Build()
			if err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(8) // 16 senders on 2 CPUs, over the pool's 5 sessions
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := client.Send(context.Background(), e); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
		})
	}
}

func splitAddr(b *testing.B, addr string) (string, int) {
	b.Helper()
	var host string
	var port int
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			host = addr[:i]
			for _, c := range addr[i+1:] {
				port = port*10 + int(c-'0')
			}
			break
		}
	}
	if host == "" || port == 0 {
		b.Fatalf("bad address %q", addr)
	}
	return host, port
}
