package bootstrap

import (
	"cmp"
	"io"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/adapters/mime"
	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// ClientOption adjusts how NewClient, NewTransport and NewRedisRateLimiter
// wire the adapters; each refuses an option it would not use.
type ClientOption interface{ apply(*wiring) }

// option is a ClientOption with its name, so that a constructor can
// refuse an option it does not use instead of ignoring it.
type namedOption struct {
	name string
	set  func(*wiring)
}

func option(name string, set func(*wiring)) ClientOption { return namedOption{name, set} }

func (o namedOption) apply(w *wiring) {
	w.given = append(w.given, o.name)
	o.set(w)
}

// refuse returns a KindInvalidInput error naming the first option given to
// op that is not in uses, or nil.
func (w *wiring) refuse(op string, uses ...string) error {
	for _, g := range w.given {
		if !slices.Contains(uses, g) {
			return domain.NewError(domain.KindInvalidInput, op, g+" has no effect here (it is NewClient's); it takes "+strings.Join(uses, ", "))
		}
	}
	return nil
}

type wiring struct {
	transcript   ports.Transcript
	dialer       ports.Dialer
	logger       *zap.Logger
	interceptors []ports.Interceptor
	transport    ports.Transport
	encoder      ports.Encoder
	limiter      ports.RateLimiter
	noPool       bool
	given        []string // the names of the options applied, in order

	telemetry      ports.Telemetry
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
}

// WithTranscript receives every protocol line, secrets redacted.
func WithTranscript(t ports.Transcript) ClientOption {
	return option("WithTranscript", func(w *wiring) { w.transcript = t })
}

// WithDialer replaces the network dialer.
func WithDialer(d ports.Dialer) ClientOption {
	return option("WithDialer", func(w *wiring) { w.dialer = d })
}

// WithLogger logs through l (secrets are never passed to it).
func WithLogger(l *zap.Logger) ClientOption {
	return option("WithLogger", func(w *wiring) { w.logger = l })
}

// WithInterceptors wraps every send; the first is outermost.
func WithInterceptors(i ...ports.Interceptor) ClientOption {
	return option("WithInterceptors", func(w *wiring) { w.interceptors = append(w.interceptors, i...) })
}

// WithTransport replaces the SMTP transport (a custom or fake one).
func WithTransport(t ports.Transport) ClientOption {
	return option("WithTransport", func(w *wiring) { w.transport = t })
}

// WithRateLimiter replaces the in-memory rate limiter that Config.RateLimit
// makes (for example with one whose quota is shared between processes). It
// limits emails and, through the transport, new connections.
func WithRateLimiter(l ports.RateLimiter) ClientOption {
	return option("WithRateLimiter", func(w *wiring) { w.limiter = l })
}

// WithoutPool makes NewClient open a session for every send (and close it
// afterwards) instead of pooling sessions as Config.Pool says.
func WithoutPool() ClientOption { return option("WithoutPool", func(w *wiring) { w.noPool = true }) }

// WithEncoder replaces the MIME encoder.
func WithEncoder(e ports.Encoder) ClientOption {
	return option("WithEncoder", func(w *wiring) { w.encoder = e })
}

// NewEncoder returns the streaming MIME encoder.
func NewEncoder() ports.Encoder { return mime.New() }

// NewTransport returns the TCP/TLS transport for cfg, with the TLS and AUTH
// adapters, after cfg.Validate. It does not dial. It takes WithDialer,
// WithTranscript, WithLogger and the telemetry options, and refuses the
// others (KindInvalidInput), which only NewClient uses. Errors are
// *domain.Error.
func NewTransport(cfg Config, opts ...ClientOption) (ports.Transport, error) {
	var w wiring
	for _, o := range opts {
		o.apply(&w)
	}
	if err := w.refuse("new transport", "WithDialer", "WithTranscript", "WithLogger", "WithTracerProvider", "WithMeterProvider", "WithTelemetry"); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := serverLogger(cfg, w.logger)
	w.transcript = transcriptFor(cfg, &w, log)
	tel, err := telemetryFor(cfg, &w)
	if err != nil {
		return nil, err
	}
	w.telemetry = tel
	return newTransport(cfg, &w)
}

// newTransport composes the transport's configuration from cfg: the TLS
// adapter when a TLS mode is on, and the credentials as a provider
// (auth.StaticCredentials for cfg.Credentials).
func newTransport(cfg Config, w *wiring) (ports.Transport, error) {
	if w.transport != nil {
		return w.transport, nil
	}
	creds := cfg.CredentialProvider
	if creds == nil && !cfg.Credentials.IsZero() {
		creds = auth.StaticCredentials(cfg.Credentials)
	}
	deps := tcp.Deps{Dialer: w.dialer, Auth: auth.New(), Credentials: creds, Transcript: w.transcript, Telemetry: w.telemetry}
	if cfg.EffectiveTLSMode() != tcp.TLSNone {
		up, err := tls.New(cfg.TLS)
		if err != nil {
			return nil, err
		}
		deps.TLS = up
	}
	return tcp.New(cfg.tcpConfig(), deps)
}

// NewClient returns a ready Client for cfg: validated configuration (once,
// cfg.Validate), the
// TCP/TLS transport with the SASL authenticator, a connection pool sized
// by cfg.Pool, the rate limiter of cfg.RateLimit (emails and new
// connections), the client-side limits of cfg.Limits, the MIME encoder,
// and the retry and circuit breaker settings of cfg. It reports spans and
// metrics through OpenTelemetry (the global providers unless
// WithTracerProvider, WithMeterProvider or WithTelemetry say otherwise) and
// logs to WithLogger's logger with the server's fields and cfg's address
// policy; at DEBUG the protocol transcript too. It does not dial. Errors
// are *domain.Error.
func NewClient(cfg Config, opts ...ClientOption) (*application.Client, error) {
	var w wiring
	for _, o := range opts {
		o.apply(&w)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := serverLogger(cfg, w.logger)
	w.transcript = transcriptFor(cfg, &w, log)
	tel, err := telemetryFor(cfg, &w)
	if err != nil {
		return nil, err
	}
	w.telemetry = tel
	t, err := newTransport(cfg, &w)
	if err != nil {
		return nil, err
	}
	limiter, err := rateLimiterFor(cfg, &w)
	if err != nil {
		return nil, err
	}
	if limiter != nil {
		t = ratelimit.LimitConnections(t, limiter)
	}
	enc := w.encoder
	if enc == nil {
		enc = NewEncoder()
	}
	appOpts := []application.Option{
		application.WithRetry(cfg.Retry),
		application.WithCircuitBreaker(cfg.CircuitBreaker),
		application.With8BitMIME(cfg.Allow8BitMIME),
		application.WithLimits(cfg.Limits),
		application.WithInterceptors(w.interceptors...),
		application.WithTelemetry(tel),
		application.WithAddressPolicy(cfg.AddressPolicy),
		application.WithCoalescing(cmp.Or(cfg.Coalesce, application.DefaultCoalesce)),
	}
	if limiter != nil {
		appOpts = append(appOpts, application.WithRateLimiter(limiter))
		if cl, ok := limiter.(io.Closer); ok && w.limiter == nil { // made here: closed with the client
			appOpts = append(appOpts, application.WithCloser(cl))
		}
	}
	plog := policyLogger(log, cfg.AddressPolicy)
	if plog != nil {
		appOpts = append(appOpts, application.WithLogger(plog))
	}
	if !w.noPool {
		var poolOpts []pool.Option
		if plog != nil {
			poolOpts = append(poolOpts, pool.WithLogger(plog))
		}
		appOpts = append(appOpts, application.WithPool(pool.New(t, cfg.Pool, poolOpts...)))
	}
	c, err := application.New(t, enc, appOpts...)
	if err != nil {
		return nil, err
	}
	observeClient(tel, c)
	return c, nil
}
