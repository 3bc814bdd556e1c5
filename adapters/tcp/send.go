package tcp

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Send runs a mail transaction: MAIL, one RCPT per recipient, then DATA and
// the dot-stuffed body, or BDAT chunks when the server has CHUNKING and
// Config.EnableChunking is set. With PIPELINING (unless
// Config.DisablePipelining) MAIL, every RCPT and DATA go in one write and
// their replies are read afterwards; otherwise each command waits for its
// reply. Send is SendMany with one transaction.
//
// Recipients the server refuses are listed in the result and the others
// still get the message. When none is accepted Send sends RSET, skips DATA
// and returns an error of KindInvalidRecipientAddress (KindTemporaryFailure
// when every refusal was a 4xx) whose Message lists the refusals. A server
// that limits recipients per transaction (452 or 552 to RCPT after at least
// one was accepted) gets the rest in further transactions on the same
// connection, body written anew each time. When a later transaction fails,
// Send returns the result of the earlier ones (the failed recipients listed
// as rejected) together with the error.
//
// Bad input fails before any byte is written: no recipient or a zero one, a
// nil body or a negative size (KindInvalidInput or
// KindInvalidRecipientAddress), a size over the server's SIZE limit
// (KindMessageTooLarge), 8-bit data without 8BITMIME or a non-ASCII local
// part without SMTPUTF8 (KindCapabilityMismatch). Errors are *domain.Error:
// KindDeliveryUnknown when the connection was lost after the message and
// before the server's verdict, KindServerShutdown for a 421, KindDesync for
// an unsolicited reply (when it follows a positive final reply, the result
// comes with the error: the message was taken, the session is unusable).
func (s *Session) Send(ctx context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
	txs := [1]ports.Transaction{{Envelope: env, Body: body}}
	var out [1]ports.TxOutcome
	s.sendMany(ctx, txs[:], out[:])
	return out[0].Result, out[0].Err
}

// outcome is what one transaction did with its recipients.
type outcome struct {
	accepted []domain.Address
	rejected []domain.RejectedRecipient
	deferred []recipient // refused for now by a recipient limit: for the next transaction
	reply    *smtpReply  // the final reply when the server took the message
	size     int64       // octets of the body sent (see bodyWriter.size)
}

// failed lists every recipient of a failed transaction as rejected: those
// the server refused with their reply, the others with err.
func (o *outcome) failed(rcpts []recipient, err error) []domain.RejectedRecipient {
	out := append([]domain.RejectedRecipient(nil), o.rejected...)
	de := domain.AsError(err)
	for _, r := range rcpts {
		if o.refused(r.addr) {
			continue
		}
		rr := domain.RejectedRecipient{Address: r.addr.Email(), Message: err.Error()}
		if de != nil {
			rr.Code, rr.Enhanced = de.Code, de.Enhanced
		}
		out = append(out, rr)
	}
	return out
}

func (o *outcome) refused(a domain.Address) bool {
	for _, r := range o.rejected {
		if r.Address == a.Email() {
			return true
		}
	}
	return false
}

// transaction sends one envelope for rcpts and, when a recipient is
// accepted, the body, and records in o what became of the recipients. With
// opened set its command group was sent already (behind the previous body)
// and only the replies are read. ahead is the next group to send behind
// the final dot; it is left out when this transaction defers recipients
// (the rest goes first) or uses BDAT. sent reports whether it went out.
//
// Its command spans (smtp.mail_from, smtp.rcpt_to, smtp.data) end here when
// their command succeeds, a refused recipient's with its refusal; the
// others are left to the caller, who ends them with err (endCommands).
func (s *Session) transaction(o *outcome, e *envelope, rcpts []recipient, body io.WriterTo, opened bool, ahead *envelope) (sent bool, err error) {
	chunking := s.caps.Chunking && s.cfg.EnableChunking
	var room [4]answer
	replies := room[:0]
	if len(rcpts) <= len(room) {
		replies = room[:len(rcpts)]
	} else {
		replies = make([]answer, len(rcpts))
	}
	mailReply, dataReply, err := s.sendEnvelope(e, rcpts, replies, opened, chunking)
	if err != nil {
		return false, err
	}
	if !mailReply.positive() {
		if dataReply.code == 354 {
			s.broken = true // the server waits for a body nobody asked for
		}
		return false, replyError(stageMail, mailReply.reply)
	}
	o.classify(rcpts, replies)
	if len(o.accepted) == 0 {
		if dataReply.code == 354 {
			s.broken = true
		} else {
			s.rset()
		}
		return false, rejectionError(o.rejected)
	}
	var final *smtpReply
	if chunking {
		s.startData()
		final, err = s.bdat(body, s.caps.Pipelining && !s.cfg.DisablePipelining)
	} else {
		if dataReply.code == 0 {
			s.startData()
			if dataReply, err = s.command(stageData, "DATA", s.cfg.Timeouts.DataInit, terseData); err != nil {
				return false, err
			}
		}
		if err := s.dataReady(dataReply); err != nil {
			return false, err
		}
		if len(o.deferred) > 0 {
			ahead = nil
		}
		final, sent, err = s.data(body, ahead)
	}
	if err != nil {
		return sent, err
	}
	s.dataDone()
	o.reply, o.size = final, s.bodySize
	// Bytes waiting now are unsolicited, unless replies to a group sent
	// behind the dot are due: those are checked after that group's DATA.
	if n := s.w.r.Buffered(); n > 0 && !sent {
		s.broken = true
		return false, domain.NewError(domain.KindDesync, string(stageBody), strconv.Itoa(n)+
			" octets of unsolicited reply after the final reply; the message was taken but the connection is unusable")
	}
	return sent, nil
}

