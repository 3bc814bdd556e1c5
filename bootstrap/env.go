package bootstrap

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/domain"
)

// envVar is one environment variable ApplyEnv reads: its name and how its
// value (trimmed, not empty) sets the configuration. docs/CONFIGURATION.md
// lists the same names in its table (a test checks it).
type envVar struct {
	name   string
	secret bool // its value never appears in an error
	set    func(c *Config, v string) error
}

// envVars are the variables ApplyEnv reads, in the order it applies them.
// The credentials and the shared rate limit are applied afterwards from
// what these collect (see ApplyEnv).
var envVars = []envVar{
	{name: "SMTP_HOST", set: func(c *Config, v string) error { c.Host = v; return nil }},
	{name: "SMTP_PORT", set: func(c *Config, v string) error { return parseInt(v, &c.Port) }},
	{name: "SMTP_TLS_MODE", set: func(c *Config, v string) (err error) { c.TLSMode, err = tcp.ParseTLSMode(v); return }},
	{name: "SMTP_TLS_CA_FILE", set: func(c *Config, v string) error { c.TLS.CAFile = v; return nil }},
	{name: "SMTP_TLS_SERVER_NAME", set: func(c *Config, v string) error { c.TLS.ServerName = v; return nil }},
	{name: "SMTP_TLS_MIN_VERSION", set: func(c *Config, v string) (err error) { c.TLS.MinVersion, err = tls.ParseVersion(v); return }},
	{name: "SMTP_TLS_INSECURE_SKIP_VERIFY", set: func(c *Config, v string) error { return parseBool(v, &c.TLS.InsecureSkipVerify) }},
	{name: "SMTP_USERNAME"},
	{name: "SMTP_PASSWORD", secret: true},
	{name: "SMTP_PASSWORD_FILE"},
	{name: "SMTP_TOKEN_FILE"},
	{name: "SMTP_AUTH_MECHANISM", set: func(c *Config, v string) error {
		m, ok := domain.ParseAuthMechanism(v)
		if !ok {
			return errorf("is not a SASL mechanism (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER or auto)")
		}
		c.AuthMechanism = m
		return nil
	}},
	{name: "SMTP_ALLOW_INSECURE_AUTH", set: func(c *Config, v string) error { return parseBool(v, &c.AllowInsecureAuth) }},
	{name: "SMTP_LOCAL_NAME", set: func(c *Config, v string) error { c.LocalName = v; return nil }},
	{name: "SMTP_DISABLE_PIPELINING", set: func(c *Config, v string) error { return parseBool(v, &c.DisablePipelining) }},
	{name: "SMTP_POOL_MAX_CONNECTIONS", set: func(c *Config, v string) error { return parseInt(v, &c.Pool.MaxConnections) }},
	{name: "SMTP_POOL_MIN_IDLE", set: func(c *Config, v string) error { return parseInt(v, &c.Pool.MinIdle) }},
	{name: "SMTP_POOL_ACQUIRE_TIMEOUT", set: func(c *Config, v string) error { return parseDuration(v, &c.Pool.AcquireTimeout) }},
	{name: "SMTP_POOL_IDLE_TIMEOUT", set: func(c *Config, v string) error { return parseDuration(v, &c.Pool.IdleTimeout) }},
	{name: "SMTP_RETRY_MAX_ATTEMPTS", set: func(c *Config, v string) error { return parseInt(v, &c.Retry.MaxAttempts) }},
	{name: "SMTP_RETRY_INITIAL_DELAY", set: func(c *Config, v string) error { return parseDuration(v, &c.Retry.InitialDelay) }},
	{name: "SMTP_RETRY_MAX_DELAY", set: func(c *Config, v string) error { return parseDuration(v, &c.Retry.MaxDelay) }},
	{name: "SMTP_CIRCUIT_BREAKER_DISABLED", set: func(c *Config, v string) error { return parseBool(v, &c.CircuitBreaker.Disabled) }},
	{name: "SMTP_RATE_LIMIT_MAX_EMAILS", set: func(c *Config, v string) error { return parseInt(v, &rateLimit(c).MaxEmails) }},
	{name: "SMTP_RATE_LIMIT_WINDOW", set: func(c *Config, v string) error { return parseDuration(v, &rateLimit(c).Window) }},
	{name: "SMTP_RATE_LIMIT_REDIS_URL", secret: true, set: func(c *Config, v string) error {
		redis(c).URL = redislimit.URL(v)
		return nil
	}},
	{name: "SMTP_RATE_LIMIT_KEY", set: func(c *Config, v string) error { redis(c).Key = v; return nil }},
	{name: "SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE", set: func(c *Config, v string) (err error) {
		redis(c).OnUnavailable, err = redislimit.ParseFailurePolicy(v)
		return err
	}},
	{name: "SMTP_RATE_LIMIT_REDIS_TIMEOUT", set: func(c *Config, v string) error { return parseDuration(v, &redis(c).Timeout) }},
}

