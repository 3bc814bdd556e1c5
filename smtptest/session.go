package smtptest

import (
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// backend makes a session per EHLO or HELO for go-smtp.
type backend struct{ s *Server }

// NewSession implements smtp.Backend.
func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	vc, _ := c.Conn().(*vconn)
	return &session{s: b.s, conn: c, vc: vc}, nil
}

var (
	_ smtp.Backend     = backend{}
	_ smtp.AuthSession = (*session)(nil)
)

// session is go-smtp's view of one client between two EHLOs; it captures
// transactions and applies the faults that need parsed arguments.
type session struct {
	s    *Server
	conn *smtp.Conn
	vc   *vconn
	user string
	helo string
	from string
	mail smtp.MailOptions
	to   []string
}

// errorf returns an *smtp.SMTPError that go-smtp writes as is.
func errorf(code int, text string) error { return newReply(code, text).err() }

// Mail implements smtp.Session.
func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	o := &s.s.o
	switch {
	case o.authConfigured() && !o.authOptional && s.user == "":
		return errorf(530, "5.7.0 Authentication required")
	case opts.Body == smtp.Body8BitMIME && !o.enabled(Ext8BitMIME):
		return errorf(555, "5.5.4 BODY=8BITMIME not supported")
	case opts.Size > 0 && !o.enabled(ExtSize):
		return errorf(555, "5.5.4 SIZE not supported")
	case !opts.UTF8 && !isASCII(from):
		return errorf(553, "5.6.7 Non-ASCII address needs SMTPUTF8")
	}
	s.helo = s.conn.Hostname()
	s.from, s.mail, s.to = from, *opts, nil
	return nil
}

// Rcpt implements smtp.Session.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if r, ok := s.s.rejection(to); ok {
		return r.err()
	}
	if max := s.s.recipientLimit(); max > 0 && len(s.to) >= max {
		return errorf(452, "4.5.3 Too many recipients")
	}
	if !s.mail.UTF8 && !isASCII(to) {
		return errorf(553, "5.6.7 Non-ASCII address needs SMTPUTF8")
	}
	s.to = append(s.to, to)
	return nil
}

// Data implements smtp.Session. For BDAT go-smtp calls it on a goroutine
// of its own, while the connection goroutine reads the chunks.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err // 552 for a message over WithMaxSize; go-smtp reads the rest
	}
	if !s.s.wait(s.vc.cc, "DATA") {
		return ErrClosed // nobody reads the reply
	}
	if f, ok := s.s.takeFault("DATA"); ok {
		if f.drop {
			s.vc.cc.close()
			return nil
		}
		return f.err()
	}
	s.s.addMessage(Message{
		From:         s.from,
		To:           slices.Clone(s.to),
		Data:         data,
		Size:         s.mail.Size,
		Body8BitMIME: s.mail.Body == smtp.Body8BitMIME,
		SMTPUTF8:     s.mail.UTF8,
		Chunked:      s.vc.bdat.Load(),
		Auth:         s.user,
		TLS:          s.vc.cc.isTLS(),
		Helo:         s.helo,
		Conn:         s.vc.cc.id,
		ReceivedAt:   time.Now(),
	})
	return nil
}

// Reset implements smtp.Session.
func (s *session) Reset() {
	s.from, s.mail, s.to = "", smtp.MailOptions{}, nil
}

// Logout implements smtp.Session.
func (s *session) Logout() error { return nil }

// authOffered reports whether AUTH may be used on this connection now.
func (s *session) authOffered() bool {
	o := &s.s.o
	return o.authConfigured() && o.enabled(ExtAuth) && (o.allowInsecureAuth || s.vc.cc.isTLS())
}

// AuthMechanisms implements smtp.AuthSession; go-smtp advertises the
// result in the EHLO reply.
func (s *session) AuthMechanisms() []string {
	if !s.authOffered() {
		return nil
	}
	return s.s.o.mechanisms()
}

// Auth implements smtp.AuthSession.
func (s *session) Auth(mech string) (sasl.Server, error) {
	o := &s.s.o
	switch {
	case !o.authConfigured() || !o.enabled(ExtAuth):
		return nil, smtp.ErrAuthUnsupported
	case !s.authOffered():
		return nil, errorf(538, "5.7.11 Encryption required for requested authentication mechanism")
	case !slices.Contains(o.mechanisms(), mech):
		return nil, smtp.ErrAuthUnknownMechanism
	}
	m := newMechanism(mech, credentials{passwords: o.passwords, tokens: o.tokens, domain: o.domain})
	if m == nil {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return &exchange{sess: s, mech: m}, nil
}

// exchange wraps a mechanism to apply the AUTH fault once the SASL
// exchange is over and to remember who logged in.
type exchange struct {
	sess *session
	mech mechanism
}

// Next implements sasl.Server.
func (e *exchange) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := e.mech.Next(response)
	if err == nil && !done {
		return challenge, false, nil
	}
	if f, ok := e.sess.s.takeFault("AUTH"); ok {
		if f.drop {
			e.sess.vc.cc.close()
		}
		return nil, true, f.err()
	}
	if err != nil {
		if _, ok := err.(*smtp.SMTPError); !ok {
			err = smtp.ErrAuthFailed
		}
		return nil, true, err
	}
	e.sess.user = e.mech.User()
	return nil, true, nil
}

// isASCII reports whether s holds only ASCII characters.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
