package bootstrap

import (
	"context"
	"net"
	"strconv"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// rateLimiterFor returns the limiter NewClient uses: the one given by
// WithRateLimiter, else the Redis limiter of cfg.RateLimit.Redis (with the
// in-memory limiter as its fail-open fallback), else the in-memory limiter
// of cfg.RateLimit, else nil.
func rateLimiterFor(cfg domain.Config, w *wiring) (ports.RateLimiter, error) {
	if w.limiter != nil {
		return w.limiter, nil
	}
	if cfg.RateLimit == nil {
		return nil, nil
	}
	if cfg.RateLimit.Redis != nil {
		return newRedisRateLimiter(cfg, w.logger, w.telemetry)
	}
	return ratelimit.New(*cfg.RateLimit, ratelimit.WithTelemetry(w.telemetry))
}

// NewRedisRateLimiter returns the rate limiter that NewClient makes for a
// cfg whose RateLimit.Redis is set: cfg.RateLimit's limits counted in Redis
// under RateLimit.Redis.Key (the account, "user@host:port", when empty),
// with an in-memory limiter of the same limits as the fallback of
// RedisFailOpen. Of the options it uses WithLogger (the warnings of an
// unreachable Redis) and WithTelemetry (refused permits, counted in
// smtp_rate_limit_exceeded_total). It does not connect. The caller closes it; give it to
// NewClient with WithRateLimiter to share one between clients. Errors are
// *domain.Error of KindInvalidInput.
func NewRedisRateLimiter(cfg domain.Config, opts ...ClientOption) (*redislimit.Limiter, error) {
	var w wiring
	for _, o := range opts {
		o.apply(&w)
	}
	if cfg.RateLimit == nil || cfg.RateLimit.Redis == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "rate limit", "no Redis settings (Config.RateLimit.Redis is nil)")
	}
	return newRedisRateLimiter(cfg, w.logger, w.telemetry)
}

func newRedisRateLimiter(cfg domain.Config, logger *zap.Logger, tel ports.Telemetry) (*redislimit.Limiter, error) {
	rl := *cfg.RateLimit
	shared := *rl.Redis
	if shared.Key == "" {
		shared.Key = accountKey(cfg)
	}
	rl.Redis = &shared
	var opts []redislimit.Option
	if l := policyLogger(logger, cfg.AddressPolicy); l != nil {
		opts = append(opts, redislimit.WithLogger(l))
	}
	if tel != nil {
		opts = append(opts, redislimit.WithTelemetry(tel))
	}
	if shared.OnUnavailable == domain.RedisFailOpen {
		local := rl
		local.Redis = nil
		fallback, err := ratelimit.New(local)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redislimit.WithFallback(fallback))
	}
	return redislimit.New(rl, opts...)
}

// accountKey names the quota of cfg's account: "user@host:port", or
// "host:port" without credentials.
func accountKey(cfg domain.Config) string {
	hp := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	if u := cfg.Credentials.Username; u != "" {
		return u + "@" + hp
	}
	return hp
}

// RedisRateLimiter is an fx option for apps that use Module with a Config
// whose RateLimit.Redis is set: it provides the Redis limiter as the
// graph's ports.RateLimiter (which Module's client takes instead of making
// its own) and closes its Redis connections when the app stops. Without
// Redis settings it provides nothing the client would use (a nil limiter).
//
//	fx.New(fx.Supply(cfg), bootstrap.Module, bootstrap.RedisRateLimiter, ...)
var RedisRateLimiter = fx.Provide(provideRedisRateLimiter)

// RedisRateLimiterParams are the inputs of RedisRateLimiter.
type RedisRateLimiterParams struct {
	fx.In
	Config    domain.Config
	Logger    *zap.Logger `optional:"true"`
	Lifecycle fx.Lifecycle
	Observability
}

func provideRedisRateLimiter(p RedisRateLimiterParams) (ports.RateLimiter, error) {
	if p.Config.RateLimit == nil || p.Config.RateLimit.Redis == nil {
		return nil, nil
	}
	w := wiring{tracerProvider: p.TracerProvider, meterProvider: p.MeterProvider, telemetry: p.Telemetry}
	tel, err := telemetryFor(p.Config, &w)
	if err != nil {
		return nil, err
	}
	l, err := newRedisRateLimiter(p.Config, p.Logger, tel)
	if err != nil {
		return nil, err
	}
	p.Lifecycle.Append(fx.StopHook(func(context.Context) error { return l.Close() }))
	return l, nil
}
