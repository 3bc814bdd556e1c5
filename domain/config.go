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

// Config is the transport's configuration (being moved to adapters/tcp).
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
}

// DefaultConfig returns the transport's defaults: port 587, STARTTLS
// required, TLS 1.2, RFC 5321 timeouts, pipelining.
func DefaultConfig() Config {
	return Config{Port: 587, TLS: TLSConfig{MinVersion: TLS12}, Timeouts: DefaultTimeouts(), EnablePipelining: true}
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
	return errors.Join(errs...)
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
