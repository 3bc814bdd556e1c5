package bootstrap

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// rateLimiterFor returns the limiter NewClient uses: the one given by
// WithRateLimiter, else the Redis limiter of cfg.RateLimitRedis (with the
// in-memory limiter as its fail-open fallback), else the in-memory limiter
// of cfg.RateLimit, else nil.
func rateLimiterFor(cfg Config, w *wiring) (ports.RateLimiter, error) {
	if w.limiter != nil {
		return w.limiter, nil
	}
	if cfg.RateLimit == nil {
		return nil, nil
	}
	if cfg.RateLimitRedis != nil {
		return newRedisRateLimiter(cfg, w.logger, w.telemetry)
	}
	return ratelimit.New(*cfg.RateLimit, ratelimit.WithTelemetry(w.telemetry))
}

// NewRedisRateLimiter returns the rate limiter that NewClient makes for a
// cfg whose RateLimit and RateLimitRedis are set: cfg.RateLimit's limits
// counted in Redis under RateLimitRedis.Key (the account, "user@host:port",
// when empty), with an in-memory limiter of the same limits as the
// fallback of redis.FailOpen. It takes WithLogger (the warnings of an
// unreachable Redis) and the telemetry options (refused permits, counted in
// smtp_rate_limit_exceeded_total), and refuses the others
// (KindInvalidInput). It does not connect. The
// caller closes it; give it to NewClient with WithRateLimiter to share one
// between clients. Errors are *domain.Error of KindInvalidInput.
func NewRedisRateLimiter(cfg Config, opts ...ClientOption) (*redislimit.Limiter, error) {
	var w wiring
	for _, o := range opts {
		o.apply(&w)
	}
	if err := w.refuse("rate limit", "WithLogger", "WithTracerProvider", "WithMeterProvider", "WithTelemetry"); err != nil {
		return nil, err
	}
	if cfg.RateLimit == nil || cfg.RateLimitRedis == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "rate limit", "no shared rate limit (Config.RateLimit or Config.RateLimitRedis is nil)")
	}
	tel, err := telemetryFor(cfg, &w)
	if err != nil {
		return nil, err
	}
	return newRedisRateLimiter(cfg, w.logger, tel)
}

func newRedisRateLimiter(cfg Config, logger *zap.Logger, tel ports.Telemetry) (*redislimit.Limiter, error) {
	limits, shared := *cfg.RateLimit, *cfg.RateLimitRedis
	if shared.Key == "" {
		shared.Key = cfg.accountKey()
	}
	var opts []redislimit.Option
	if l := policyLogger(logger, cfg.AddressPolicy); l != nil {
		opts = append(opts, redislimit.WithLogger(l))
	}
	if tel != nil {
		opts = append(opts, redislimit.WithTelemetry(tel))
	}
	if shared.OnUnavailable == redislimit.FailOpen {
		fallback, err := ratelimit.New(limits)
		if err != nil {
			return nil, err
		}
		opts = append(opts, redislimit.WithFallback(fallback))
	}
	return redislimit.New(limits, shared, opts...)
}

// RedisRateLimiter is an fx option for apps that use Module with a Config
// whose RateLimit and RateLimitRedis are set: it provides the Redis limiter as the
// graph's ports.RateLimiter (which Module's client takes instead of making
// its own) and closes its Redis connections when the app stops. Without
// Redis settings it provides nothing the client would use (a nil limiter).
//
//	fx.New(fx.Supply(cfg), bootstrap.Module, bootstrap.RedisRateLimiter, ...)
var RedisRateLimiter = fx.Provide(provideRedisRateLimiter)

// RedisRateLimiterParams are the inputs of RedisRateLimiter.
type RedisRateLimiterParams struct {
	fx.In
	Config    Config
	Logger    *zap.Logger `optional:"true"`
	Lifecycle fx.Lifecycle
	Observability
}

func provideRedisRateLimiter(p RedisRateLimiterParams) (ports.RateLimiter, error) {
	if p.Config.RateLimit == nil || p.Config.RateLimitRedis == nil {
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
