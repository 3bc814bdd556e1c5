package bootstrap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/ratelimit/redis/redistest"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// redisServer starts a private redis-server, or skips when none is
// installed (test/integration runs the shared limiter against the servers'
// Redis and never skips).
func redisServer(t *testing.T) *redistest.Server {
	t.Helper()
	if _, ok := redistest.Binary(); !ok {
		t.Skip("no redis-server installed (scripts/servers/install.sh)")
	}
	return redistest.Start(t, "")
}

// TestNewClientSharesTheQuotaThroughRedis: clients of one key share the
// quota, a client of another key does not; without a key, the account
// (host:port without credentials) is the key.
func TestNewClientSharesTheQuotaThroughRedis(t *testing.T) {
	rs := redisServer(t)
	srv := smtptest.Start(t)
	run := time.Now().Format("150405.000000000")
	srv2 := smtptest.Start(t)
	newClient := func(key string, to *smtptest.Server) *application.Client {
		cfg := plainConfig(to)
		cfg.RateLimit = &ratelimit.Config{MaxEmails: 2, Window: time.Hour}
		cfg.RateLimitRedis = &redislimit.Config{URL: redislimit.URL(rs.URL()), Key: key}
		c, err := bootstrap.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(context.Background()) })
		return c
	}
	sends := func(c *application.Client, n int) (ok int) {
		for range n {
			_, err := c.Send(context.Background(), email(t))
			switch {
			case err == nil:
				ok++
			case domain.KindOf(err) != domain.KindLocalRateLimit:
				t.Fatalf("Send: %v", err)
			}
		}
		return ok
	}
	a, b, other := newClient("acct-"+run, srv), newClient("acct-"+run, srv), newClient("other-"+run, srv)
	if got := sends(a, 1) + sends(b, 3); got != 2 {
		t.Fatalf("two clients of one key sent %d, want the shared 2", got)
	}
	if got := sends(other, 3); got != 2 {
		t.Fatalf("a client of another key sent %d, want its own 2", got)
	}
	one, two, elsewhere := newClient("", srv), newClient("", srv), newClient("", srv2)
	if got := sends(one, 2) + sends(two, 1); got != 2 {
		t.Fatalf("two clients of one account sent %d, want the shared 2", got)
	}
	if got := sends(elsewhere, 3); got != 2 {
		t.Fatalf("another account sent %d, want its own 2", got)
	}
	if n, n2 := len(srv.Messages()), len(srv2.Messages()); n != 6 || n2 != 2 {
		t.Fatalf("servers got %d and %d messages, want 6 and 2", n, n2)
	}
}

// TestNewClientFailOpenFallsBackToMemory: with Redis gone, fail-open sends
// within the in-memory limit of the same configuration.
func TestNewClientFailOpenFallsBackToMemory(t *testing.T) {
	rs := redisServer(t)
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 2, Window: time.Hour}
	cfg.RateLimitRedis = &redislimit.Config{URL: redislimit.URL(rs.URL()), OnUnavailable: redislimit.FailOpen, Timeout: 200 * time.Millisecond}
	l, err := bootstrap.NewRedisRateLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := bootstrap.NewClient(cfg, bootstrap.WithRateLimiter(l))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	rs.Kill()
	var kinds []domain.Kind
	for range 3 {
		_, err := c.Send(context.Background(), email(t))
		kinds = append(kinds, domain.KindOf(err))
	}
	if kinds[0] != domain.KindUnknown || kinds[1] != domain.KindUnknown || kinds[2] != domain.KindLocalRateLimit {
		t.Fatalf("kinds %v, want two sends and a local refusal", kinds)
	}
	if l.FailOpens() < 3 || len(srv.Messages()) != 2 {
		t.Fatalf("fail-opens %d, messages %d; want at least 3 and 2", l.FailOpens(), len(srv.Messages()))
	}
}

func TestNewRedisRateLimiterNeedsSettings(t *testing.T) {
	cfg := bootstrap.Config{}
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 1, Window: time.Second}
	if _, err := bootstrap.NewRedisRateLimiter(cfg); !errors.Is(err, domain.KindInvalidInput) {
		t.Fatalf("NewRedisRateLimiter without Redis: %v, want invalid input", err)
	}
}

// TestRedisRateLimiterOption: the fx option gives Module's client the
// Redis limiter, and nothing without Redis settings.
func TestRedisRateLimiterOption(t *testing.T) {
	rs := redisServer(t)
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 1, Window: time.Hour}
	cfg.RateLimitRedis = &redislimit.Config{URL: redislimit.URL(rs.URL()), Key: "fx-" + time.Now().Format("150405.000000000")}
	var client *application.Client
	var limiter ports.RateLimiter
	app := fxtest.New(t, fx.Supply(cfg), bootstrap.Module, bootstrap.RedisRateLimiter, fx.Populate(&client, &limiter))
	app.RequireStart()
	if _, ok := limiter.(*redislimit.Limiter); !ok {
		t.Fatalf("the graph's limiter is %T, want *redis.Limiter", limiter)
	}
	if _, err := client.Send(context.Background(), email(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Send(context.Background(), email(t)); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("second send: %v, want the shared limit's refusal", err)
	}
	app.RequireStop()

	cfg.RateLimit, cfg.RateLimitRedis = nil, nil
	limiter = nil
	app = fxtest.New(t, fx.Supply(cfg), bootstrap.Module, bootstrap.RedisRateLimiter, fx.Populate(&client, &limiter))
	app.RequireStart()
	if limiter != nil {
		t.Fatalf("without Redis settings the option provided %T", limiter)
	}
	app.RequireStop()
}