// ConfigFromEnv returns the Config that the environment describes: a zero
// Config with ApplyEnv(os.LookupEnv) applied.
func ConfigFromEnv() (Config, error) {
	var c Config
	err := c.ApplyEnv(os.LookupEnv)
	return c, err
}

// ApplyEnv sets the fields of c that the environment variables of
// docs/CONFIGURATION.md name (SMTP_HOST, SMTP_PORT, SMTP_TLS_MODE,
// SMTP_USERNAME, SMTP_PASSWORD or SMTP_PASSWORD_FILE ...), reading them
// with lookup (os.LookupEnv, or a test's map). A variable that is set and
// not empty overrides its field; the others leave c alone. A secret read
// from a file loses one trailing line end.
//
// SMTP_PASSWORD, SMTP_PASSWORD_FILE (a password) and SMTP_TOKEN_FILE (an
// OAuth2 access token, for XOAUTH2 or, with SMTP_AUTH_MECHANISM
// OAUTHBEARER, OAUTHBEARER) exclude each other and set c.Credentials, with
// SMTP_USERNAME or the username c has. SMTP_RATE_LIMIT_MAX_EMAILS and
// SMTP_RATE_LIMIT_WINDOW make or change c.RateLimit; the
// SMTP_RATE_LIMIT_REDIS_* variables and SMTP_RATE_LIMIT_KEY share it
// through Redis and change nothing without a rate limit. c.RateLimit and
// c.RateLimitRedis are copied, never changed in place.
//
// Errors are *domain.Error of KindInvalidInput that name the variable (and
// never show a password or a Redis URL); on an error c is unchanged.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	n := *c
	if n.RateLimit != nil {
		rl := *n.RateLimit
		n.RateLimit = &rl
	}
	hadLimit := n.RateLimit != nil
	if n.RateLimitRedis != nil {
		r := *n.RateLimitRedis
		n.RateLimitRedis = &r
	}
	for _, e := range envVars {
		v := get(e.name)
		if v == "" || e.set == nil {
			continue
		}
		if err := e.set(&n, v); err != nil {
			return envError(e, v, err)
		}
	}
	if err := applyEnvCredentials(&n, get); err != nil {
		return err
	}
	if !hadLimit && n.RateLimit != nil && (n.RateLimit.MaxEmails == 0 || n.RateLimit.Window == 0) {
		return domain.NewError(domain.KindInvalidInput, "environment",
			"SMTP_RATE_LIMIT_MAX_EMAILS and SMTP_RATE_LIMIT_WINDOW make a rate limit together: set both")
	}
	shared := setNames(get, "SMTP_RATE_LIMIT_REDIS_URL", "SMTP_RATE_LIMIT_KEY", "SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE", "SMTP_RATE_LIMIT_REDIS_TIMEOUT")
	switch {
	case n.RateLimit == nil:
		n.RateLimitRedis = c.RateLimitRedis // no limit: nothing to share
	case len(shared) > 0 && n.RateLimitRedis.URL == "":
		return domain.NewError(domain.KindInvalidInput, "environment", "SMTP_RATE_LIMIT_REDIS_URL is needed with "+strings.Join(shared, ", "))
	case len(shared) > 0:
		if err := n.RateLimitRedis.Validate(); err != nil {
			return domain.NewError(domain.KindInvalidInput, "environment", "the shared rate limit from the environment: "+err.Error())
		}
	}
	*c = n
	return nil
}

