package main

import (
	"flag"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// rateLimitFlags are --rate-limit N/WINDOW and --on-limit reject|wait, and
// the quota shared through Redis: --rate-limit-redis URL, --rate-limit-key
// NAME and --rate-limit-on-unavailable fail-closed|fail-open.
type rateLimitFlags struct {
	spec, onLimit                string
	redisURL, key, onUnavailable string
	lookupEnv                    func(string) (string, bool) // os.LookupEnv when nil
}

func (r *rateLimitFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.spec, "rate-limit", "", "send at most `N/WINDOW` emails, e.g. 100/1m, 10/s or 5000/1h (window: a Go duration, or s, m, h for one of them)")
	fs.StringVar(&r.onLimit, "on-limit", "", "`action` for an email over the rate limit: reject (default; it fails with local_rate_limit_exceeded) or wait for a slot")
	fs.StringVar(&r.redisURL, "rate-limit-redis", "", "share the rate limit with every process using this Redis `URL` (redis://host:port/db; one with a password goes in $SMTP_RATE_LIMIT_REDIS_URL only)")
	fs.StringVar(&r.key, "rate-limit-key", "", "`name` of the shared quota: processes with the same name share it (default $SMTP_RATE_LIMIT_KEY, else user@host:port)")
	fs.StringVar(&r.onUnavailable, "rate-limit-on-unavailable", "", "`policy` when Redis does not answer: fail-closed (default; the email is refused) or fail-open (this process's own limit decides)")
}

// apply sets cfg.RateLimit from the flags, then its shared quota from the
// environment (the SMTP_RATE_LIMIT_REDIS_* variables and
// SMTP_RATE_LIMIT_KEY, through Config.ApplyEnv) and the Redis flags, which override the
// environment; without --rate-limit it leaves cfg alone. Bad values are a
// usageError (64) that never shows the URL's password.
func (r *rateLimitFlags) apply(cfg *bootstrap.Config) error {
	if r.spec == "" {
		switch {
		case r.onLimit != "":
			return &usageError{"--on-limit needs --rate-limit"}
		case r.redisURL != "":
			return &usageError{"--rate-limit-redis needs --rate-limit"}
		case r.key != "":
			return &usageError{"--rate-limit-key needs --rate-limit"}
		case r.onUnavailable != "":
			return &usageError{"--rate-limit-on-unavailable needs --rate-limit"}
		}
		return nil
	}
	n, window, err := parseRateLimit(r.spec)
	if err != nil {
		return err
	}
	onLimit, err := parseOnLimit(r.onLimit)
	if err != nil {
		return err
	}
	rl := &ratelimit.Config{MaxEmails: n, Window: window, OnLimit: onLimit}
	c := *cfg
	c.RateLimit = rl
	if err := r.applyShared(&c); err != nil {
		return err
	}
	cfg.RateLimit, cfg.RateLimitRedis = c.RateLimit, c.RateLimitRedis
	return nil
}

// sharedEnv are the variables of Config.ApplyEnv that smtpctl reads; the
// others (SMTP_HOST ...) are flags here.
var sharedEnv = []string{"SMTP_RATE_LIMIT_REDIS_URL", "SMTP_RATE_LIMIT_KEY", "SMTP_RATE_LIMIT_REDIS_ON_UNAVAILABLE", "SMTP_RATE_LIMIT_REDIS_TIMEOUT"}

// applyShared sets cfg.RateLimitRedis from the environment, then from the
// flags.
func (r *rateLimitFlags) applyShared(cfg *bootstrap.Config) error {
	lookup := r.lookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	only := func(name string) (string, bool) {
		if !slices.Contains(sharedEnv, name) {
			return "", false
		}
		return lookup(name)
	}
	if err := cfg.ApplyEnv(only); err != nil {
		return &usageError{domain.AsError(err).Message}
	}
	if r.redisURL == "" && r.key == "" && r.onUnavailable == "" {
		return nil
	}
	var shared redislimit.Config
	if cfg.RateLimitRedis != nil {
		shared = *cfg.RateLimitRedis
	}
	if r.redisURL != "" {
		if u, err := url.Parse(r.redisURL); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				return &usageError{"--rate-limit-redis: a password does not go on the command line; put the URL in $SMTP_RATE_LIMIT_REDIS_URL"}
			}
		}
		shared.URL = redislimit.URL(r.redisURL)
	}
	if shared.URL == "" {
		return &usageError{"--rate-limit-key and --rate-limit-on-unavailable need --rate-limit-redis (or $SMTP_RATE_LIMIT_REDIS_URL)"}
	}
	if r.key != "" {
		shared.Key = r.key
	}
	if r.onUnavailable != "" {
		p, err := redislimit.ParseFailurePolicy(r.onUnavailable)
		if err != nil {
			return &usageError{"--rate-limit-on-unavailable must be fail-closed or fail-open, not " + quote(r.onUnavailable)}
		}
		shared.OnUnavailable = p
	}
	if err := shared.Validate(); err != nil {
		return &usageError{"--rate-limit-redis " + shared.URL.String() + ": " + redisProblems(err)}
	}
	cfg.RateLimitRedis = &shared
	return nil
}

// redisProblems returns the messages of the joined configuration errors.
func redisProblems(err error) string {
	var msgs []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			msgs = append(msgs, domain.AsError(e).Message)
		}
	}
	if len(msgs) == 0 {
		return err.Error()
	}
	return strings.Join(msgs, "; ")
}

// parseRateLimit parses "N/WINDOW": N a positive integer, WINDOW a positive
// Go duration ("1m", "90s") or a bare unit ("s", "m", "h") meaning one of it.
// Errors are a usageError.
func parseRateLimit(s string) (n int, window time.Duration, err error) {
	bad := func(why string) (int, time.Duration, error) {
		return 0, 0, &usageError{"--rate-limit " + quote(s) + ": " + why}
	}
	count, win, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return bad("want N/WINDOW, such as 100/1m")
	}
	n, err = strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n <= 0 {
		return bad("N must be a positive whole number")
	}
	win = strings.TrimSpace(win)
	switch win {
	case "s":
		window = time.Second
	case "m":
		window = time.Minute
	case "h":
		window = time.Hour
	default:
		window, err = time.ParseDuration(win)
		if err != nil {
			return bad("WINDOW must be a duration such as 1s, 1m, 1h or 90s")
		}
	}
	if window <= 0 {
		return bad("WINDOW must be positive")
	}
	return n, window, nil
}

// parseOnLimit maps --on-limit to a behaviour; "" is reject.
func parseOnLimit(s string) (ratelimit.Behavior, error) {
	switch s {
	case "", "reject":
		return ratelimit.Reject, nil
	case "wait":
		return ratelimit.Wait, nil
	}
	return 0, &usageError{"--on-limit must be reject or wait, not " + quote(s)}
}
