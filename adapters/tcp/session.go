package tcp

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
)

// quitTimeout bounds the wait for the reply to QUIT.
const quitTimeout = 10 * time.Second

// Session is one greeted connection, made by Transport.Open. It is not safe
// for concurrent use; after an I/O error, a 421 reply, a cancellation or a
// protocol desync it is no longer Reusable and every method but Info and
// Close fails with KindConnectionUnhealthy.
type Session struct {
	t      *Transport
	cfg    *Config
	w      *wire
	caps   capabilities
	info   domain.ConnectionInfo
	secure bool // the connection runs over TLS
	broken bool // the protocol state is unknown or the server is leaving
	// refused: the server refused the OAuth2 token at AUTH; a refreshed
	// token may pass (Transport.Open).
	refused bool
	closed  bool
	chunk   []byte     // BDAT buffer, kept between transactions
	body    bodyWriter // the DATA writer of the current transaction
	// bodySize is the octets of the last body written (see
	// bodyWriter.size).
	bodySize int64
	trace    traceConnection
	tx       txTrace // the spans of the transaction in progress
}

func newSession(t *Transport, conn net.Conn) *Session {
	s := &Session{
		t:    t,
		cfg:  &t.cfg,
		w:    newWire(conn, t.tr, t.cfg.IOTimeout),
		info: domain.ConnectionInfo{Host: t.cfg.Host, Port: t.cfg.Port},
	}
	s.w.wto = t.cfg.Timeouts.Command
	return s
}

// Info describes the connection: TLS state, capabilities (as advertised by
// the last EHLO), banner and authenticated user.
func (s *Session) Info() domain.ConnectionInfo {
	info := s.info
	info.Extensions = s.caps.summary()
	if s.info.Certificate != nil {
		c := *s.info.Certificate
		info.Certificate = &c
	}
	return info
}

// Reusable reports whether another transaction may use this session: false
// once it is closed, after a 421, an I/O error, a cancellation or a desync.
func (s *Session) Reusable() bool { return !s.broken && !s.closed }

// Noop sends NOOP, a cheap health check. Errors are *domain.Error.
func (s *Session) Noop(ctx context.Context) error {
	_, err := s.simpleCtx(ctx, stageNoop, "NOOP", true)
	return err
}

// Reset sends RSET, ending any transaction. Errors are *domain.Error.
func (s *Session) Reset(ctx context.Context) error {
	_, err := s.simpleCtx(ctx, stageReset, "RSET", true)
	return err
}

// Verify sends VRFY address and returns the reply on one line (2xx,
// including 252 "cannot verify"). A negative reply comes back together
// with its error. An address with CR, LF or NUL is refused before anything
// is sent. Errors are *domain.Error.
func (s *Session) Verify(ctx context.Context, address string) (string, error) {
	if address == "" || hasControl(address) {
		return "", domain.NewError(domain.KindInvalidInput, string(stageVerify), "address is empty or holds CR, LF or NUL")
	}
	r, err := s.simpleCtx(ctx, stageVerify, "VRFY "+address, false)
	if r == nil {
		return "", err
	}
	return r.String(), err
}

// Close sends QUIT when the session is usable, waits briefly for the 221,
// and closes the connection, reporting its lifetime to the Telemetry. It is
// safe to call twice; the second call does nothing. Errors are
// *domain.Error.
func (s *Session) Close() error {
	if s.closed {
		return nil
	}
	if !s.broken {
		_, _ = s.simple(stageQuit, "QUIT", min(quitTimeout, s.cfg.Timeouts.Command))
	}
	s.closed = true
	s.broken = true
	err := s.w.conn.Close()
	s.reportClosed()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return ioError(string(stageQuit), true, err)
	}
	return nil
}

// usable refuses work on a closed or broken session.
func (s *Session) usable(op string) error {
	if s.closed || s.broken {
		return domain.NewError(domain.KindConnectionUnhealthy, op, "session is closed or no longer usable")
	}
	return nil
}