// applyEnvCredentials sets c.Credentials from SMTP_USERNAME and one of
// SMTP_PASSWORD, SMTP_PASSWORD_FILE, SMTP_TOKEN_FILE.
func applyEnvCredentials(c *Config, get func(string) string) error {
	user := get("SMTP_USERNAME")
	var sources []string
	for _, name := range []string{"SMTP_PASSWORD", "SMTP_PASSWORD_FILE", "SMTP_TOKEN_FILE"} {
		if get(name) != "" {
			sources = append(sources, name)
		}
	}
	if len(sources) > 1 {
		return domain.NewError(domain.KindInvalidInput, "environment", strings.Join(sources, " and ")+" exclude each other: set one")
	}
	if user == "" {
		user = c.Credentials.Username
	}
	if len(sources) == 0 {
		if user != c.Credentials.Username {
			if c.Credentials.IsZero() {
				return domain.NewError(domain.KindInvalidInput, "environment", "SMTP_USERNAME needs SMTP_PASSWORD, SMTP_PASSWORD_FILE or SMTP_TOKEN_FILE")
			}
			c.Credentials.Username = user
		}
		return nil
	}
	name := sources[0]
	secret := get(name)
	if name != "SMTP_PASSWORD" {
		b, err := os.ReadFile(secret)
		if err != nil {
			return &domain.Error{Kind: domain.KindInvalidInput, Op: "environment", Message: name + ": read " + strconv.Quote(secret), Err: err}
		}
		secret = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	if user == "" {
		return domain.NewError(domain.KindInvalidInput, "environment", name+" needs SMTP_USERNAME")
	}
	switch {
	case name != "SMTP_TOKEN_FILE":
		c.Credentials = domain.PasswordCredentials(user, secret)
	case c.AuthMechanism == domain.AuthOAuthBearer:
		c.Credentials = domain.OAuthBearerCredentials(user, secret)
	default:
		c.Credentials = domain.XOAuth2Credentials(user, secret)
	}
	return nil
}

// rateLimit returns c.RateLimit, made when nil.
func rateLimit(c *Config) *ratelimit.Config {
	if c.RateLimit == nil {
		c.RateLimit = &ratelimit.Config{}
	}
	return c.RateLimit
}

// redis returns c.RateLimitRedis, made when nil.
func redis(c *Config) *redislimit.Config {
	if c.RateLimitRedis == nil {
		c.RateLimitRedis = &redislimit.Config{}
	}
	return c.RateLimitRedis
}

func parseInt(v string, to *int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errorf("is not a whole number")
	}
	*to = n
	return nil
}

func parseBool(v string, to *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return errorf("is not a boolean (true or false)")
	}
	*to = b
	return nil
}

func parseDuration(v string, to *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return errorf("is not a duration such as 30s or 250ms")
	}
	*to = d
	return nil
}

// envProblem is what is wrong with a variable's value.
type envProblem string

func (p envProblem) Error() string { return string(p) }

func errorf(msg string) error { return envProblem(msg) }

// envError is the error of variable e with value v: a *domain.Error of
// KindInvalidInput whose message starts with the variable's name and
// quotes the value unless it is a secret.
func envError(e envVar, v string, err error) error {
	msg := err.Error()
	if de := domain.AsError(err); de != nil {
		msg = de.Message
	}
	if p, ok := err.(envProblem); ok {
		msg = string(p)
		if !e.secret {
			msg = strconv.Quote(v) + " " + msg
		}
	}
	if e.secret {
		return domain.NewError(domain.KindInvalidInput, "environment", e.name+": invalid value")
	}
	return domain.NewError(domain.KindInvalidInput, "environment", e.name+": "+msg)
}

// setNames returns those of names that are set and not empty.
func setNames(get func(string) string, names ...string) []string {
	var out []string
	for _, n := range names {
		if get(n) != "" {
			out = append(out, n)
		}
	}
	return out
}
