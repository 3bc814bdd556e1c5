package review_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/smtptest"
)

// config is a plain configuration for srv: a pool of size sessions, no
// MinIdle or health checks, attempts tries a few milliseconds apart, no
// circuit breaker and generous timeouts.
func config(srv *smtptest.Server, size, attempts int) bootstrap.Config {
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port, cfg.TLSMode = srv.Host(), srv.Port(), tcp.TLSNone
	cfg.LocalName = "client.example.test"
	cfg.Pool = pool.Config{MaxConnections: size, MinIdle: -1, HealthCheckInterval: -1, AcquireTimeout: time.Minute, IdleTimeout: 5 * time.Minute}
	cfg.Retry = application.RetryPolicy{MaxAttempts: attempts, InitialDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, Multiplier: 2, DisableJitter: true}
	cfg.CircuitBreaker.Disabled = true
	return cfg
}

// newClient returns a client for cfg, closed when the test ends.
func newClient(t *testing.T, cfg bootstrap.Config, opts ...bootstrap.ClientOption) *application.Client {
	t.Helper()
	c, err := bootstrap.NewClient(cfg, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	return c
}

// message is a one-recipient email to rcpt whose Message-ID is id.
func message(t *testing.T, id, rcpt string) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("sender@example.test").To(rcpt).
		Subject("review " + id).Text("review test\n").MessageID(id).Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func id(i int) string { return fmt.Sprintf("m%03d@review.test", i) }
