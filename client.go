package smtp

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Config is the whole client configuration (bootstrap.Config). Its zero
// value plus Host and Port is the secure default: STARTTLS required
// (implicit TLS on port 465), certificates verified, TLS 1.2 at least,
// pipelining, a pool of 5 sessions, 3 attempts with backoff and a circuit
// breaker. Set Credentials (or CredentialProvider) to authenticate.
type Config = bootstrap.Config

// Credentials authenticate a session (domain.Credentials); the secret is
// redacted in every rendering. Make them with PasswordCredentials or
// XOAuth2Credentials.
type Credentials = domain.Credentials

// TLSMode says how a connection is secured (tcp.TLSMode). The zero
// value means STARTTLS required, or implicit TLS on port 465.
type TLSMode = tcp.TLSMode

// The TLS modes of Config.TLSMode other than the zero value.
const (
	// TLSNone never upgrades: plaintext throughout. For a local test
	// server only.
	TLSNone = tcp.TLSNone
	// TLSStartTLS upgrades when the server offers STARTTLS, else goes on in
	// plaintext (opportunistic).
	TLSStartTLS = tcp.TLSStartTLS
	// TLSStartTLSRequired upgrades or fails; it never falls back to
	// plaintext. It is what the zero TLSMode means on any port but 465.
	TLSStartTLSRequired = tcp.TLSStartTLSRequired
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit = tcp.TLSImplicit
)

// Client sends email (application.Client): Send, SendBatch, SendRaw,
// SendRawReader, TestConnection, PoolStatus, CircuitState and Close. Make
// one with NewClient and share it between goroutines.
type Client = application.Client

// Option adjusts how NewClient wires the client (bootstrap.ClientOption).
// Package bootstrap has every option; the ones most needed are here.
type Option = bootstrap.ClientOption

// ConfigFromEnv returns the Config that the SMTP_* environment variables
// describe (SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD_FILE ...;
// docs/CONFIGURATION.md has the table), the other fields at their
// defaults (bootstrap.ConfigFromEnv). Errors name the variable.
func ConfigFromEnv() (Config, error) { return bootstrap.ConfigFromEnv() }

// PasswordCredentials returns credentials for AUTH PLAIN, LOGIN and
// CRAM-MD5 (domain.PasswordCredentials).
func PasswordCredentials(username, password string) Credentials {
	return domain.PasswordCredentials(username, password)
}

// XOAuth2Credentials returns credentials for XOAUTH2, the OAuth2 mechanism
// of Gmail and Office 365 (domain.XOAuth2Credentials). For tokens that
// expire, set Config.CredentialProvider instead.
func XOAuth2Credentials(username, accessToken string) Credentials {
	return domain.XOAuth2Credentials(username, accessToken)
}

// NewClient validates cfg (every problem at once) and returns a ready
// Client with the full stack: TCP/TLS transport, SASL authentication,
// connection pool, rate limiter, retries, circuit breaker, MIME encoder and
// OpenTelemetry instrumentation. It does not dial. It is
// bootstrap.NewClient; errors are *Error.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	return bootstrap.NewClient(cfg, opts...)
}

// WithLogger logs through l (bootstrap.WithLogger): sends, retries,
// connections, and the protocol transcript at DEBUG. Secrets never reach
// it; addresses follow Config.AddressPolicy.
func WithLogger(l *zap.Logger) Option { return bootstrap.WithLogger(l) }

// WithInterceptors wraps every Send in i, the first outermost
// (bootstrap.WithInterceptors): for headers, auditing, or a veto.
func WithInterceptors(i ...ports.Interceptor) Option { return bootstrap.WithInterceptors(i...) }

// WithRateLimiter replaces the in-memory rate limiter that
// Config.RateLimit makes, for example with one shared through Redis
// (bootstrap.NewRedisRateLimiter); it limits emails and new connections
// (bootstrap.WithRateLimiter).
func WithRateLimiter(l ports.RateLimiter) Option { return bootstrap.WithRateLimiter(l) }

// WithTracerProvider makes the client's spans with tp instead of the
// global OpenTelemetry provider (bootstrap.WithTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option { return bootstrap.WithTracerProvider(tp) }

// WithMeterProvider makes the client's metrics with mp instead of the
// global OpenTelemetry provider (bootstrap.WithMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option { return bootstrap.WithMeterProvider(mp) }
