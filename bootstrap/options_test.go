package bootstrap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// TestConstructorsRefuseOptionsTheyDoNotUse: an option that a constructor
// would ignore is refused with KindInvalidInput naming it, never dropped.
func TestConstructorsRefuseOptionsTheyDoNotUse(t *testing.T) {
	cfg := bootstrap.Config{Host: "mail.example.com", Port: 587}
	for _, tt := range []struct {
		name string
		opt  bootstrap.ClientOption
	}{
		{"WithoutPool", bootstrap.WithoutPool()},
		{"WithEncoder", bootstrap.WithEncoder(bootstrap.NewEncoder())},
		{"WithInterceptors", bootstrap.WithInterceptors()},
		{"WithRateLimiter", bootstrap.WithRateLimiter(nil)},
		{"WithTransport", bootstrap.WithTransport(nil)},
	} {
		_, err := bootstrap.NewTransport(cfg, bootstrap.WithLogger(nil), tt.opt)
		if domain.KindOf(err) != domain.KindInvalidInput || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("NewTransport with %s: err = %v, want KindInvalidInput naming it", tt.name, err)
		}
	}
	if _, err := bootstrap.NewTransport(cfg, bootstrap.WithLogger(nil), bootstrap.WithTranscript(nil)); err != nil {
		t.Errorf("NewTransport with its own options: %v", err)
	}

	shared := cfg
	shared.RateLimit = &ratelimit.Config{MaxEmails: 10, Window: time.Minute}
	shared.RateLimitRedis = &redislimit.Config{URL: redislimit.URL("redis://127.0.0.1:1/0")}
	_, err := bootstrap.NewRedisRateLimiter(shared, bootstrap.WithDialer(nil))
	if domain.KindOf(err) != domain.KindInvalidInput || !strings.Contains(err.Error(), "WithDialer") {
		t.Errorf("NewRedisRateLimiter with WithDialer: err = %v, want KindInvalidInput naming it", err)
	}
	l, err := bootstrap.NewRedisRateLimiter(shared, bootstrap.WithLogger(nil))
	if err != nil {
		t.Fatalf("NewRedisRateLimiter with its own options: %v", err)
	}
	_ = l.Close()
}
