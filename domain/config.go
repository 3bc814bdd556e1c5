package domain

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// TLSMode says how a connection is secured. The zero value, TLSModeDefault,
// means secure by default: implicit TLS on port 465, STARTTLS required
// elsewhere.
type TLSMode uint8

// The TLS modes.
const (
	TLSModeDefault      TLSMode = iota // resolved by Config.EffectiveTLSMode
	TLSNone                            // plaintext; never upgrade (NOT RECOMMENDED)
	TLSStartTLS                        // opportunistic: upgrade when offered, else go on in plaintext
	TLSStartTLSRequired                // upgrade or fail; never fall back to plaintext
	TLSImplicit                        // TLS from the first byte (port 465)
)

// String returns "none", "starttls", "starttls-required", "implicit" or
// "default".
func (m TLSMode) String() string {
	switch m {
	case TLSNone:
		return "none"
	case TLSStartTLS:
		return "starttls"
	case TLSStartTLSRequired:
		return "starttls-required"
	case TLSImplicit:
		return "implicit"
	}
	return "default"
}

// ParseTLSMode parses the names String returns ("" gives the default).
func ParseTLSMode(s string) (TLSMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "default":
		return TLSModeDefault, nil
	case "none", "plain", "plaintext":
		return TLSNone, nil
	case "starttls", "opportunistic":
		return TLSStartTLS, nil
	case "starttls-required", "required":
		return TLSStartTLSRequired, nil
	case "implicit", "tls", "smtps":
		return TLSImplicit, nil
	}
	return TLSModeDefault, NewError(KindInvalidInput, "config", "unknown TLS mode "+quoteForError(s)+" (want none, starttls, starttls-required or implicit)")
}

// TLSVersion is a TLS protocol version.
type TLSVersion uint16

// The TLS versions, with the values crypto/tls uses.
const (
	TLS10 TLSVersion = 0x0301
	TLS11 TLSVersion = 0x0302
	TLS12 TLSVersion = 0x0303
	TLS13 TLSVersion = 0x0304
)

