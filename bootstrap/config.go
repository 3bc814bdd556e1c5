package bootstrap

import (
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/adapters/ratelimit"
	redislimit "github.com/integrations/smtp/adapters/ratelimit/redis"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Config is the whole client configuration, the one a user writes (also
// smtp.Config). NewClient composes the configuration of each layer from it
// and validates it once.
//
// Its zero value plus Host and Port is the secure default: STARTTLS
// required (implicit TLS on port 465), certificates verified, TLS 1.2 at
// least, pipelining on, the RFC 5321 timeouts, a pool of 5 sessions,
// 3 attempts with backoff and a circuit breaker, at the specification's
// defaults. A zero field means its default; every feature that is on by
// default has its off switch (DisablePipelining, Retry.MaxAttempts 1,
// CircuitBreaker.Disabled, a negative Pool.MinIdle ...). ApplyEnv and
// ConfigFromEnv read it from SMTP_* environment variables.
type Config struct {
	Host    string
	Port    int
	TLSMode tcp.TLSMode // the zero value: STARTTLS required, implicit TLS on port 465
	TLS     tls.Config  // certificate checks, CA file, client certificate, pins

	// Credentials authenticate the session; the zero value sends no AUTH.
	Credentials domain.Credentials
	// CredentialProvider supplies the credentials instead of Credentials,
	// e.g. OAuth2 tokens that must be refreshed (auth.NewTokenProvider).
	CredentialProvider ports.CredentialProvider
	// AuthMechanism pins the SASL mechanism; AuthAuto (the zero value)
	// takes the strongest one the server offers and the credentials allow.
	AuthMechanism domain.AuthMechanism
	// AllowInsecureAuth permits AUTH over a connection without TLS.
	AllowInsecureAuth bool
	// LocalName is the EHLO name (printable ASCII, at most 255 octets,
	// e.g. "[192.0.2.1]"); when empty, the host name if it is a fully
	// qualified domain name, else "localhost".
	LocalName string

	Timeouts          tcp.Timeouts  // per protocol stage; zero fields take the RFC 5321 values
	IOTimeout         time.Duration // optional cap for any single reply or write; 0 leaves the stage timeouts alone
	DisablePipelining bool          // do not use PIPELINING even when advertised
	EnableChunking    bool          // use BDAT when CHUNKING is advertised
	Allow8BitMIME     bool          // send 8-bit bodies when the server has 8BITMIME

	Limits application.Limits // client-side limits of size, recipients, attachments
	Pool   pool.Config        // the session pool
	// Coalesce bounds how many concurrent Send calls that wait for a busy
	// pool go together, pipelined, on the next free session; 0 means
	// application.DefaultCoalesce (64) and 1 sends each message alone.
	Coalesce       int
	Retry          application.RetryPolicy   // retries of transient failures
	CircuitBreaker application.BreakerConfig // the circuit breaker (Disabled turns it off)
	// RateLimit limits emails (and new connections) of this client; nil
	// means no limit.
	RateLimit *ratelimit.Config
	// RateLimitRedis shares RateLimit through Redis with every client of
	// the same Key (it needs RateLimit).
	RateLimitRedis *redislimit.Config
	// AddressPolicy says how logs, span attributes and logged errors show
	// addresses (default: the local part, the domain masked).
	AddressPolicy domain.AddressPolicy
}

// Validate reports every problem of c at once: errors.Join of
// *domain.Error of KindInvalidInput (KindTLSVersion for a TLS version
// below 1.2 without TLS.AllowInsecureTLS). It calls the Validate of each
// layer's configuration (TLS, pool, limits, retry, breaker, rate limit)
// and checks what spans layers: credentials against the TLS mode and the
// pinned mechanism. NewClient calls it; nothing else does.
func (c *Config) Validate() error {
	var errs []error
	bad := func(msg string) { errs = append(errs, configError(msg)) }
	errs = append(errs, c.tcpConfig().Validate())
	if c.AddressPolicy > domain.AddressNone {
		bad("unknown address policy")
	}
	errs = append(errs, c.TLS.Validate())
	mode := c.EffectiveTLSMode()
	provider := c.CredentialProvider != nil
	if mode == tcp.TLSNone && (!c.Credentials.IsZero() || provider) && !c.AllowInsecureAuth {
		bad("credentials would be sent without TLS: use a TLS mode, or set AllowInsecureAuth to accept the risk")
	}
	errs = append(errs, c.Credentials.Validate())
	if c.AuthMechanism != domain.AuthAuto && !c.Credentials.IsZero() && !c.Credentials.Allows(c.AuthMechanism) {
		bad("auth mechanism " + c.AuthMechanism.String() + " cannot use " + c.Credentials.Type.String() + " credentials")
	}
	if c.AuthMechanism != domain.AuthAuto && c.Credentials.IsZero() && !provider {
		bad("auth mechanism " + c.AuthMechanism.String() + " set without credentials (or a CredentialProvider)")
	}
	errs = append(errs, c.Pool.Validate(), c.Limits.Validate(), c.Retry.Validate(), c.CircuitBreaker.Validate())
	if c.Coalesce < 0 {
		bad("Coalesce must not be negative (1 sends each message alone)")
	}
	if c.RateLimit != nil {
		errs = append(errs, c.RateLimit.Validate())
	}
	if c.RateLimitRedis != nil {
		if c.RateLimit == nil {
			bad("RateLimitRedis shares a rate limit: set RateLimit too")
		}
		errs = append(errs, c.RateLimitRedis.Validate())
	}
	return errors.Join(errs...)
}

// EffectiveTLSMode resolves the zero TLSMode: implicit on port 465,
// STARTTLS required elsewhere (tcp.Config.EffectiveTLSMode).
func (c *Config) EffectiveTLSMode() tcp.TLSMode { return c.tcpConfig().EffectiveTLSMode() }

// tcpConfig is the transport's part of c. The credentials reach the
// transport as a ports.CredentialProvider (newTransport), the TLS settings
// as the TLS adapter.
func (c *Config) tcpConfig() tcp.Config {
	return tcp.Config{
		Host: c.Host, Port: c.Port, TLSMode: c.TLSMode, LocalName: c.LocalName,
		AuthMechanism: c.AuthMechanism, AllowInsecureAuth: c.AllowInsecureAuth,
		Timeouts: c.Timeouts, IOTimeout: c.IOTimeout, DisablePipelining: c.DisablePipelining, EnableChunking: c.EnableChunking,
	}
}

// accountKey names the quota of c's account: "user@host:port", or
// "host:port" without credentials.
func (c *Config) accountKey() string {
	hp := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	if u := c.Credentials.Username; u != "" {
		return u + "@" + hp
	}
	return hp
}

func configError(msg string) error { return domain.NewError(domain.KindInvalidInput, "config", msg) }
