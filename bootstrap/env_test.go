package bootstrap_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/tcp"
	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

const envPassword = "Env-Redis-pw-77"

// env is a lookup over a map, as os.LookupEnv over the environment.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestApplyEnvSetsEveryField: each variable lands in its field.
func TestApplyEnvSetsEveryField(t *testing.T) {
	token := writeSecret(t, "tok-123\n")
	var cfg bootstrap.Config
	err := cfg.ApplyEnv(env(map[string]string{
		"SMTP_HOST": "smtp.example.com", "SMTP_PORT": " 465 ", "SMTP_TLS_MODE": "implicit",
		"SMTP_TLS_CA_FILE": "/ca.pem", "SMTP_TLS_SERVER_NAME": "mx.example.com", "SMTP_TLS_MIN_VERSION": "1.3",
		"SMTP_TLS_INSECURE_SKIP_VERIFY": "true", "SMTP_USERNAME": "me@example.com", "SMTP_TOKEN_FILE": token,
		"SMTP_AUTH_MECHANISM": "oauthbearer", "SMTP_ALLOW_INSECURE_AUTH": "1", "SMTP_LOCAL_NAME": "client.example.com",
		"SMTP_DISABLE_PIPELINING": "true", "SMTP_POOL_MAX_CONNECTIONS": "7", "SMTP_POOL_MIN_IDLE": "-1",
		"SMTP_POOL_ACQUIRE_TIMEOUT": "10s", "SMTP_POOL_IDLE_TIMEOUT": "2m", "SMTP_RETRY_MAX_ATTEMPTS": "1",
		"SMTP_RETRY_INITIAL_DELAY": "1s", "SMTP_RETRY_MAX_DELAY": "5s", "SMTP_CIRCUIT_BREAKER_DISABLED": "true",
		"SMTP_RATE_LIMIT_MAX_EMAILS": "100", "SMTP_RATE_LIMIT_WINDOW": "1m",
		"SMTP_RATE_LIMIT_REDIS_URL": "redis://:" + envPassword + "@h:1/0", "SMTP_RATE_LIMIT_KEY": "ses:prod",
		"SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE": "fail-open", "SMTP_RATE_LIMIT_REDIS_TIMEOUT": "80ms",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := bootstrap.Config{
		Host: "smtp.example.com", Port: 465, TLSMode: tcp.TLSImplicit,
		TLS:           smtptls.Config{CAFile: "/ca.pem", ServerName: "mx.example.com", MinVersion: smtptls.VersionTLS13, InsecureSkipVerify: true},
		Credentials:   domain.OAuthBearerCredentials("me@example.com", "tok-123"),
		AuthMechanism: domain.AuthOAuthBearer, AllowInsecureAuth: true, LocalName: "client.example.com",
		DisablePipelining: true,
		Pool:              pool.Config{MaxConnections: 7, MinIdle: -1, AcquireTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
		Retry:             application.RetryPolicy{MaxAttempts: 1, InitialDelay: time.Second, MaxDelay: 5 * time.Second},
		CircuitBreaker:    application.BreakerConfig{Disabled: true},
		RateLimit:         &ratelimit.Config{MaxEmails: 100, Window: time.Minute},
		RateLimitRedis: &redislimit.Config{URL: redislimit.URL("redis://:" + envPassword + "@h:1/0"), Key: "ses:prod",
			OnUnavailable: redislimit.FailOpen, Timeout: 80 * time.Millisecond},
	}
	if cfg.Credentials.Secret.Reveal() != "tok-123" {
		t.Errorf("token %q, want the file's content without its line end", cfg.Credentials.Secret.Reveal())
	}
	gotCreds, wantCreds := cfg.Credentials, want.Credentials
	cfg.Credentials, want.Credentials = domain.Credentials{}, domain.Credentials{}
	if gotCreds.Type != wantCreds.Type || gotCreds.Username != wantCreds.Username {
		t.Errorf("credentials %v, want %v", gotCreds, wantCreds)
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config\n%+v\nwant\n%+v", cfg, want)
	}
	if err := (&bootstrap.Config{Host: "h", Port: 587}).ApplyEnv(env(nil)); err != nil {
		t.Errorf("nothing set: %v", err)
	}
}

func TestApplyEnvCredentials(t *testing.T) {
	pwFile := writeSecret(t, "from-file\r\n")
	tests := []struct {
		name     string
		start    domain.Credentials
		env      map[string]string
		wantType domain.CredentialType
		wantUser string
		wantPass string
		wantErr  string
	}{
		{name: "password", env: map[string]string{"SMTP_USERNAME": "u", "SMTP_PASSWORD": "pw"},
			wantType: domain.CredentialPassword, wantUser: "u", wantPass: "pw"},
		{name: "password file", env: map[string]string{"SMTP_USERNAME": "u", "SMTP_PASSWORD_FILE": pwFile},
			wantType: domain.CredentialPassword, wantUser: "u", wantPass: "from-file"},
		{name: "token file: XOAUTH2", env: map[string]string{"SMTP_USERNAME": "u", "SMTP_TOKEN_FILE": pwFile},
			wantType: domain.CredentialXOAuth2, wantUser: "u", wantPass: "from-file"},
		{name: "password keeps the struct's username", start: domain.PasswordCredentials("old", "x"),
			env: map[string]string{"SMTP_PASSWORD": "pw"}, wantType: domain.CredentialPassword, wantUser: "old", wantPass: "pw"},
		{name: "username alone renames", start: domain.PasswordCredentials("old", "x"),
			env: map[string]string{"SMTP_USERNAME": "new"}, wantType: domain.CredentialPassword, wantUser: "new", wantPass: "x"},
		{name: "two secrets", env: map[string]string{"SMTP_USERNAME": "u", "SMTP_PASSWORD": "pw", "SMTP_PASSWORD_FILE": pwFile},
			wantErr: "SMTP_PASSWORD and SMTP_PASSWORD_FILE exclude each other"},
		{name: "password without username", env: map[string]string{"SMTP_PASSWORD": "pw"}, wantErr: "SMTP_PASSWORD needs SMTP_USERNAME"},
		{name: "username without secret", env: map[string]string{"SMTP_USERNAME": "u"}, wantErr: "SMTP_USERNAME needs"},
		{name: "missing file", env: map[string]string{"SMTP_USERNAME": "u", "SMTP_PASSWORD_FILE": "/nonexistent/secret-file"},
			wantErr: "SMTP_PASSWORD_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bootstrap.Config{Credentials: tt.start}
			err := cfg.ApplyEnv(env(tt.env))
			if tt.wantErr != "" {
				if !errors.Is(err, domain.KindInvalidInput) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ApplyEnv: %v, want an invalid-input error saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "pw") && !strings.Contains(tt.wantErr, "pw") || strings.Contains(err.Error(), "from-file") {
					t.Fatalf("the error shows a secret: %v", err)
				}
				if cfg.Credentials != tt.start {
					t.Fatal("a failed ApplyEnv changed the configuration")
				}
				return
			}
			c := cfg.Credentials
			if err != nil || c.Type != tt.wantType || c.Username != tt.wantUser || c.Secret.Reveal() != tt.wantPass {
				t.Fatalf("ApplyEnv: %v, credentials %v %q; want %v %q", err, c.Type, c.Username, tt.wantType, tt.wantUser)
			}
		})
	}
}

// TestApplyEnvErrorsNameTheVariable: a value that does not parse gives a
// *domain.Error of KindInvalidInput naming its variable, for every
// variable with a syntax; secrets never show.
func TestApplyEnvErrorsNameTheVariable(t *testing.T) {
	bad := map[string]string{
		"SMTP_PORT": "smtp", "SMTP_TLS_MODE": "sometimes", "SMTP_TLS_MIN_VERSION": "2.0",
		"SMTP_TLS_INSECURE_SKIP_VERIFY": "yes please", "SMTP_AUTH_MECHANISM": "KERBEROS", "SMTP_ALLOW_INSECURE_AUTH": "maybe",
		"SMTP_DISABLE_PIPELINING": "nope", "SMTP_POOL_MAX_CONNECTIONS": "five", "SMTP_POOL_MIN_IDLE": "1.5",
		"SMTP_POOL_ACQUIRE_TIMEOUT": "10", "SMTP_POOL_IDLE_TIMEOUT": "-1m", "SMTP_RETRY_MAX_ATTEMPTS": "x",
		"SMTP_RETRY_INITIAL_DELAY": "soon", "SMTP_RETRY_MAX_DELAY": "later", "SMTP_CIRCUIT_BREAKER_DISABLED": "2",
		"SMTP_RATE_LIMIT_MAX_EMAILS": "many", "SMTP_RATE_LIMIT_WINDOW": "hour",
		"SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE": "sometimes", "SMTP_RATE_LIMIT_REDIS_TIMEOUT": "-1s",
		"SMTP_PASSWORD_FILE": "/nonexistent/pw", "SMTP_TOKEN_FILE": "/nonexistent/token",
	}
	for name, value := range bad {
		m := map[string]string{name: value, "SMTP_USERNAME": "u"}
		if strings.HasPrefix(name, "SMTP_RATE_LIMIT_REDIS") {
			m["SMTP_RATE_LIMIT_REDIS_URL"] = "redis://:" + envPassword + "@h:1"
		}
		cfg := bootstrap.Config{Host: "h", RateLimit: &ratelimit.Config{MaxEmails: 1, Window: time.Second}}
		err := cfg.ApplyEnv(env(m))
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.KindInvalidInput || !strings.Contains(de.Message, name) {
			t.Errorf("%s=%q: %v, want a *domain.Error of KindInvalidInput naming %s", name, value, err, name)
		}
		if err != nil && strings.Contains(err.Error(), envPassword) {
			t.Errorf("%s: the error shows the Redis password: %v", name, err)
		}
	}
}

func TestApplyEnvRateLimit(t *testing.T) {
	limit := func() *ratelimit.Config { return &ratelimit.Config{MaxEmails: 10, Window: time.Minute} }
	tests := []struct {
		name      string
		env       map[string]string
		start     *ratelimit.Config
		startR    *redislimit.Config
		wantLimit *ratelimit.Config
		want      *redislimit.Config // nil: no shared settings
		wantErr   string             // part of the error
	}{
		{name: "nothing set", start: limit(), wantLimit: limit()},
		{name: "no rate limit: redis ignored", env: map[string]string{"SMTP_RATE_LIMIT_REDIS_URL": "redis://h:1/0"}},
		{name: "a limit from the environment", env: map[string]string{"SMTP_RATE_LIMIT_MAX_EMAILS": "5", "SMTP_RATE_LIMIT_WINDOW": "1s"},
			wantLimit: &ratelimit.Config{MaxEmails: 5, Window: time.Second}},
		{name: "half a limit", env: map[string]string{"SMTP_RATE_LIMIT_MAX_EMAILS": "5"}, wantErr: "SMTP_RATE_LIMIT_WINDOW"},
		{name: "the environment changes a limit", start: limit(), env: map[string]string{"SMTP_RATE_LIMIT_MAX_EMAILS": "5"},
			wantLimit: &ratelimit.Config{MaxEmails: 5, Window: time.Minute}},
		{name: "url", start: limit(), env: map[string]string{"SMTP_RATE_LIMIT_REDIS_URL": "redis://h:1/0"},
			wantLimit: limit(), want: &redislimit.Config{URL: "redis://h:1/0"}},
		{name: "env overrides the struct", env: map[string]string{"SMTP_RATE_LIMIT_KEY": "b"},
			start: limit(), startR: &redislimit.Config{URL: "redis://h:1", Key: "a"},
			wantLimit: limit(), want: &redislimit.Config{URL: "redis://h:1", Key: "b"}},
		{name: "key without url", start: limit(), env: map[string]string{"SMTP_RATE_LIMIT_KEY": "k"},
			wantErr: "SMTP_RATE_LIMIT_REDIS_URL is needed with SMTP_RATE_LIMIT_KEY"},
		{name: "bad url", start: limit(), env: map[string]string{"SMTP_RATE_LIMIT_REDIS_URL": "http://u:" + envPassword + "@h"},
			wantErr: "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := bootstrap.Config{RateLimit: tt.start, RateLimitRedis: tt.startR}
			var before ratelimit.Config
			if tt.start != nil {
				before = *tt.start
			}
			var beforeR redislimit.Config
			if tt.startR != nil {
				beforeR = *tt.startR
			}
			err := cfg.ApplyEnv(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, domain.KindInvalidInput) {
					t.Fatalf("ApplyEnv: %v, want an invalid-input error naming %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), envPassword) {
					t.Fatalf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.start != nil && *tt.start != before || tt.startR != nil && *tt.startR != beforeR {
				t.Fatalf("ApplyEnv changed the caller's rate limit in place")
			}
			if !reflect.DeepEqual(cfg.RateLimit, tt.wantLimit) {
				t.Fatalf("RateLimit = %+v, want %+v", cfg.RateLimit, tt.wantLimit)
			}
			if got := cfg.RateLimitRedis; (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Fatalf("RateLimitRedis = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("SMTP_HOST", "smtp.example.com")
	t.Setenv("SMTP_PORT", "2525")
	cfg, err := bootstrap.ConfigFromEnv()
	if err != nil || cfg.Host != "smtp.example.com" || cfg.Port != 2525 {
		t.Fatalf("ConfigFromEnv = %+v, %v", cfg, err)
	}
	t.Setenv("SMTP_PORT", "x")
	if _, err := bootstrap.ConfigFromEnv(); !errors.Is(err, domain.KindInvalidInput) || !strings.Contains(err.Error(), "SMTP_PORT") {
		t.Fatalf("ConfigFromEnv with a bad port: %v", err)
	}
}
