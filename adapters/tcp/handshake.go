package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// open runs everything between the dial and the first transaction. The
// smtp.connect span (s.trace.connect) ends once the first EHLO is
// answered; implicit TLS, which comes before the greeting, is its own
// smtp.tls.upgrade span beside it.
func (s *Session) open(ctx context.Context) error {
	mode := s.cfg.EffectiveTLSMode()
	if mode == TLSImplicit {
		if err := s.secureImplicit(ctx); err != nil {
			return err
		}
	}
	if err := s.greeting(); err != nil {
		return err
	}
	if err := s.hello(); err != nil {
		return err
	}
	s.connected()
	switch mode {
	case TLSStartTLSRequired:
		if !s.caps.StartTLS {
			return domain.NewError(domain.KindStartTLSNotSupported, string(stageStartTLS),
				"server does not offer STARTTLS and the TLS mode requires it")
		}
		fallthrough
	case TLSStartTLS:
		if s.caps.StartTLS {
			if err := s.startTLS(ctx); err != nil {
				return err
			}
		}
	}
	return s.authenticate(ctx)
}

// secureImplicit runs the handshake of implicit TLS as an smtp.tls.upgrade
// span.
func (s *Session) secureImplicit(ctx context.Context) error {
	uctx, sp := s.t.start(ctx, ports.StageTLSUpgrade, ports.Attrs{Implicit: true})
	err := s.upgrade(uctx)
	end(sp, err)
	return err
}

// greeting reads the banner; anything but a 220 ends the session.
func (s *Session) greeting() error {
	r, err := s.reply(stageGreeting, s.cfg.Timeouts.Greeting)
	if err != nil {
		return err
	}
	if r.Code != 220 {
		return replyError(stageGreeting, r)
	}
	s.info.Banner = r.Text()
	return nil
}

// hello says EHLO and learns the capabilities. A server that answers 500,
// 501, 502 or 504 (command unknown, syntax, not implemented, parameter not
// implemented) gets HELO and is taken to have no extensions; any other
// negative reply ends the session.
func (s *Session) hello() error {
	name := s.cfg.LocalName
	if hasControl(name) {
		return domain.NewError(domain.KindInvalidInput, string(stageEHLO), "local name holds CR, LF or NUL")
	}
	r, err := s.simple(stageEHLO, "EHLO "+name, s.cfg.Timeouts.Command)
	if err != nil {
		return err
	}
	if r.Code == 250 {
		s.caps = parseEHLO(r.Lines)
		return nil
	}
	switch r.Code {
	case 500, 501, 502, 504:
	default:
		return replyError(stageEHLO, r)
	}
	r, err = s.simple(stageHELO, "HELO "+name, s.cfg.Timeouts.Command)
	if err != nil {
		return err
	}
	if r.Code != 250 {
		return replyError(stageHELO, r)
	}
	s.caps = parseEHLO(r.Lines[:1])
	return nil
}

// startTLS sends STARTTLS, upgrades the connection and says EHLO again,
// forgetting every capability learned in plaintext (RFC 3207 section 4.2).
// Bytes that arrive with the 220 were sent before the handshake and could
// have been injected by a man in the middle (CVE-2011-0411): the session
// ends.
func (s *Session) startTLS(ctx context.Context) error {
	uctx, sp := s.t.start(ctx, ports.StageTLSUpgrade, ports.Attrs{})
	err := s.negotiateTLS(uctx)
	end(sp, err)
	if err != nil {
		return err
	}
	return s.hello()
}

// negotiateTLS sends STARTTLS and runs the handshake.
func (s *Session) negotiateTLS(ctx context.Context) error {
	r, err := s.simple(stageStartTLS, "STARTTLS", s.cfg.Timeouts.Command)
	if err != nil {
		return err
	}
	if r.Code != 220 {
		return replyError(stageStartTLS, r)
	}
	if s.w.r.Buffered() > 0 {
		s.broken = true
		return domain.NewError(domain.KindDesync, string(stageStartTLS),
			"data after the STARTTLS reply, before the TLS handshake (response injection); connection closed")
	}
	return s.upgrade(ctx)
}

// upgrade runs the TLS handshake over the current connection.
func (s *Session) upgrade(ctx context.Context) error {
	op := string(stageStartTLS)
	if s.cfg.EffectiveTLSMode() == TLSImplicit {
		op = "tls"
	}
	timeout := s.cfg.Timeouts.Connect
	if err := s.w.setDeadline(timeout); err != nil {
		s.broken = true
		return s.w.fail(op, false, err)
	}
	hctx, sp := s.t.start(ctx, ports.StageTLSHandshake, ports.Attrs{})
	conn, err := s.handshake(hctx, op, timeout)
	end(sp, err)
	if err != nil {
		return err
	}
	s.w.swap(conn)
	s.secure = true
	s.caps = capabilities{}
	s.info.TLS = true
	if cs, ok := conn.(interface{ ConnectionState() tls.ConnectionState }); ok {
		st := cs.ConnectionState()
		s.info.TLSVersion = strings.TrimPrefix(tls.VersionName(st.Version), "TLS ")
		s.info.CipherSuite = tls.CipherSuiteName(st.CipherSuite)
		if len(st.PeerCertificates) > 0 {
			leaf := st.PeerCertificates[0]
			s.info.Certificate = &domain.CertificateInfo{
				Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(), NotAfter: leaf.NotAfter, DNSNames: leaf.DNSNames,
			}
		}
	}
	return nil
}

// handshake runs TLSUpgrader.Client within timeout; errors are classified
// for op.
func (s *Session) handshake(ctx context.Context, op string, timeout time.Duration) (net.Conn, error) {
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := s.t.tls.Client(hctx, s.w.conn, s.cfg.Host)
	if err == nil && conn == nil {
		err = errors.New("TLS upgrader returned no connection")
	}
	if err == nil {
		return conn, nil
	}
	s.broken = true
	if cerr := s.w.cancelled(); cerr != nil {
		return nil, ctxError(op, cerr)
	}
	if de := domain.AsError(err); de != nil {
		return nil, withOp(de, op)
	}
	if hctx.Err() != nil {
		return nil, &domain.Error{Kind: domain.KindConnectTimeout, Op: op, Message: "TLS handshake timed out", Err: err}
	}
	return nil, &domain.Error{Kind: domain.KindTLSHandshake, Op: op, Err: err}
}

// hostname is os.Hostname; tests replace it.
var hostname = os.Hostname

// defaultLocalName returns the EHLO name of a Config without LocalName: the
// host name when it is a fully qualified domain name (see New), else
// "localhost".
func defaultLocalName() string {
	name, err := hostname()
	if err != nil {
		return "localhost"
	}
	name = strings.TrimSuffix(name, ".")
	if !fullyQualified(name) {
		return "localhost"
	}
	return name
}

// fullyQualified reports whether name is a domain name of two labels or
// more that names a host on the network: letters, digits and inner
// hyphens, labels of 1 to 63 octets, 253 octets at most, a last label that
// is not all digits (an IPv4 address is not a domain name), and no
// "localhost" first label nor "localhost", "localdomain" or "local" last
// label.
func fullyQualified(name string) bool {
	labels := strings.Split(name, ".")
	if len(name) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !validLabel(l) {
			return false
		}
	}
	first, last := strings.ToLower(labels[0]), strings.ToLower(labels[len(labels)-1])
	if first == "localhost" || last == "localhost" || last == "localdomain" || last == "local" {
		return false
	}
	return strings.ContainsFunc(last, func(r rune) bool { return r < '0' || r > '9' })
}

// validLabel reports whether l is a DNS label of a host name (RFC 1123).
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
