package smtptest

import (
	"crypto/tls"
	"strings"
)

// Option configures a Server. Options are fixed when the server starts;
// faults (FailAt, RejectRecipient, Delay, ...) can change while it runs.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// Extension is an EHLO keyword such as "PIPELINING". The constants are the
// ones go-smtp knows; any other keyword passed to WithExtensions is
// advertised verbatim (e.g. "LIMITS RCPTMAX=10") but has no behaviour.
type Extension string

// The extensions a Server can advertise or hide. By default it advertises
// PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING, SIZE and SMTPUTF8,
// plus STARTTLS with WithSTARTTLS and AUTH with WithAuth or WithTokenAuth.
const (
	ExtPipelining          Extension = "PIPELINING"
	Ext8BitMIME            Extension = "8BITMIME"
	ExtEnhancedStatusCodes Extension = "ENHANCEDSTATUSCODES"
	ExtChunking            Extension = "CHUNKING"
	ExtSize                Extension = "SIZE"
	ExtSMTPUTF8            Extension = "SMTPUTF8"
	ExtStartTLS            Extension = "STARTTLS"
	ExtAuth                Extension = "AUTH"
	ExtBinaryMIME          Extension = "BINARYMIME"
	ExtDSN                 Extension = "DSN"
)

// keyword returns the upper-cased first word of e, the form EHLO compares.
func (e Extension) keyword() string {
	f := strings.Fields(string(e))
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(f[0])
}

// The SASL mechanism names a Server can offer.
const (
	MechPlain       = "PLAIN"
	MechLogin       = "LOGIN"
	MechCRAMMD5     = "CRAM-MD5"
	MechXOAuth2     = "XOAUTH2"
	MechOAuthBearer = "OAUTHBEARER"
)

type options struct {
	domain            string
	passwords         map[string]string
	tokens            map[string]string
	mechs             []string // nil: every mechanism the credentials allow
	ext               map[string]bool
	extra             []Extension // keywords go-smtp does not emit, in order
	implicitTLS       bool
	requireTLS        bool
	allowInsecureAuth bool
	authOptional      bool
	maxSize           int64
	tlsConfig         *tls.Config
}

func defaultOptions() options {
	o := options{
		domain:    "localhost",
		passwords: map[string]string{},
		tokens:    map[string]string{},
		ext:       map[string]bool{},
	}
	for _, e := range []Extension{ExtPipelining, Ext8BitMIME, ExtEnhancedStatusCodes, ExtChunking, ExtSize, ExtSMTPUTF8, ExtAuth} {
		o.ext[e.keyword()] = true
	}
	return o
}

// enabled reports whether the keyword of e is advertised.
func (o *options) enabled(e Extension) bool { return o.ext[e.keyword()] }

// authConfigured reports whether any credentials were given.
func (o *options) authConfigured() bool { return len(o.passwords)+len(o.tokens) > 0 }

// mechanisms returns the SASL mechanisms to offer, in order.
func (o *options) mechanisms() []string {
	if o.mechs != nil {
		return o.mechs
	}
	var m []string
	if len(o.passwords) > 0 {
		m = append(m, MechPlain, MechLogin, MechCRAMMD5)
	}
	if len(o.tokens) > 0 {
		m = append(m, MechXOAuth2, MechOAuthBearer)
	}
	return m
}

// WithDomain sets the name in the greeting ("220 name ESMTP Service Ready")
// and in CRAM-MD5 challenges. The default is "localhost".
func WithDomain(name string) Option {
	return optionFunc(func(o *options) { o.domain = name })
}

// WithAuth adds a user that may authenticate with PLAIN, LOGIN or CRAM-MD5
// and makes authentication mandatory before MAIL (530 5.7.0 otherwise;
// see WithAuthOptional).
// AUTH is offered only over TLS unless WithAllowInsecureAuth(true) is given.
// It may be given several times for several users.
func WithAuth(user, password string) Option {
	return optionFunc(func(o *options) { o.passwords[user] = password })
}

// WithTokenAuth adds a user that may authenticate with XOAUTH2 or
// OAUTHBEARER (RFC 7628) using token, with the same rules as WithAuth.
// A bad token gets the error challenge those mechanisms define; after the
// client's dummy response the server replies 535 5.7.8.
func WithTokenAuth(user, token string) Option {
	return optionFunc(func(o *options) { o.tokens[user] = token })
}

