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
// Config.EnableChunking is set. With PIPELINING (and
// Config.EnablePipelining) MAIL, every RCPT and DATA go in one write and
// their replies are read afterwards; otherwise each command waits for its
// reply.
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
	const op = "mail"
	if body == nil {
		return nil, domain.NewError(domain.KindInvalidInput, op, "no message body")
	}
	if err := s.usable(op); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ctxError(op, err)
	}
	e, err := s.plan(env)
	if err != nil {
		return nil, err
	}
	stop := s.w.watch(ctx)
	defer stop()
	var total *ports.TxResult
	for pending := e.rcpts; len(pending) > 0; {
		o, err := s.transaction(e.mail, pending, body)
		if o.reply != nil {
			if total == nil {
				total = &ports.TxResult{}
			}
			total.Accepted = append(total.Accepted, o.accepted...)
			total.Rejected = append(total.Rejected, o.rejected...)
			total.Reply = o.reply
		}
		if err != nil {
			if total != nil && o.reply == nil {
				total.Rejected = append(total.Rejected, o.failed(pending, err)...)
			}
			return total, err
		}
		pending = o.deferred
	}
	return total, nil
}

// outcome is what one transaction did with its recipients.
type outcome struct {
	accepted []domain.Address
	rejected []domain.RejectedRecipient
	deferred []recipient   // refused for now by a recipient limit: for the next transaction
	reply    *domain.Reply // the final reply when the server took the message
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
// accepted, the body.
func (s *Session) transaction(mail string, rcpts []recipient, body io.WriterTo) (*outcome, error) {
	o := &outcome{}
	to := s.cfg.Timeouts
	pipelined := s.caps.Pipelining && s.cfg.EnablePipelining
	chunking := s.caps.Chunking && s.cfg.EnableChunking
	if err := s.sync("mail"); err != nil {
		return o, err
	}
	s.w.wto = to.Mail // a large group may leave before flush
	if err := s.write("mail", mail, mail); err != nil {
		return o, err
	}
	var mailReply, dataReply *domain.Reply
	replies := make([]*domain.Reply, len(rcpts))
	var err error
	if pipelined {
		for _, r := range rcpts {
			if err := s.write("rcpt", r.line, r.line); err != nil {
				return o, err
			}
		}
		if !chunking {
			if err := s.write("data", "DATA", "DATA"); err != nil {
				return o, err
			}
		}
		if err := s.flush("mail", to.Mail); err != nil {
			return o, err
		}
		if mailReply, err = s.reply(domain.StageMail, to.Mail); err != nil {
			return o, err
		}
		for i := range rcpts {
			if replies[i], err = s.reply(domain.StageRcpt, to.Rcpt); err != nil {
				return o, err
			}
		}
		if !chunking {
			if dataReply, err = s.reply(domain.StageData, to.DataInit); err != nil {
				return o, err
			}
		}
	} else {
		if err := s.flush("mail", to.Mail); err != nil {
			return o, err
		}
		if mailReply, err = s.reply(domain.StageMail, to.Mail); err != nil {
			return o, err
		}
		for i := 0; i < len(rcpts) && mailReply.Positive(); i++ {
			if replies[i], err = s.simple(domain.StageRcpt, rcpts[i].line, to.Rcpt); err != nil {
				return o, err
			}
		}
	}
	if !mailReply.Positive() {
		if dataReply != nil && dataReply.Code == 354 {
			s.broken = true // the server waits for a body nobody asked for
		}
		return o, replyError(domain.StageMail, mailReply)
	}
	o.classify(rcpts, replies)
	if len(o.accepted) == 0 {
		if dataReply != nil && dataReply.Code == 354 {
			s.broken = true
		} else {
			s.rset()
		}
		return o, rejectionError(o.rejected)
	}
	var final *domain.Reply
	if chunking {
		final, err = s.bdat(body, pipelined)
	} else {
		if dataReply == nil {
			if dataReply, err = s.simple(domain.StageData, "DATA", to.DataInit); err != nil {
				return o, err
			}
		}
		if dataReply.Code != 354 {
			s.rset()
			return o, replyError(domain.StageData, dataReply)
		}
		final, err = s.data(body)
	}
	if err != nil {
		return o, err
	}
	o.reply = final
	if n := s.w.r.Buffered(); n > 0 {
		s.broken = true
		return o, domain.NewError(domain.KindDesync, string(domain.StageBody), strconv.Itoa(n)+
			" octets of unsolicited reply after the final reply; the message was taken but the connection is unusable")
	}
	return o, nil
}

// classify sorts the RCPT replies. A 452 or 552 (too many recipients, RFC
// 5321 section 4.5.3.1.10) defers the recipient to another transaction, but
// only when this one accepted someone, so that every transaction makes
// progress.
func (o *outcome) classify(rcpts []recipient, replies []*domain.Reply) {
	var limited []int
	for i, r := range replies {
		switch {
		case r == nil:
		case r.Positive():
			o.accepted = append(o.accepted, rcpts[i].addr)
		case r.Code == 452 || r.Code == 552:
			limited = append(limited, i)
		default:
			o.rejected = append(o.rejected, rejected(rcpts[i].addr, r))
		}
	}
	for _, i := range limited {
		if len(o.accepted) > 0 {
			o.deferred = append(o.deferred, rcpts[i])
		} else {
			o.rejected = append(o.rejected, rejected(rcpts[i].addr, replies[i]))
		}
	}
}

func rejected(a domain.Address, r *domain.Reply) domain.RejectedRecipient {
	return domain.RejectedRecipient{Address: a.Email(), Code: r.Code, Enhanced: r.Enhanced, Message: r.Text()}
}

// rejectionError reports a transaction in which no recipient was accepted.
func rejectionError(rej []domain.RejectedRecipient) *domain.Error {
	e := &domain.Error{Kind: domain.KindTemporaryFailure, Op: string(domain.StageRcpt)}
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
	r, err := s.simple(domain.StageReset, "RSET", s.cfg.Timeouts.Command)
	if err == nil && !r.Positive() {
		s.broken = true
	}
}

// data streams the body after a 354 and reads the verdict. A body that
// fails half-way leaves no way to abandon DATA but closing the connection.
func (s *Session) data(body io.WriterTo) (*domain.Reply, error) {
	op := string(domain.StageData)
	timeout := s.cfg.Timeouts.DataBlock
	s.w.wto = timeout
	bw := newBodyWriter(s.w.w, true)
	if _, err := body.WriteTo(bw); err != nil {
		s.broken = true
		if bw.err != nil {
			return nil, s.w.fail(op, true, bw.err)
		}
		return nil, bodyError(err)
	}
	if err := bw.terminate(); err != nil {
		s.broken = true
		return nil, s.w.fail(op, true, err)
	}
	if s.w.tr != nil {
		s.w.tr.Line(true, ".")
	}
	if err := s.flush(op, timeout); err != nil {
		return nil, err
	}
	return s.verdict(domain.StageBody)
}

// verdict reads the reply to the end of the message. Losing the connection
// now leaves the delivery unknown; a 421 is a clear refusal.
func (s *Session) verdict(stage domain.Stage) (*domain.Reply, error) {
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

// bodyError reports a failure of the message itself (not of the network).
func bodyError(err error) *domain.Error {
	if de := domain.AsError(err); de != nil {
		return de
	}
	return &domain.Error{Kind: domain.KindEncodingFailed, Op: string(domain.StageData), Message: "writing the message failed", Err: err}
}