// simpleCtx runs one command under ctx; with positive set, any reply but a
// 2xx is an error.
func (s *Session) simpleCtx(ctx context.Context, stage smtpStage, line string, positive bool) (*smtpReply, error) {
	if err := s.usable(string(stage)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(string(stage), err)
	}
	stop := s.w.watch(ctx)
	defer stop()
	r, err := s.simple(stage, line, s.cfg.Timeouts.Command)
	if err != nil {
		return nil, err
	}
	if !r.Positive() {
		if positive {
			return nil, replyError(stage, r)
		}
		return r, replyError(stage, r)
	}
	return r, nil
}

// simple sends one command and reads its reply.
func (s *Session) simple(stage smtpStage, line string, timeout time.Duration) (*smtpReply, error) {
	a, err := s.command(stage, line, timeout, terseNone)
	return a.reply, err
}

// command sends one command and reads its reply as ack does.
func (s *Session) command(stage smtpStage, line string, timeout time.Duration, t terse) (answer, error) {
	if err := s.sync(string(stage)); err != nil {
		return answer{}, err
	}
	s.w.wto = timeout
	if err := s.write(string(stage), line, line); err != nil {
		return answer{}, err
	}
	if err := s.flush(string(stage), timeout); err != nil {
		return answer{}, err
	}
	return s.ack(stage, timeout, t)
}

// sync checks that no reply is waiting before a new command group: bytes
// the server sent unasked mean the replies no longer match the commands.
// An unasked 421 is the server leaving (Postfix says "421 4.4.2 ... timeout
// exceeded" before it hangs up), which is temporary rather than a desync.
func (s *Session) sync(op string) error {
	n := s.w.r.Buffered()
	if n == 0 {
		return nil
	}
	s.broken = true
	b, _ := s.w.r.Peek(n)
	if line, _, _ := strings.Cut(string(b), "\n"); strings.HasPrefix(line, "421") {
		line = strings.TrimSuffix(line, "\r")
		if _, _, text, err := parseReplyLine(line); err == nil {
			if r, err := parseReply([]string{"421 " + text}); err == nil {
				if s.w.tr != nil {
					s.w.tr.Line(false, s.w.scrub.Scrub(line))
				}
				s.scrubReply(r)
				return negativeReplyError(smtpStage(op), r)
			}
		}
	}
	return domain.NewError(domain.KindDesync, op, strconv.Itoa(n)+" octets of unsolicited reply before a command; the connection is unusable")
}

// write buffers a command line; shown is its transcript form, scrubbed of
// the secret once credentials are known.
func (s *Session) write(op, line, shown string) error {
	if hasControl(line) {
		return domain.NewError(domain.KindInvalidInput, op, "command holds CR, LF or NUL")
	}
	if err := s.w.command(line, s.w.scrub.Scrub(shown)); err != nil {
		s.broken = true
		return s.w.fail(op, true, err)
	}
	return nil
}

// flush sends the buffered command group.
func (s *Session) flush(op string, timeout time.Duration) error {
	if err := s.w.flush(timeout); err != nil {
		s.broken = true
		return s.w.fail(op, true, err)
	}
	return nil
}

// reply reads the next reply. An I/O or parse failure breaks the session; so
// does a 421, which comes back as its KindServerShutdown error. Once
// credentials are known the text of every reply but a 334 challenge (which
// the SASL client decodes) is scrubbed of the secret, so that no error or
// result built from it can show it.
func (s *Session) reply(stage smtpStage, timeout time.Duration) (*smtpReply, error) {
	a, err := s.ack(stage, timeout, terseNone)
	return a.reply, err
}

// scrubReply removes the secret from the text of r once credentials are
// known.
func (s *Session) scrubReply(r *smtpReply) {
	if s.w.scrub == nil {
		return
	}
	for i, line := range r.Lines {
		r.Lines[i] = s.w.scrub.Scrub(line)
	}
}
