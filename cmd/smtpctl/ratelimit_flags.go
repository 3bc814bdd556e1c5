package main

import (
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
)

// rateLimitFlags are --rate-limit N/WINDOW and --on-limit reject|wait.
type rateLimitFlags struct {
	spec, onLimit string
}

func (r *rateLimitFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.spec, "rate-limit", "", "send at most `N/WINDOW` emails, e.g. 100/1m, 10/s or 5000/1h (window: a Go duration, or s, m, h for one of them)")
	fs.StringVar(&r.onLimit, "on-limit", "", "`action` for an email over the rate limit: reject (default; it fails with local_rate_limit_exceeded) or wait for a slot")
}

// apply sets cfg.RateLimit from the flags; without --rate-limit it leaves
// cfg alone. Bad values are a usageError (64).
func (r *rateLimitFlags) apply(cfg *domain.Config) error {
	if r.spec == "" {
		if r.onLimit != "" {
			return &usageError{"--on-limit needs --rate-limit"}
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
	cfg.RateLimit = &domain.RateLimitConfig{MaxEmails: n, Window: window, OnLimit: onLimit}
	return nil
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
func parseOnLimit(s string) (domain.RateLimitBehavior, error) {
	switch s {
	case "", "reject":
		return domain.RateLimitReject, nil
	case "wait":
		return domain.RateLimitWait, nil
	}
	return 0, &usageError{"--on-limit must be reject or wait, not " + quote(s)}
}
