package tcp

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
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

// ParseTLSMode parses the names String returns ("" gives the default; also
// "plain", "opportunistic", "required", "tls", "smtps"). Errors are
// *domain.Error of KindInvalidInput.
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
	return TLSModeDefault, configError("unknown TLS mode " + strconv.Quote(s) + " (want none, starttls, starttls-required or implicit)")
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
	for _, p := range t.fields(&d) {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return t
}

// fields pairs each field of t with the same field of d.
func (t *Timeouts) fields(d *Timeouts) []struct{ v, def *time.Duration } {
	return []struct{ v, def *time.Duration }{
		{&t.Connect, &d.Connect}, {&t.Greeting, &d.Greeting}, {&t.Command, &d.Command}, {&t.Mail, &d.Mail},
		{&t.Rcpt, &d.Rcpt}, {&t.DataInit, &d.DataInit}, {&t.DataBlock, &d.DataBlock}, {&t.DataTerm, &d.DataTerm},
	}
}

// Config is what the transport reads. Credentials are not part of it: they
// come through Deps.Credentials (a ports.CredentialProvider), and the TLS
// settings through Deps.TLS. The zero value plus Host and Port is the
// secure default: STARTTLS required (implicit TLS on port 465), the
// RFC 5321 timeouts, pipelining when the server offers it.
type Config struct {
	Host    string
	Port    int
	TLSMode TLSMode
	// LocalName is the EHLO name (printable ASCII, at most 255 octets,
	// e.g. "[192.0.2.1]"); when empty, the host name if it is a fully
	// qualified domain name (not "x.localdomain" nor "x.local"), else
	// "localhost".
	LocalName string
	// AuthMechanism pins the SASL mechanism; AuthAuto takes the
	// authenticator's choice.
	AuthMechanism domain.AuthMechanism
	// AllowInsecureAuth permits AUTH over a connection without TLS.
	AllowInsecureAuth bool
	Timeouts          Timeouts      // zero fields take DefaultTimeouts
	IOTimeout         time.Duration // optional cap for any single reply or write; 0 leaves the stage timeouts alone
	DisablePipelining bool          // do not use PIPELINING even when advertised
	EnableChunking    bool          // use BDAT when CHUNKING is advertised
}

// EffectiveTLSMode resolves TLSModeDefault: implicit on port 465,
// STARTTLS required elsewhere.
func (c Config) EffectiveTLSMode() TLSMode {
	if c.TLSMode != TLSModeDefault {
		return c.TLSMode
	}
	if c.Port == 465 {
		return TLSImplicit
	}
	return TLSStartTLSRequired
}

// Validate reports every problem of c at once (errors.Join of
// *domain.Error of KindInvalidInput): the host, the port, the TLS mode (and
// the crossed pairs 465 + STARTTLS, 587 + implicit TLS), the EHLO name,
// negative timeouts.
func (c Config) Validate() error {
	var errs []error
	bad := func(msg string) { errs = append(errs, configError(msg)) }
	if strings.TrimSpace(c.Host) == "" {
		bad("host is required")
	} else if strings.ContainsFunc(c.Host, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '/' }) {
		bad("host " + strconv.Quote(c.Host) + " is not a host name or address")
	}
	if c.Port <= 0 || c.Port > 65535 {
		bad("port must be between 1 and 65535")
	}
	if c.TLSMode > TLSImplicit {
		bad("unknown TLS mode")
	}
	switch mode := c.EffectiveTLSMode(); {
	case c.Port == 465 && (mode == TLSStartTLS || mode == TLSStartTLSRequired):
		bad("port 465 speaks implicit TLS, not STARTTLS: use TLS mode implicit, or port 587 for STARTTLS")
	case c.Port == 587 && mode == TLSImplicit:
		bad("port 587 expects STARTTLS, not implicit TLS: use TLS mode starttls-required, or port 465 for implicit TLS")
	}
	if c.LocalName != "" && !validEHLOName(c.LocalName) {
		bad("local name " + strconv.Quote(c.LocalName) + " is not a valid EHLO name (printable ASCII without spaces or <>, at most 255 octets)")
	}
	t := c.Timeouts
	for _, p := range t.fields(&Timeouts{}) {
		if *p.v < 0 {
			bad("timeouts must be non-negative")
			break
		}
	}
	if c.IOTimeout < 0 {
		bad("IO timeout must be non-negative")
	}
	return errors.Join(errs...)
}

// address returns "host:port", bracketing an IPv6 host.
func (c Config) address() string {
	host := c.Host
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(c.Port)
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

func configError(msg string) error { return domain.NewError(domain.KindInvalidInput, "config", msg) }
