package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/ports"
)

// BenchmarkAcquire measures Acquire with Reject: granted (a limit never
// reached), refused (the error is built each time) and granted from every
// core at once.
func BenchmarkAcquire(b *testing.B) {
	ctx := context.Background()
	b.Run("granted", func(b *testing.B) {
		l := benchLimiter(b, 1<<50)
		b.ReportAllocs()
		for b.Loop() {
			if err := l.Acquire(ctx, ports.QuotaEmails); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("refused", func(b *testing.B) {
		l := benchLimiter(b, 1)
		_ = l.Acquire(ctx, ports.QuotaEmails)
		b.ReportAllocs()
		for b.Loop() {
			if err := l.Acquire(ctx, ports.QuotaEmails); err == nil {
				b.Fatal("granted past the limit")
			}
		}
	})
	b.Run("granted parallel", func(b *testing.B) {
		l := benchLimiter(b, 1<<50)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := l.Acquire(ctx, ports.QuotaEmails); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func benchLimiter(b *testing.B, max int) *ratelimit.Limiter {
	b.Helper()
	l, err := ratelimit.New(ratelimit.Config{MaxEmails: max, Window: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	return l
}
