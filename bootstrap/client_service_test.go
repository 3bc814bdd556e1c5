package bootstrap_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// The regressions of the client-service issue: the config's pool and rate
// limit are honoured, and the pool's status is real.

func TestNewClientPoolsWithinMaxConnections(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Delay("DATA", 20*time.Millisecond) // keep sessions busy so that sends overlap
	cfg := plainConfig(srv)
	cfg.Pool.MaxConnections, cfg.Pool.MinIdle = 2, -1
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.Send(context.Background(), email(t))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := client.PoolStatus()
	if st.MaxSize != 2 || st.Total < 1 || st.Total > 2 || st.InUse != 0 {
		t.Errorf("PoolStatus = %+v; want MaxSize 2, 1 or 2 sessions, none in use", st)
	}
	if err := client.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Connections(); n > 2 {
		t.Errorf("10 concurrent sends opened %d connections; the pool allows 2", n)
	}
	if n := len(srv.Messages()); n != 10 {
		t.Errorf("server got %d messages; want 10", n)
	}
}

func TestNewClientHonoursTheRateLimit(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 1, Window: time.Minute, OnLimit: ratelimit.Reject}
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close(context.Background())
	if _, err := client.Send(context.Background(), email(t)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := client.Send(context.Background(), email(t))
		e := domain.AsError(err)
		if e == nil || e.Kind != domain.KindLocalRateLimit || e.RetryAfter <= 0 {
			t.Fatalf("Send over the limit = %v; want KindLocalRateLimit with RetryAfter", err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server got %d messages; want 1", n)
	}
}

func TestNewClientLimitsNewConnections(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 100, Window: time.Minute, MaxConnections: 1, OnLimit: ratelimit.Reject}
	client, err := bootstrap.NewClient(cfg, bootstrap.WithoutPool())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close(context.Background())
	if _, err := client.Send(context.Background(), email(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Send(context.Background(), email(t)); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("a second connection within the window = %v; want KindLocalRateLimit", err)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections; want 1", n)
	}
}

func TestNewClientAcceptsAPinnedMechanismWithAProvider(t *testing.T) {
	cfg := bootstrap.Config{Host: "smtp.example.com", Port: 587, AuthMechanism: domain.AuthXOAuth2}
	if _, err := bootstrap.NewClient(cfg); err == nil || !strings.Contains(err.Error(), "set without credentials") {
		t.Fatalf("a pinned mechanism without credentials: %v; want refused", err)
	}
	cfg.CredentialProvider = staticProvider{domain.XOAuth2Credentials("me@example.com", "token")}
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient with a credential provider = %v; want accepted", err)
	}
	_ = client.Close(context.Background())
}

type staticProvider struct{ c domain.Credentials }

func (s staticProvider) Credentials(context.Context) (domain.Credentials, error) { return s.c, nil }
func (s staticProvider) Refresh(context.Context) (bool, error)                   { return false, nil }

func TestWithRateLimiterReplacesTheConfigsLimiter(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := plainConfig(srv)
	cfg.RateLimit = &ratelimit.Config{MaxEmails: 100, Window: time.Minute}
	client, err := bootstrap.NewClient(cfg, bootstrap.WithRateLimiter(refuseAll{}))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close(context.Background())
	if _, err := client.Send(context.Background(), email(t)); domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("Send = %v; want the replacement limiter's refusal", err)
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections; the refusal comes first", n)
	}
}

type refuseAll struct{}

func (refuseAll) Acquire(context.Context, ports.Quota) error {
	return &domain.Error{Kind: domain.KindLocalRateLimit, Op: "rate limit", Message: "test refuses", RetryAfter: time.Second}
}
