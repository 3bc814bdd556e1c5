package bootstrap

import (
	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// rateLimiterFor returns the limiter NewClient uses: the one given by
// WithRateLimiter, else the in-memory limiter of cfg.RateLimit, else nil.
func rateLimiterFor(cfg domain.Config, w *wiring) (ports.RateLimiter, error) {
	if w.limiter != nil {
		return w.limiter, nil
	}
	if cfg.RateLimit == nil {
		return nil, nil
	}
	return ratelimit.New(*cfg.RateLimit)
}
