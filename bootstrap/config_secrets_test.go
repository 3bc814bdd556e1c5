package bootstrap_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// TestConfigNeverShowsASecret: a Config holding a password and a Redis URL
// with a password shows neither in any fmt verb nor in JSON.
func TestConfigNeverShowsASecret(t *testing.T) {
	const password, redisPassword = "Pa55-w0rd-in-config", "Redis-pw-in-config"
	cfg := bootstrap.Config{Host: "smtp.example.com", Port: 587,
		Credentials:    domain.PasswordCredentials("alice", password),
		RateLimit:      &ratelimit.Config{MaxEmails: 1, Window: time.Second},
		RateLimitRedis: &redislimit.Config{URL: redislimit.URL("redis://:" + redisPassword + "@cache:6379/0")}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%-20v"} {
		outs = append(outs, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, *cfg.RateLimitRedis))
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	for _, out := range outs {
		if strings.Contains(out, password) || strings.Contains(out, redisPassword) {
			t.Fatalf("a secret shows: %s", out)
		}
	}
}