// sendEnvelope sends MAIL and the RCPTs and reads their replies, the
// RCPTs' into replies (one for each). With PIPELINING they go in one write
// with DATA (unless BDAT follows), already sent when opened is set;
// otherwise each waits for its reply, and the RCPTs are skipped when MAIL
// is refused (their answers stay zero). dataReply is zero when DATA was not
// sent. Positive replies come back terse (see answer).
func (s *Session) sendEnvelope(e *envelope, rcpts []recipient, replies []answer, opened, chunking bool) (mailReply, dataReply answer, err error) {
	to := s.cfg.Timeouts
	if !s.caps.Pipelining || s.cfg.DisablePipelining {
		s.startMail()
		if mailReply, err = s.command(stageMail, e.mail, to.Mail, terse2xx); err != nil {
			return answer{}, answer{}, err
		}
		if mailReply.positive() {
			s.mailDone()
		}
		for i := 0; i < len(rcpts) && mailReply.positive(); i++ {
			s.startRcpt(rcpts, i)
			if replies[i], err = s.command(stageRcpt, rcpts[i].line, to.Rcpt, terse2xx); err != nil {
				return answer{}, answer{}, err
			}
			s.rcptDone(i, replies[i])
		}
		return mailReply, answer{}, nil
	}
	s.startGroup(rcpts, !chunking)
	if !opened {
		if err := s.sync("mail"); err != nil {
			return answer{}, answer{}, err
		}
		s.w.wto = to.Mail // a large group may leave before flush
		if err := s.group(e.mail, rcpts, !chunking); err != nil {
			return answer{}, answer{}, err
		}
		if err := s.flush("mail", to.Mail); err != nil {
			return answer{}, answer{}, err
		}
	}
	if mailReply, err = s.ack(stageMail, to.Mail, terse2xx); err != nil {
		return answer{}, answer{}, err
	}
	if mailReply.positive() {
		s.mailDone()
	}
	for i := range rcpts {
		if replies[i], err = s.ack(stageRcpt, to.Rcpt, terse2xx); err != nil {
			return answer{}, answer{}, err
		}
		s.rcptDone(i, replies[i])
	}
	if !chunking {
		if dataReply, err = s.ack(stageData, to.DataInit, terseData); err != nil {
			return answer{}, answer{}, err
		}
	}
	return mailReply, dataReply, nil
}

// group buffers a pipelined command group: MAIL, every RCPT and, with data
// set, DATA.
func (s *Session) group(mail string, rcpts []recipient, data bool) error {
	if err := s.write("mail", mail, mail); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := s.write("rcpt", r.line, r.line); err != nil {
			return err
		}
	}
	if data {
		return s.write("data", "DATA", "DATA")
	}
	return nil
}

// dataReady checks the reply to DATA. A refusal resets the transaction. A
// positive reply other than 354, or bytes waiting after the 354 (nothing
// may follow it before the body), mean the replies no longer match the
// commands: the session is unusable.
func (s *Session) dataReady(r answer) error {
	op := string(stageData)
	switch {
	case r.code == 354:
		if n := s.w.r.Buffered(); n > 0 {
			s.broken = true
			return domain.NewError(domain.KindDesync, op, strconv.Itoa(n)+" octets of unsolicited reply after 354; the connection is unusable")
		}
		return nil
	case r.positive():
		s.broken = true
		return domain.NewError(domain.KindDesync, op, "positive reply "+strconv.Itoa(r.code)+" to DATA; the connection is unusable")
	}
	s.rset()
	return replyError(stageData, r.reply)
}

// classify sorts the RCPT replies. A 452 or 552 (too many recipients, RFC
// 5321 section 4.5.3.1.10) defers the recipient to another transaction, but
// only when this one accepted someone, so that every transaction makes
// progress.
func (o *outcome) classify(rcpts []recipient, replies []answer) {
	var limited []int
	for i, r := range replies {
		switch {
		case r.code == 0: // not sent
		case r.positive():
			o.accepted = append(o.accepted, rcpts[i].addr)
		case r.code == 452 || r.code == 552:
			limited = append(limited, i)
		default:
			o.rejected = append(o.rejected, rejected(rcpts[i].addr, r.reply))
		}
	}
	for _, i := range limited {
		if len(o.accepted) > 0 {
			o.deferred = append(o.deferred, rcpts[i])
		} else {
			o.rejected = append(o.rejected, rejected(rcpts[i].addr, replies[i].reply))
		}
	}
}

