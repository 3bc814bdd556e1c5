package tcp

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

var (
	_ ports.Transport = (*Transport)(nil)
	_ ports.Session   = (*Session)(nil)
)

// Deps are the collaborators of a Transport. TLS and Auth can be required
// (see New); every other nil field has a default.
//
// The Transcript gets every command and reply line of every session, AUTH
// responses replaced by "[REDACTED]"; of the message it gets only the final
// "." (or the BDAT command lines), never the content. Once the credentials
// are known, every line it gets, and the text of every reply and error, is
// scrubbed of the secret (domain.Credentials.Scrubber, plus the SASL
// responses as sent): a server that echoes a password or a response back,
// whole, cut short or split over lines, shows "[REDACTED]" there.
//
// The Telemetry gets the spans of every session (smtp.connect, dns.resolve,
// smtp.tls.upgrade, tls.handshake, smtp.auth, smtp.transaction and its
// smtp.mail_from, smtp.rcpt_to and smtp.data, smtp.pipeline) and the
// lifetime of every connection closed; errors given to spans are those the
// caller gets, free of the secret. dns.resolve is reported when the Dialer
// looks the host name up through package net (the default dialer, or a
// *net.Dialer), never for an IP literal.
type Deps struct {
	Dialer      ports.Dialer             // nil means &net.Dialer{}
	TLS         ports.TLSUpgrader        // required for every TLS mode but none
	Auth        ports.Authenticator      // required when there are credentials
	Credentials ports.CredentialProvider // nil means no AUTH
	Transcript  ports.Transcript         // nil means no transcript
	Telemetry   ports.Telemetry          // nil means ports.NopTelemetry{}
}

// Transport opens SMTP sessions to the one server of its Config. It is safe
// for concurrent use; each Open dials a new connection.
type Transport struct {
	cfg    Config
	dialer ports.Dialer
	tls    ports.TLSUpgrader
	auth   ports.Authenticator
	creds  ports.CredentialProvider
	tr     ports.Transcript
	tel    ports.Telemetry
	traced bool // tel records something: sessions report to it
}

// New validates cfg (Config.Validate) and returns a Transport; it does
// not dial. Zero timeouts take the RFC 5321 defaults. The credentials come
// from deps.Credentials only (auth.StaticCredentials wraps fixed ones);
// without a provider the session sends no AUTH.
//
// An empty Config.LocalName takes the machine's host name (os.Hostname,
// without a final dot) when it is a fully qualified domain name: at least
// two labels of letters, digits and inner hyphens, each at most 63 octets,
// at most 253 octets in all, a last label that is not all digits, and
// neither a first label "localhost" nor a last label "localhost",
// "localdomain" or "local" ("localhost.localdomain", "mac.local"), names
// that say nothing about the client and that strict servers refuse. Any
// other host name gives "localhost". The name is chosen once, here.
//
// It fails when the TLS mode (Config.EffectiveTLSMode) is not none and
// deps.TLS is nil, or when deps.Credentials is set and deps.Auth is nil. Errors are *domain.Error of
// KindInvalidInput (possibly several, joined, for a bad Config).
func New(cfg Config, deps Deps) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Timeouts = cfg.Timeouts.WithDefaults()
	if cfg.LocalName == "" {
		cfg.LocalName = defaultLocalName()
	}
	t := &Transport{cfg: cfg, dialer: deps.Dialer, tls: deps.TLS, auth: deps.Auth, creds: deps.Credentials, tr: deps.Transcript, tel: deps.Telemetry}
	if t.dialer == nil {
		t.dialer = &net.Dialer{}
	}
	if t.tel == nil {
		t.tel = ports.NopTelemetry{}
	}
	t.traced = traces(t.tel)
	if mode := cfg.EffectiveTLSMode(); mode != TLSNone && t.tls == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "config", "TLS mode "+mode.String()+" needs a TLS upgrader")
	}
	if t.creds != nil && t.auth == nil {
		return nil, domain.NewError(domain.KindInvalidInput, "config", "credentials need an authenticator")
	}
	return t, nil
}

// Open dials the server, reads the greeting, says EHLO, secures the
// connection as the TLS mode says and authenticates when there are
// credentials. The context bounds the whole opening and cancels it; the
// session does not keep it.
//
// When the server refuses OAuth2 credentials (XOAUTH2 or OAUTHBEARER: a 535
// or 5.7.8, or a 5xx after the OAuth error challenge), Open asks the
// CredentialProvider to Refresh them once (specification section 8.3.2).
// If they changed, it closes that connection and authenticates once more
// on a new one; a second refusal is KindCredentialsInvalid, and so is a
// refusal when nothing changed. A failed Refresh is an auth-kind error (or
// KindCancelled when ctx ended). Password credentials are never refreshed.
// No error shows the secret, whole or in part.
//
// Errors are *domain.Error: a connection, TLS, auth, protocol or timeout
// kind, or KindCancelled.
func (t *Transport) Open(ctx context.Context) (ports.Session, error) {
	s, err := t.attempt(ctx)
	if err == nil {
		return s, nil
	}
	if s == nil || !s.refused {
		return nil, s.endOpening(err)
	}
	changed, rerr := t.creds.Refresh(ctx)
	if rerr != nil {
		return nil, s.endOpening(refreshError(ctx, s.w.scrub, rerr))
	}
	if !changed {
		return nil, s.endOpening(refusedCredentials(err, false))
	}
	s.endOpening(err) // the refusal, which the next attempt supersedes
	s, err = t.attempt(ctx)
	if err == nil {
		return s, nil
	}
	if s != nil && s.refused {
		return nil, s.endOpening(refusedCredentials(err, true))
	}
	return nil, s.endOpening(err)
}

// attempt opens one session. On failure it closes the session and returns
// it (nil when the dial failed) with the error, scrubbed of the secret; the
// spans of the opening still running are left for Open to end with the
// error its caller gets (Session.endOpening).
func (t *Transport) attempt(ctx context.Context) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxError("dial", err)
	}
	cctx, connect := t.start(ctx, ports.StageConnect, ports.Attrs{})
	conn, err := t.dial(cctx)
	if err != nil {
		end(connect, err)
		return nil, err
	}
	s := newSession(t, conn)
	s.trace.connect = connect
	if t.traced {
		s.trace.opened = time.Now()
	}
	stop := s.w.watch(ctx)
	err = s.open(ctx)
	stop()
	if err != nil {
		_ = s.Close()
		return s, scrubError(s.w.scrub, err)
	}
	return s, nil
}

// dial connects to the server within the connect timeout. ctx carries the
// smtp.connect span, parent of the lookup's dns.resolve.
func (t *Transport) dial(ctx context.Context) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, t.cfg.Timeouts.Connect)
	defer cancel()
	lctx := dctx
	if t.traced {
		lctx = t.traceLookup(ctx, dctx)
	}
	conn, err := t.dialer.DialContext(lctx, "tcp", t.cfg.address())
	if err == nil && conn == nil {
		err = errors.New("dialer returned no connection")
	}
	if err != nil {
		return nil, dialFailure(ctx, dctx, err)
	}
	return conn, nil
}

// dialFailure classifies err, the failure of a dial (or of its lookup)
// under dctx, the connect timeout's context made from ctx.
func dialFailure(ctx, dctx context.Context, err error) *domain.Error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(cerr, context.DeadlineExceeded) {
		return ctxError("dial", cerr)
	}
	if dctx.Err() != nil {
		return &domain.Error{Kind: domain.KindConnectTimeout, Op: "dial", Message: "no connection in time", Err: err}
	}
	return dialError(err)
}
