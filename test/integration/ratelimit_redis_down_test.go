//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/ratelimit/redis/redistest"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// TestRedisStoppedMidRun takes a Redis of the test's own away (killed, or
// hung with SIGSTOP) while three senders send through the real Postfix,
// for each failure policy: fail-closed refuses everything after (nothing
// sent), fail-open keeps sending under the in-memory limit with a WARN;
// no send lasts much past the 200ms timeout.
func TestRedisStoppedMidRun(t *testing.T) {
	for _, policy := range []redislimit.FailurePolicy{redislimit.FailClosed, redislimit.FailOpen} {
		for _, how := range []string{"killed", "hung"} {
			t.Run(policy.String()+"/"+how, func(t *testing.T) {
				t.Parallel()
				redisDown(t, policy, how)
			})
		}
	}
}

func redisDown(t *testing.T, policy redislimit.FailurePolicy, how string) {
	const workers, each, before = 3, 10, 6
	const timeout = 200 * time.Millisecond
	const bound = 5 * time.Second // a send: the timeout and a Postfix transaction, on a loaded machine
	rs := redistest.Start(t, "")
	marker := unique(t)
	cfg := config(t, "POSTFIX_PLAIN_ADDR", tcp.TLSNone)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 100, Window: time.Hour}
	cfg.RateLimitRedis = &redislimit.Config{URL: redislimit.URL(rs.URL()), Key: marker, Timeout: timeout, OnUnavailable: policy}
	core, logs := observer.New(zapcore.InfoLevel)
	limiter, err := bootstrap.NewRedisRateLimiter(cfg, bootstrap.WithLogger(zap.New(core)))
	if err != nil {
		t.Fatal(err)
	}
	defer limiter.Close()
	client, err := bootstrap.NewClient(cfg, bootstrap.WithRateLimiter(limiter))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close(context.Background())

	var sent atomic.Int64
	stopped := make(chan struct{})
	var once sync.Once
	type outcome struct {
		err        error
		took       time.Duration
		startedAft bool // Redis was already away when the send began
	}
	outcomes := make(chan outcome, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := range each {
				e, err := domain.NewEmail().From("sender@example.test").To("rcpt@example.test").
					Subject(fmt.Sprintf("%s w%d n%d", marker, w, n)).Text("redis down").Build()
				if err != nil {
					t.Error(err)
					return
				}
				var after bool
				select {
				case <-stopped:
					after = true
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				start := time.Now()
				_, err = client.Send(ctx, e)
				took := time.Since(start)
				cancel()
				outcomes <- outcome{err: err, took: took, startedAft: after}
				if err == nil && sent.Add(1) == before {
					once.Do(func() {
						if how == "killed" {
							rs.Kill()
						} else {
							rs.Pause()
						}
						close(stopped)
					})
				}
			}
		})
	}
	wg.Wait()
	close(outcomes)
	if how == "hung" {
		rs.Resume()
	}
	var ok, refused, afterStop int
	for o := range outcomes {
		if o.took > bound {
			t.Errorf("a send took %v with Redis %s (timeout %v)", o.took, how, timeout)
		}
		if o.startedAft {
			afterStop++
		}
		switch {
		case o.err == nil:
			ok++
			if o.startedAft && policy == redislimit.FailClosed {
				t.Errorf("fail-closed: a send that started after Redis was %s went out", how)
			}
		case domain.KindOf(o.err) == domain.KindLocalRateLimit && errors.Is(o.err, redislimit.ErrUnavailable):
			refused++
		default:
			t.Errorf("Send: %v", o.err)
		}
	}
	delivered := postfixCount(t, marker, ok)
	warns := logs.FilterLevelExact(zapcore.WarnLevel).Len()
	t.Logf("%s, Redis %s after %d sends: %d sent, %d refused (%d sends started after), fail-opens %d, %d WARN; Postfix delivered %d",
		policy, how, before, ok, refused, afterStop, limiter.FailOpens(), warns, delivered)
	if delivered != ok {
		t.Fatalf("Postfix delivered %d, the client sent %d", delivered, ok)
	}
	if afterStop == 0 {
		t.Fatal("no send started after Redis was taken away")
	}
	switch policy {
	case redislimit.FailClosed:
		if refused < afterStop || limiter.FailOpens() != 0 {
			t.Fatalf("fail-closed: %d refused of %d started after, %d fail-opens", refused, afterStop, limiter.FailOpens())
		}
	case redislimit.FailOpen:
		if ok != workers*each || limiter.FailOpens() < uint64(afterStop) || warns == 0 {
			t.Fatalf("fail-open: %d of %d sent, %d fail-opens, %d warnings", ok, workers*each, limiter.FailOpens(), warns)
		}
	}
}
