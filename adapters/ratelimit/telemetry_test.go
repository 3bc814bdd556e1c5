package ratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/adapters/ratelimit/ratelimittest"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

// limitedCall is one RateLimited call.
type limitedCall struct {
	ctx context.Context
	q   ports.Quota
}

// rateTelemetry records RateLimited calls; the rest of ports.Telemetry
// records nothing.
type rateTelemetry struct {
	ports.NopTelemetry
	mu    sync.Mutex
	calls []limitedCall
}

func (r *rateTelemetry) RateLimited(ctx context.Context, q ports.Quota) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, limitedCall{ctx, q})
}

func (r *rateTelemetry) recorded() []limitedCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]limitedCall(nil), r.calls...)
}

// wantCalls fails the test unless tel recorded exactly one call of q with
// ctx per entry of want (nil ctx: any).
func wantCalls(t *testing.T, tel *rateTelemetry, ctx context.Context, want ...ports.Quota) {
	t.Helper()
	got := tel.recorded()
	if len(got) != len(want) {
		t.Fatalf("RateLimited called %d times (%v), want %d (%v)", len(got), got, len(want), want)
	}
	for i, c := range got {
		if c.q != want[i] || (ctx != nil && c.ctx != ctx) {
			t.Errorf("RateLimited call %d: quota %v, ctx %v; want %v with the caller's ctx", i+1, c.q, c.ctx, want[i])
		}
	}
}

func telemetryLimiter(t *testing.T, cfg ratelimit.Config) (*ratelimit.Limiter, *rateTelemetry) {
	t.Helper()
	tel := &rateTelemetry{}
	l, err := ratelimit.New(cfg, ratelimit.WithTelemetry(tel))
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return l, tel
}

func TestTelemetryNotToldOfPermitsGrantedAtOnce(t *testing.T) {
	t.Parallel()
	for _, behaviour := range []ratelimit.Config{
		{MaxEmails: 3, MaxConnections: 3, Window: time.Hour},
		{MaxEmails: 3, MaxConnections: 3, Window: time.Hour, OnLimit: ratelimit.Wait},
		{MaxEmails: 3, MaxConnections: 3, Window: time.Hour, OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: time.Minute},
	} {
		l, tel := telemetryLimiter(t, behaviour)
		for range 3 {
			for _, q := range []ports.Quota{ports.QuotaEmails, ports.QuotaConnections} {
				if err := l.Acquire(context.Background(), q); err != nil {
					t.Fatalf("Acquire(%v) with %v: %v", q, behaviour.OnLimit, err)
				}
			}
		}
		wantCalls(t, tel, nil)
	}
}

func TestTelemetryToldOfEachRefusal(t *testing.T) {
	t.Parallel()
	l, tel := telemetryLimiter(t, ratelimit.Config{MaxEmails: 1, MaxConnections: 1, Window: time.Hour})
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	for _, q := range []ports.Quota{ports.QuotaEmails, ports.QuotaConnections} {
		if err := l.Acquire(ctx, q); err != nil {
			t.Fatalf("first Acquire(%v): %v", q, err)
		}
	}
	for _, q := range []ports.Quota{ports.QuotaEmails, ports.QuotaEmails, ports.QuotaConnections} {
		if err := l.Acquire(ctx, q); domain.KindOf(err) != domain.KindLocalRateLimit {
			t.Fatalf("Acquire(%v) past the limit: %v", q, err)
		}
	}
	wantCalls(t, tel, ctx, ports.QuotaEmails, ports.QuotaEmails, ports.QuotaConnections)
}

func TestTelemetryToldOfAWaitWithTimeoutThatCannotBeMet(t *testing.T) {
	t.Parallel()
	l, tel := telemetryLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour,
		OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: time.Second})
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	_ = l.Acquire(ctx, ports.QuotaEmails)
	if err := l.Acquire(ctx, ports.QuotaEmails); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("Acquire past the limit: %v", err)
	}
	wantCalls(t, tel, ctx, ports.QuotaEmails)
}

func TestTelemetryToldOnceOfAWait(t *testing.T) {
	t.Parallel()
	// 1 a window of 500ms: the second and third callers wait, each through
	// a window start or more, and are each reported once.
	for _, cfg := range []ratelimit.Config{
		{MaxEmails: 1, Window: 500 * time.Millisecond, OnLimit: ratelimit.Wait},
		{MaxEmails: 1, Window: 500 * time.Millisecond, OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: time.Minute},
	} {
		l, tel := telemetryLimiter(t, cfg)
		ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
		for i := range 3 {
			if err := l.Acquire(ctx, ports.QuotaEmails); err != nil {
				t.Fatalf("Acquire %d with %v: %v", i+1, cfg.OnLimit, err)
			}
		}
		wantCalls(t, tel, ctx, ports.QuotaEmails, ports.QuotaEmails)
	}
}

func TestTelemetryToldOfAWaiterWhoseContextEnds(t *testing.T) {
	t.Parallel()
	l, tel := telemetryLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour, OnLimit: ratelimit.Wait})
	_ = l.Acquire(context.Background(), ports.QuotaEmails)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Acquire(ctx, ports.QuotaEmails) }()
	// The report comes before the waiter sleeps: once it is there, cancel.
	for deadline := time.Now().Add(20 * time.Second); len(tel.recorded()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the waiter was never reported")
		}
	}
	cancel()
	if err := <-done; domain.KindOf(err) != domain.KindCancelled {
		t.Fatalf("Acquire: %v, want %v", err, domain.KindCancelled)
	}
	wantCalls(t, tel, ctx, ports.QuotaEmails)
}

func TestTelemetryNotToldOfAnEndedContext(t *testing.T) {
	t.Parallel()
	l, tel := telemetryLimiter(t, ratelimit.Config{MaxEmails: 1, Window: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Acquire(ctx, ports.QuotaEmails); domain.KindOf(err) != domain.KindCancelled {
		t.Fatalf("Acquire: %v, want %v", err, domain.KindCancelled)
	}
	wantCalls(t, tel, nil)
}

func TestTelemetryToldOfConnectionsLimitConnectionsRefuses(t *testing.T) {
	t.Parallel()
	transport := mocks.NewMockTransport(gomock.NewController(t))
	transport.EXPECT().Open(gomock.Any()).Return(mocks.NewMockSession(gomock.NewController(t)), nil)
	l, tel := telemetryLimiter(t, ratelimit.Config{MaxEmails: 1, MaxConnections: 1, Window: time.Hour})
	limited := ratelimit.LimitConnections(transport, l)
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	if _, err := limited.Open(ctx); err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if _, err := limited.Open(ctx); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("second Open: %v, want %v", err, domain.KindLocalRateLimit)
	}
	wantCalls(t, tel, ctx, ports.QuotaConnections)
}

func TestContractWithTelemetry(t *testing.T) {
	t.Parallel()
	ratelimittest.Contract(t, func(t *testing.T, cfg ratelimit.Config) ports.RateLimiter {
		l, _ := telemetryLimiter(t, cfg)
		return l
	})
}

func TestWithNilTelemetryReportsNothing(t *testing.T) {
	t.Parallel()
	l, err := ratelimit.New(ratelimit.Config{MaxEmails: 1, Window: time.Hour}, ratelimit.WithTelemetry(nil))
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Acquire(context.Background(), ports.QuotaEmails)
	if err := l.Acquire(context.Background(), ports.QuotaEmails); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("Acquire past the limit: %v", err)
	}
}