func rejected(a domain.Address, r *smtpReply) domain.RejectedRecipient {
	return domain.RejectedRecipient{Address: a.Email(), Code: r.Code, Enhanced: r.Enhanced, Message: r.Text()}
}

// rejectionError reports a transaction in which no recipient was accepted.
func rejectionError(rej []domain.RejectedRecipient) *domain.Error {
	e := &domain.Error{Kind: domain.KindTemporaryFailure, Op: string(stageRcpt)}
	var b strings.Builder
	b.WriteString("no recipient accepted: ")
	for i, r := range rej {
		if r.Code >= 500 && e.Kind == domain.KindTemporaryFailure {
			e.Kind, e.Code, e.Enhanced = domain.KindInvalidRecipientAddress, r.Code, r.Enhanced
		}
		if i == 10 {
			b.WriteString("; and " + strconv.Itoa(len(rej)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(r.Address + " " + strconv.Itoa(r.Code))
		if !r.Enhanced.IsZero() {
			b.WriteString(" " + r.Enhanced.String())
		}
		if r.Message != "" {
			b.WriteString(" " + r.Message)
		}
	}
	if e.Code == 0 && len(rej) > 0 {
		e.Code, e.Enhanced = rej[0].Code, rej[0].Enhanced
	}
	e.Message = b.String()
	return e
}

// rset ends a failed transaction; a session whose RSET fails is broken.
func (s *Session) rset() {
	if s.broken {
		return
	}
	r, err := s.simple(stageReset, "RSET", s.cfg.Timeouts.Command)
	if err == nil && !r.Positive() {
		s.broken = true
	}
}

// data streams the body after a 354, then, when ahead is not nil, that
// group (sent reports it), and reads the verdict. A body that fails
// half-way leaves no way to abandon DATA but closing the connection. Once
// the final dot has left, a failed write leaves the delivery unknown.
func (s *Session) data(body io.WriterTo, ahead *envelope) (final *smtpReply, sent bool, err error) {
	op := string(stageData)
	timeout := s.cfg.Timeouts.DataBlock
	s.w.wto = timeout
	s.body = bodyWriter{w: s.w.w, stuff: true, lineStart: true}
	bw := &s.body
	defer func() { s.bodySize = bw.size() }()
	if _, err := body.WriteTo(bw); err != nil {
		s.broken = true
		if bw.err != nil {
			return nil, false, s.w.fail(op, true, bw.err)
		}
		return nil, false, bodyError(err)
	}
	if err := bw.terminate(); err != nil {
		s.broken = true
		return nil, false, s.w.fail(op, true, err)
	}
	if s.w.tr != nil {
		s.w.tr.Line(true, ".")
	}
	dot := s.w.written + int64(s.w.w.Buffered()) // the stream offset just past the dot
	if ahead != nil {
		if err := s.group(ahead.mail, ahead.rcpts, true); err != nil {
			return nil, false, s.afterDot(dot, err)
		}
		sent = true
	}
	if err := s.flush(op, timeout); err != nil {
		return nil, sent, s.afterDot(dot, err)
	}
	final, err = s.verdict(stageBody)
	return final, sent, err
}

// afterDot classifies a write that failed (and broke the session) once the
// message ended at stream offset dot: when the dot had left, the server may
// have taken the message.
func (s *Session) afterDot(dot int64, err error) error {
	if s.w.written >= dot {
		return deliveryUnknown(err)
	}
	return err
}

// verdict reads the reply to the end of the message. Losing the connection
// now leaves the delivery unknown; a 421 is a clear refusal.
func (s *Session) verdict(stage smtpStage) (*smtpReply, error) {
	r, err := s.reply(stage, s.cfg.Timeouts.DataTerm)
	if err != nil {
		if domain.KindOf(err) == domain.KindServerShutdown {
			return nil, err
		}
		return nil, deliveryUnknown(err)
	}
	if !r.Positive() {
		return nil, replyError(stage, r)
	}
	return r, nil
}

// bodyError reports a failure of the message itself (not of the network):
// the body's own *domain.Error as it is, so that a refused message stays
// KindInvalidInput and is not retried. The final dot never left, so a body
// that claims the delivery is unknown becomes KindEncodingFailed, its
// words kept and its kind out of the chain.
func bodyError(err error) *domain.Error {
	de := domain.AsError(err)
	switch {
	case de == nil:
		return &domain.Error{Kind: domain.KindEncodingFailed, Op: string(stageData), Message: "writing the message failed", Err: err}
	case de.Kind == domain.KindDeliveryUnknown:
		return &domain.Error{Kind: domain.KindEncodingFailed, Op: string(stageData), Message: "writing the message failed: " + err.Error()}
	}
	return de
}
