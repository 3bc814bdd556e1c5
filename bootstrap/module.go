package bootstrap

import (
	"context"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/ports"
)

// Module provides *application.Client (pooling sessions as Config.Pool
// says), ports.Transport and ports.Encoder from a Config that the
// application supplies (fx.Supply(cfg)). An optional ports.RateLimiter in
// the graph replaces the in-memory limiter of Config.RateLimit. It uses the
// application's *zap.Logger when there is one and never provides one. Spans
// and metrics go to the graph's trace.TracerProvider and
// metric.MeterProvider when it has them, else to OpenTelemetry's global
// providers; a ports.Telemetry in the graph replaces OpenTelemetry. OnStart
// does not dial; OnStop closes the client.
//
// To swap an adapter, decorate or replace its port:
//
//	fx.Decorate(func(ports.Transport) ports.Transport { return myTransport })
var Module = fx.Module("smtp",
	fx.Provide(
		provideTransport,
		provideEncoder,
		provideClient,
	),
)

// TransportParams are the inputs of the transport.
type TransportParams struct {
	fx.In
	Config      Config
	Credentials ports.CredentialProvider `optional:"true"` // instead of Config.CredentialProvider
	Transcript  ports.Transcript         `optional:"true"`
	Dialer      ports.Dialer             `optional:"true"`
	Logger      *zap.Logger              `optional:"true"`
	Observability
}

// Observability are the optional tracing and metrics inputs of the module.
type Observability struct {
	fx.In
	TracerProvider trace.TracerProvider `optional:"true"` // instead of otel.GetTracerProvider()
	MeterProvider  metric.MeterProvider `optional:"true"` // instead of otel.GetMeterProvider()
	Telemetry      ports.Telemetry      `optional:"true"` // instead of OpenTelemetry
}

func (o Observability) options() []ClientOption {
	return []ClientOption{WithTracerProvider(o.TracerProvider), WithMeterProvider(o.MeterProvider), WithTelemetry(o.Telemetry)}
}

func provideTransport(p TransportParams) (ports.Transport, error) {
	opts := append(p.options(), WithTranscript(p.Transcript), WithDialer(p.Dialer), WithLogger(p.Logger))
	return NewTransport(withProvider(p.Config, p.Credentials), opts...)
}

func provideEncoder() ports.Encoder { return NewEncoder() }

// ClientParams are the inputs of the client.
type ClientParams struct {
	fx.In
	Config       Config
	Transport    ports.Transport
	Encoder      ports.Encoder
	Logger       *zap.Logger              `optional:"true"`
	Credentials  ports.CredentialProvider `optional:"true"`
	RateLimiter  ports.RateLimiter        `optional:"true"` // replaces the in-memory limiter of Config.RateLimit
	Interceptors []ports.Interceptor      `group:"smtp.interceptors"`
	Lifecycle    fx.Lifecycle
	Observability
}

func provideClient(p ClientParams) (*application.Client, error) {
	opts := append(p.options(), WithTransport(p.Transport), WithEncoder(p.Encoder), WithLogger(p.Logger),
		WithRateLimiter(p.RateLimiter), WithInterceptors(p.Interceptors...))
	c, err := NewClient(withProvider(p.Config, p.Credentials), opts...)
	if err != nil {
		return nil, err
	}
	p.Lifecycle.Append(fx.StopHook(func(ctx context.Context) error { return c.Close(ctx) }))
	return c, nil
}

// withProvider returns cfg with the graph's credential provider, when it
// has one, as its CredentialProvider.
func withProvider(cfg Config, p ports.CredentialProvider) Config {
	if p != nil {
		cfg.CredentialProvider = p
	}
	return cfg
}

// AsInterceptor annotates a constructor so that its ports.Interceptor joins
// the client's interceptors: fx.Provide(bootstrap.AsInterceptor(newAudit)).
func AsInterceptor(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(ports.Interceptor)), fx.ResultTags(`group:"smtp.interceptors"`))
}