// String returns "1.0" ... "1.3", or "" for the zero version.
func (v TLSVersion) String() string {
	switch v {
	case TLS10:
		return "1.0"
	case TLS11:
		return "1.1"
	case TLS12:
		return "1.2"
	case TLS13:
		return "1.3"
	case 0:
		return ""
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// ParseTLSVersion parses "1.0" to "1.3" (also "TLS1.2", "TLSv1.3", "tls12",
// case-insensitively); "" gives TLS 1.2. Errors are *Error of
// KindInvalidInput.
func ParseTLSVersion(s string) (TLSVersion, error) {
	t := strings.NewReplacer("tls", "", "v", "", " ", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch t {
	case "1.0", "10":
		return TLS10, nil
	case "1.1", "11":
		return TLS11, nil
	case "1.2", "12", "":
		return TLS12, nil
	case "1.3", "13":
		return TLS13, nil
	}
	return 0, NewError(KindInvalidInput, "config", "unknown TLS version "+quoteForError(s))
}

// TLSConfig are the TLS settings. The zero value verifies certificates
// against the system roots with TLS 1.2 at least.
type TLSConfig struct {
	MinVersion         TLSVersion // 0 means TLS 1.2
	InsecureSkipVerify bool       // disable certificate verification (development only)
	AllowInsecureTLS   bool       // explicit switch needed for MinVersion below 1.2
	CAFile             string     // PEM roots to trust instead of the system's
	ClientCertFile     string     // PEM certificate for mutual TLS
	ClientKeyFile      string     // PEM key for mutual TLS
	ServerName         string     // SNI and verification name; the host when empty
	PinnedSPKISHA256   []string   // base64 SHA-256 of the server's SubjectPublicKeyInfo; any match passes
}

// Timeouts bound each stage of a session. Zero fields take the defaults of
// RFC 5321 section 4.5.3.2 (DefaultTimeouts).
type Timeouts struct {
	Connect   time.Duration // TCP connect and TLS handshake
	Greeting  time.Duration // the 220 banner
	Command   time.Duration // EHLO, STARTTLS, AUTH, RSET, NOOP, VRFY, QUIT
	Mail      time.Duration
	Rcpt      time.Duration
	DataInit  time.Duration // the 354 after DATA
	DataBlock time.Duration // each write of the body
	DataTerm  time.Duration // the reply after the final dot
}

// DefaultTimeouts returns the RFC 5321 values (connect 30 s, per the
// specification's connect_timeout).
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Connect:   30 * time.Second,
		Greeting:  5 * time.Minute,
		Command:   5 * time.Minute,
		Mail:      5 * time.Minute,
		Rcpt:      5 * time.Minute,
		DataInit:  2 * time.Minute,
		DataBlock: 3 * time.Minute,
		DataTerm:  10 * time.Minute,
	}
}

// WithDefaults returns t with every zero field set to its default.
func (t Timeouts) WithDefaults() Timeouts {
	d := DefaultTimeouts()
	for _, p := range []struct{ v, def *time.Duration }{
		{&t.Connect, &d.Connect}, {&t.Greeting, &d.Greeting}, {&t.Command, &d.Command}, {&t.Mail, &d.Mail},
		{&t.Rcpt, &d.Rcpt}, {&t.DataInit, &d.DataInit}, {&t.DataBlock, &d.DataBlock}, {&t.DataTerm, &d.DataTerm},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return t
}

// PoolConfig sizes the connection pool (specification sections 10.3 and
// 10.4.2). The zero value of a field takes its default (DefaultConfig).
type PoolConfig struct {
	MaxConnections      int           // open sessions at most (default 5, at most MaxPoolConnections)
	MinIdle             int           // idle sessions kept warm (default 0 for a zero PoolConfig, 1 in DefaultConfig)
	AcquireTimeout      time.Duration // longest wait for a session; then KindAcquireTimeout (default 30 s)
	IdleTimeout         time.Duration // an idle session older than this is closed (default 5 min, at most 30 min)
	MaxLifetime         time.Duration // a session older than this is closed when given back (default 1 h, at most 4 h)
	HealthCheck         bool          // NOOP idle sessions (on acquire after HealthCheckInterval idle, and in the background)
	HealthCheckInterval time.Duration // default 1 min
	// MaxMessagesPerConnection closes a session after that many messages
	// (servers such as Gmail cap it); 0 means no cap.
	MaxMessagesPerConnection int
}

// The limits of the specification's section 10.3.
const (
	MaxPoolConnections   = 20
	MaxPoolIdleTimeout   = 30 * time.Minute
	MaxPoolLifetime      = 4 * time.Hour
	MaxMessageSizeLimit  = 25 << 20
	MaxRecipientsLimit   = 100
	MaxAttachmentsLimit  = 50
	DefaultMessageSize   = 10 << 20
	DefaultMaxRecipients = 50
	DefaultMaxAttachment = 10
)

// Limits are the client-side limits of section 10.3, checked before any
// connection is made (a typed error of KindMessageTooLarge, or
// KindInvalidInput for recipients and attachments). A zero field takes its
// default; none may exceed the specification's maximum.
type Limits struct {
	// MaxMessageSize bounds the content of a message before transfer
	// encoding: texts and attachment octets of an Email, the octets of a
	// raw message given to SendRaw (default 10 MiB, at most 25 MiB; base64
	// adds a third on the wire, which the server's SIZE bounds).
	MaxMessageSize int64
	MaxRecipients  int // To, Cc and Bcc together (default 50, at most 100)
	MaxAttachments int // attachments and inline images together (default 10, at most 50)
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = DefaultMessageSize
	}
	if l.MaxRecipients <= 0 {
		l.MaxRecipients = DefaultMaxRecipients
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = DefaultMaxAttachment
	}
	return l
}

// RetryConditions say which failures are retried (specification section
// 5.1.2). The zero value means DefaultRetryConditions. Delivery status
// unknown, partial deliveries, message and authentication errors are never
// retried, whatever the conditions say.
type RetryConditions struct {
	ConnectionErrors  bool  // refused, reset or lost connections, a 421, an unhealthy pooled session
	Timeouts          bool  // connect, read, write and command timeouts
	TemporaryFailures bool  // any 4xx reply
	ErrorCodes        []int // these reply codes are retried even when TemporaryFailures is false
}

// DefaultRetryConditions returns the specification's defaults: connection
// errors, timeouts and temporary failures, and the codes 421, 450, 451, 452.
func DefaultRetryConditions() RetryConditions {
	return RetryConditions{ConnectionErrors: true, Timeouts: true, TemporaryFailures: true, ErrorCodes: []int{421, 450, 451, 452}}
}

// IsZero reports whether c is the zero value (which means the defaults).
func (c RetryConditions) IsZero() bool {
	return !c.ConnectionErrors && !c.Timeouts && !c.TemporaryFailures && len(c.ErrorCodes) == 0
}

// RetryConfig drives retries of transient failures.
type RetryConfig struct {
	MaxAttempts  int // total attempts, the first included
	InitialDelay time.Duration
	MaxDelay     time.Duration
	Multiplier   float64 // at least 1
	Jitter       bool
	RetryOn      RetryConditions // zero means DefaultRetryConditions
}

// CircuitBreakerConfig drives the circuit breaker.
type CircuitBreakerConfig struct {
	Enabled          bool
	FailureThreshold int
	FailureWindow    time.Duration
	RecoveryTimeout  time.Duration
	SuccessThreshold int
}

// RateLimitBehavior says what happens when the local rate limit is reached.
type RateLimitBehavior uint8

// The behaviours of the specification.
const (
	RateLimitReject RateLimitBehavior = iota
	RateLimitWait
	RateLimitWaitWithTimeout
)

// RateLimitConfig limits sending; a nil *RateLimitConfig means no limit.
type RateLimitConfig struct {
	MaxEmails      int
	Window         time.Duration
	MaxConnections int // per Window; 0 means no limit
	OnLimit        RateLimitBehavior
	WaitTimeout    time.Duration   // for RateLimitWaitWithTimeout
	Redis          *RedisRateLimit // when set, the quotas are shared through Redis with every client of the same key
}

// Config is the whole client configuration. Start from DefaultConfig.
type Config struct {
	Host              string
	Port              int
	TLSMode           TLSMode
	TLS               TLSConfig
	Credentials       Credentials
	AuthMechanism     AuthMechanism // AuthAuto: adapters/auth chooses (OAUTHBEARER, XOAUTH2, CRAM-MD5, PLAIN, LOGIN)
	AllowInsecureAuth bool          // permit AUTH over a connection without TLS
	LocalName         string        // the EHLO name (printable ASCII, at most 255 octets, e.g. "[192.0.2.1]"); when empty, the host name if it is a fully qualified domain name (not "x.localdomain" nor "x.local"), else "localhost"
	Timeouts          Timeouts
	IOTimeout         time.Duration // optional cap for any single reply or write; 0 (the default) leaves the RFC 5321 stage timeouts alone
	EnablePipelining  bool          // use PIPELINING when advertised (default true)
	EnableChunking    bool          // use BDAT when CHUNKING is advertised
	Allow8BitMIME     bool          // send 8-bit bodies when the server has 8BITMIME
	Limits            Limits
	Pool              PoolConfig
	Retry             RetryConfig
	CircuitBreaker    CircuitBreakerConfig
	RateLimit         *RateLimitConfig
	AddressPolicy     AddressPolicy // how logs, span attributes and logged errors show addresses (default local-part)
}

// DefaultConfig returns the specification's defaults (section 5.1.2) with
// one change for safety: the TLS mode is left to TLSModeDefault, which
// means STARTTLS required (implicit TLS on port 465).
func DefaultConfig() Config {
	return Config{
		Port:             587,
		TLSMode:          TLSModeDefault,
		TLS:              TLSConfig{MinVersion: TLS12},
		Timeouts:         DefaultTimeouts(),
		EnablePipelining: true,
		Pool: PoolConfig{
			MaxConnections: 5, MinIdle: 1, AcquireTimeout: 30 * time.Second, IdleTimeout: 5 * time.Minute,
			MaxLifetime: time.Hour, HealthCheck: true, HealthCheckInterval: time.Minute,
		},
		Limits: Limits{MaxMessageSize: DefaultMessageSize, MaxRecipients: DefaultMaxRecipients, MaxAttachments: DefaultMaxAttachment},
		Retry: RetryConfig{MaxAttempts: 3, InitialDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, Multiplier: 2, Jitter: true,
			RetryOn: DefaultRetryConditions()},
		CircuitBreaker: CircuitBreakerConfig{
			Enabled: true, FailureThreshold: 5, FailureWindow: time.Minute, RecoveryTimeout: 30 * time.Second, SuccessThreshold: 3,
		},
	}
}

// EffectiveTLSMode resolves TLSModeDefault: implicit on port 465, STARTTLS
// required elsewhere.
func (c *Config) EffectiveTLSMode() TLSMode {
	if c.TLSMode != TLSModeDefault {
		return c.TLSMode
	}
	if c.Port == 465 {
		return TLSImplicit
	}
	return TLSStartTLSRequired
}

// Address returns "host:port".
func (c *Config) Address() string { return joinHostPort(c.Host, c.Port) }

// ServerName returns the TLS server name: TLS.ServerName or Host.
func (c *Config) ServerName() string {
	if c.TLS.ServerName != "" {
		return c.TLS.ServerName
	}
	return c.Host
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// Validate reports every configuration problem at once (errors.Join of
// *Error of KindInvalidInput, or KindTLSVersion for a TLS version below 1.2
// without AllowInsecureTLS).
func (c *Config) Validate() error { return c.validate(false) }

// ValidateWithProvider validates c as Validate does when a
// ports.CredentialProvider supplies the credentials instead of
// c.Credentials: a pinned AuthMechanism needs no Credentials then, and
// AllowInsecureAuth is still required for a connection without TLS.
func (c *Config) ValidateWithProvider() error { return c.validate(true) }

func (c *Config) validate(provider bool) error {
	var errs []error
	bad := func(msg string) { errs = append(errs, NewError(KindInvalidInput, "config", msg)) }
	if strings.TrimSpace(c.Host) == "" {
		bad("host is required")
	} else if hasControl(c.Host) || strings.ContainsAny(c.Host, " /") {
		bad("host " + quoteForError(c.Host) + " is not a host name or address")
	}
	if c.Port <= 0 || c.Port > 65535 {
		bad("port must be between 1 and 65535")
	}
	if c.TLSMode > TLSImplicit {
		bad("unknown TLS mode")
	}
	if c.AddressPolicy > AddressNone {
		bad("unknown address policy")
	}
	mode := c.EffectiveTLSMode()
	switch {
	case c.Port == 465 && (mode == TLSStartTLS || mode == TLSStartTLSRequired):
		bad("port 465 speaks implicit TLS, not STARTTLS: use TLS mode implicit, or port 587 for STARTTLS")
	case c.Port == 587 && mode == TLSImplicit:
		bad("port 587 expects STARTTLS, not implicit TLS: use TLS mode starttls-required, or port 465 for implicit TLS")
	}
	if v := c.TLS.MinVersion; v != 0 && v < TLS12 && !c.TLS.AllowInsecureTLS {
		errs = append(errs, NewError(KindTLSVersion, "config", "TLS "+v.String()+" is below the 1.2 minimum; set AllowInsecureTLS to permit it"))
	}
	if v := c.TLS.MinVersion; v != 0 && (v < TLS10 || v > TLS13) {
		bad("unknown TLS minimum version")
	}
	if (c.TLS.ClientCertFile == "") != (c.TLS.ClientKeyFile == "") {
		bad("mutual TLS needs both a client certificate and a client key")
	}
	if c.LocalName != "" && !validEHLOName(c.LocalName) {
		bad("local name " + quoteForError(c.LocalName) + " is not a valid EHLO name (printable ASCII without spaces or <>, at most 255 octets)")
	}
	if mode == TLSNone && (!c.Credentials.IsZero() || provider) && !c.AllowInsecureAuth {
		bad("credentials would be sent without TLS: use a TLS mode, or set AllowInsecureAuth to accept the risk")
	}
	if err := c.Credentials.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.AuthMechanism != AuthAuto && !c.Credentials.IsZero() && !c.Credentials.Allows(c.AuthMechanism) {
		bad("auth mechanism " + c.AuthMechanism.String() + " cannot use " + c.Credentials.Type.String() + " credentials")
	}
	if c.AuthMechanism != AuthAuto && c.Credentials.IsZero() && !provider {
		bad("auth mechanism " + c.AuthMechanism.String() + " set without credentials")
	}
	errs = append(errs, c.Pool.validate()...)
	errs = append(errs, c.Limits.validate()...)
	errs = append(errs, c.Retry.validate()...)
	errs = append(errs, c.CircuitBreaker.validate()...)
	if r := c.RateLimit; r != nil {
		errs = append(errs, r.validate()...)
	}
	return errors.Join(errs...)
}

func configError(msg string) error { return NewError(KindInvalidInput, "config", msg) }

func (p PoolConfig) validate() []error {
	var errs []error
	if p.MaxConnections < 0 || p.MinIdle < 0 || p.MaxMessagesPerConnection < 0 {
		errs = append(errs, configError("pool sizes must be non-negative"))
	}
	if p.MaxConnections > MaxPoolConnections {
		errs = append(errs, configError("pool max connections is "+strconv.Itoa(p.MaxConnections)+"; at most "+strconv.Itoa(MaxPoolConnections)+" per host"))
	}
	if n := p.MaxConnections; n > 0 && p.MinIdle > n || n == 0 && p.MinIdle > 5 {
		errs = append(errs, configError("pool min idle must be at most max connections"))
	}
	if p.AcquireTimeout < 0 || p.IdleTimeout < 0 || p.MaxLifetime < 0 || p.HealthCheckInterval < 0 {
		errs = append(errs, configError("pool durations must be non-negative"))
	}
	if p.IdleTimeout > MaxPoolIdleTimeout {
		errs = append(errs, configError("pool idle timeout "+p.IdleTimeout.String()+" is above the 30m maximum"))
	}
	if p.MaxLifetime > MaxPoolLifetime {
		errs = append(errs, configError("pool max lifetime "+p.MaxLifetime.String()+" is above the 4h maximum"))
	}
	return errs
}

func (l Limits) validate() []error {
	var errs []error
	if l.MaxMessageSize < 0 || l.MaxRecipients < 0 || l.MaxAttachments < 0 {
		errs = append(errs, configError("limits must be non-negative"))
	}
	if l.MaxMessageSize > MaxMessageSizeLimit {
		errs = append(errs, configError("message size limit "+strconv.FormatInt(l.MaxMessageSize, 10)+" is above the 25 MiB maximum"))
	}
	if l.MaxRecipients > MaxRecipientsLimit {
		errs = append(errs, configError("recipient limit "+strconv.Itoa(l.MaxRecipients)+" is above the maximum of 100"))
	}
	if l.MaxAttachments > MaxAttachmentsLimit {
		errs = append(errs, configError("attachment limit "+strconv.Itoa(l.MaxAttachments)+" is above the maximum of 50"))
	}
	return errs
}

func (b CircuitBreakerConfig) validate() []error {
	var errs []error
	if b.Enabled && b.FailureThreshold <= 0 {
		errs = append(errs, configError("circuit breaker enabled with a failure threshold below 1"))
	}
	if b.FailureThreshold < 0 || b.SuccessThreshold < 0 || b.FailureWindow < 0 || b.RecoveryTimeout < 0 {
		errs = append(errs, configError("circuit breaker settings must not be negative"))
	}
	return errs
}

func (r RetryConfig) validate() []error {
	var errs []error
	if r.MaxAttempts < 0 {
		errs = append(errs, configError("retry max attempts must be non-negative"))
	}
	if r.InitialDelay < 0 || r.MaxDelay < 0 {
		errs = append(errs, configError("retry delays must be non-negative"))
	}
	if r.InitialDelay > 0 && r.MaxDelay > 0 && r.MaxDelay < r.InitialDelay {
		errs = append(errs, configError("retry max delay "+r.MaxDelay.String()+" is below the initial delay "+r.InitialDelay.String()))
	}
	if r.Multiplier != 0 && r.Multiplier < 1 {
		errs = append(errs, configError("retry multiplier must be at least 1 (0 means 2)"))
	}
	for _, code := range r.RetryOn.ErrorCodes {
		if code < 400 || code > 599 {
			errs = append(errs, configError("retry error code "+strconv.Itoa(code)+" is not a 4xx or 5xx reply code"))
		}
	}
	return errs
}

func (r RateLimitConfig) validate() []error {
	var errs []error
	if r.MaxEmails <= 0 || r.Window <= 0 {
		errs = append(errs, configError("rate limit needs a positive number of emails and a positive window"))
	}
	if r.MaxConnections < 0 {
		errs = append(errs, configError("rate limit connections must be non-negative"))
	}
	if r.OnLimit > RateLimitWaitWithTimeout {
		errs = append(errs, configError("unknown rate limit behaviour"))
	}
	if r.OnLimit == RateLimitWaitWithTimeout && r.WaitTimeout <= 0 {
		errs = append(errs, configError("rate limit behaviour wait-with-timeout needs a positive wait timeout"))
	}
	if r.Redis != nil {
		errs = append(errs, r.Redis.validate()...)
	}
	return errs
}

// validEHLOName reports whether name fits an EHLO command: printable ASCII
// without spaces or angle brackets, at most 255 octets (a domain name or an
// address literal).
func validEHLOName(name string) bool {
	if len(name) > 255 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if b := name[i]; b <= ' ' || b >= 0x7f || b == '<' || b == '>' {
			return false
		}
	}
	return true
}