// WithAuthMechanisms replaces the list of SASL mechanisms offered (and
// accepted), in the order given, e.g. only CRAM-MD5 to check that a client
// can fall back to it. Use the Mech constants; credentials still come from
// WithAuth and WithTokenAuth.
func WithAuthMechanisms(mechs ...string) Option {
	return optionFunc(func(o *options) {
		o.mechs = make([]string, 0, len(mechs))
		for _, m := range mechs {
			o.mechs = append(o.mechs, strings.ToUpper(m))
		}
	})
}

// WithAuthOptional lets clients send mail without authenticating although
// the server offers AUTH.
func WithAuthOptional() Option {
	return optionFunc(func(o *options) { o.authOptional = true })
}

// WithAllowInsecureAuth lets clients authenticate over a connection without
// TLS (go-smtp's AllowInsecureAuth). It is false by default.
func WithAllowInsecureAuth(allow bool) Option {
	return optionFunc(func(o *options) { o.allowInsecureAuth = allow })
}

// WithSTARTTLS advertises STARTTLS (RFC 3207) with a certificate for
// localhost and 127.0.0.1 signed by the server's own CA (see CAPool).
func WithSTARTTLS() Option {
	return optionFunc(func(o *options) { o.ext[ExtStartTLS.keyword()] = true })
}

// WithImplicitTLS makes the server speak TLS from the first byte, as on
// port 465 (RFC 8314), with the same certificate as WithSTARTTLS.
func WithImplicitTLS() Option {
	return optionFunc(func(o *options) { o.implicitTLS = true })
}

// WithRequireTLS refuses every command but EHLO, HELO, NOOP, RSET, QUIT and
// STARTTLS with "530 5.7.0 Must issue a STARTTLS command first" until the
// connection uses TLS. It implies WithSTARTTLS.
func WithRequireTLS() Option {
	return optionFunc(func(o *options) {
		o.requireTLS = true
		o.ext[ExtStartTLS.keyword()] = true
	})
}

// WithTLSConfig replaces the generated server TLS configuration, e.g. to
// serve an expired or mismatched certificate. The CA accessors still
// describe the generated CA. A nil config is ignored.
func WithTLSConfig(cfg *tls.Config) Option {
	return optionFunc(func(o *options) {
		if cfg != nil {
			o.tlsConfig = cfg.Clone()
		}
	})
}

// WithMaxSize advertises "SIZE n" and rejects larger messages with 552 5.3.4,
// at MAIL when the client declares SIZE= and after DATA or BDAT otherwise.
// n <= 0 means no limit (the default).
func WithMaxSize(n int64) Option {
	return optionFunc(func(o *options) { o.maxSize = n })
}

// WithExtensions advertises extensions. SMTPUTF8, BINARYMIME and DSN switch
// on go-smtp's support; STARTTLS is the same as WithSTARTTLS; AUTH needs
// credentials to show. Other keywords are appended to the EHLO reply as
// given, without behaviour.
func WithExtensions(exts ...Extension) Option {
	return optionFunc(func(o *options) {
		for _, e := range exts {
			k := e.keyword()
			if k == "" {
				continue
			}
			o.ext[k] = true
			if !knownExtension(k) {
				o.extra = append(o.extra, e)
			}
		}
	})
}

// WithoutExtensions hides extensions from the EHLO reply and, where the
// server can tell, refuses their use: BDAT gets 502 5.5.1 without CHUNKING,
// BODY=8BITMIME and SIZE= get 555 5.5.4 without 8BITMIME and SIZE, the
// SMTPUTF8 parameter gets 504 5.5.4, STARTTLS and AUTH get 502. Hiding
// PIPELINING does not stop a client from pipelining and hiding
// ENHANCEDSTATUSCODES does not strip the codes from replies.
func WithoutExtensions(exts ...Extension) Option {
	return optionFunc(func(o *options) {
		for _, e := range exts {
			k := e.keyword()
			delete(o.ext, k)
			kept := o.extra[:0]
			for _, x := range o.extra {
				if x.keyword() != k {
					kept = append(kept, x)
				}
			}
			o.extra = kept
		}
	})
}

// knownExtension reports whether go-smtp or this package gives keyword k
// its behaviour (as opposed to a keyword that is only advertised).
func knownExtension(k string) bool {
	switch Extension(k) {
	case ExtPipelining, Ext8BitMIME, ExtEnhancedStatusCodes, ExtChunking, ExtSize,
		ExtSMTPUTF8, ExtStartTLS, ExtAuth, ExtBinaryMIME, ExtDSN:
		return true
	}
	return false
}
