package tcp

import (
	"context"
	"net/http/httptrace"
	"strconv"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// What a session reports to its Transport's ports.Telemetry (Deps.Telemetry),
// one call per event, as spans of the specification's section 9.1:
//
//   - under Open's ctx: smtp.connect around the dial, the greeting and the
//     first EHLO, with a dns.resolve child while the dialer looks the host
//     name up; smtp.tls.upgrade around STARTTLS and the handshake (or the
//     handshake of implicit TLS, which comes before the greeting), with a
//     tls.handshake child around the handshake itself; smtp.auth around
//     each AUTH exchange (a second one after an OAuth2 refresh). A span of
//     the opening that fails ends with the error Open returns.
//   - smtp.transaction for each message Send or SendMany starts, under the
//     Transaction's Trace (else the call's ctx), with smtp.mail_from, one
//     smtp.rcpt_to a recipient and smtp.data as children, each from its
//     command's write to its reply (a group written behind the previous
//     message's dot: from the start of its transaction). A message the
//     server splits (a recipient limit) has the commands of each of its
//     SMTP transactions under its one smtp.transaction. A message refused
//     by the checks, or never started, has no span.
//   - smtp.pipeline, under SendMany's ctx, around a SendMany of more than
//     one message; each message's smtp.transaction links to it.
//   - ConnectionClosed, once, when a connection that was dialed is closed:
//     by Close, or by Open when the opening fails.
//
// With ports.NopTelemetry (a nil Deps.Telemetry) none of it runs: the
// session only tests a flag, so sending costs no allocation more.

// traces reports whether tel records anything: every Telemetry but
// ports.NopTelemetry.
func traces(tel ports.Telemetry) bool {
	switch tel.(type) {
	case ports.NopTelemetry, *ports.NopTelemetry:
		return false
	}
	return true
}

// start begins stage st under ctx; with tracing off it returns a nil Span.
func (t *Transport) start(ctx context.Context, st ports.Stage, a ports.Attrs) (context.Context, ports.Span) {
	if !t.traced {
		return ctx, nil
	}
	return t.tel.Start(ctx, st, a)
}

// end ends sp with err, unless sp is nil.
func end(sp ports.Span, err error) {
	if sp != nil {
		sp.End(err)
	}
}

// traceLookup returns dctx, the dial's context made from ctx, carrying
// hooks that make the host name lookup of a dialer built on net.Dialer a
// dns.resolve span under ctx (the smtp.connect span). The span ends with
// the lookup's failure as the dial reports it (KindDNSResolution, or the
// timeout's or the cancellation's kind). A dialer that does not look up
// through package net (a fake, a proxy) reports no span, and neither does
// an IP literal, which needs no lookup.
func (t *Transport) traceLookup(ctx, dctx context.Context) context.Context {
	var sp ports.Span
	return httptrace.WithClientTrace(dctx, &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			_, sp = t.tel.Start(ctx, ports.StageResolve, ports.Attrs{})
		},
		DNSDone: func(info httptrace.DNSDoneInfo) {
			if sp == nil {
				return
			}
			var err error
			if info.Err != nil {
				err = dialFailure(ctx, dctx, info.Err)
			}
			sp.End(err)
			sp = nil
		},
	})
}

// traceConnection is when the connection was made and the spans of the
// opening that are still running.
type traceConnection struct {
	opened  time.Time  // when the dial succeeded; zero with tracing off
	connect ports.Span // smtp.connect until the first EHLO is answered
	auth    ports.Span // smtp.auth from its start until Open knows its outcome
}

// connected ends the smtp.connect span once the first EHLO is answered.
func (s *Session) connected() {
	end(s.trace.connect, nil)
	s.trace.connect = nil
}

// endOpening ends the spans of the opening still running with err, the
// error the caller of Open gets, and returns err. A nil s does nothing.
func (s *Session) endOpening(err error) error {
	if s == nil {
		return err
	}
	end(s.trace.connect, err)
	end(s.trace.auth, err)
	s.trace.connect, s.trace.auth = nil, nil
	return err
}

// reportClosed reports the lifetime of a connection that has just been
// closed.
func (s *Session) reportClosed() {
	if s.t.traced {
		s.t.tel.ConnectionClosed(time.Since(s.trace.opened))
	}
}

// txTrace holds the spans of the transaction in progress: the message's
// smtp.transaction (its ctx the parent of the others) and the command
// spans not ended yet. It lives in the Session and is reused, so tracing
// a transaction of up to four recipients allocates nothing of its own.
type txTrace struct {
	ctx   context.Context
	from  domain.Address // the message's sender, for smtp.mail_from
	size  int64          // the message's size, for smtp.data
	span  ports.Span
	mail  ports.Span
	data  ports.Span
	rcpts []ports.Span // of the SMTP transaction in progress; nil entries are ended
	room  [4]ports.Span
}

// startTx begins the smtp.transaction span of message tx under its Trace,
// or under ctx when that is nil, linked to the span of pipeline when that
// is not nil.
func (s *Session) startTx(tx *ports.Transaction, ctx, pipeline context.Context) {
	if !s.t.traced {
		return
	}
	parent := tx.Trace
	if parent == nil {
		parent = ctx
	}
	tt := &s.tx
	tt.from, tt.size = tx.Envelope.From, tx.Envelope.Size
	tt.ctx, tt.span = s.t.tel.Start(parent, ports.StageTransaction, ports.Attrs{})
	if pipeline != nil {
		tt.span.Link(pipeline)
	}
}

// endTx ends the message's smtp.transaction span with err, the error of the
// message (nil when a recipient got it).
func (s *Session) endTx(err error) {
	if !s.t.traced {
		return
	}
	tt := &s.tx
	end(tt.span, err)
	tt.ctx, tt.span, tt.from = nil, nil, domain.Address{}
}

// startMail begins the smtp.mail_from span of an SMTP transaction.
func (s *Session) startMail() {
	if s.t.traced {
		_, s.tx.mail = s.t.tel.Start(s.tx.ctx, ports.StageMailFrom, ports.Attrs{From: s.tx.from})
	}
}

// mailDone ends the smtp.mail_from span of an accepted MAIL; a refusal is
// the transaction's error, with which endCommands ends it.
func (s *Session) mailDone() {
	if s.t.traced {
		end(s.tx.mail, nil)
		s.tx.mail = nil
	}
}

// startGroup begins the spans of a pipelined command group, all written
// at once: MAIL, every RCPT and, with data set, DATA.
func (s *Session) startGroup(rcpts []recipient, data bool) {
	if !s.t.traced {
		return
	}
	s.startMail()
	for i := range rcpts {
		s.startRcpt(rcpts, i)
	}
	if data {
		s.startData()
	}
}

// startRcpt begins the smtp.rcpt_to span of recipient i of rcpts, the
// recipients of this SMTP transaction.
func (s *Session) startRcpt(rcpts []recipient, i int) {
	if !s.t.traced {
		return
	}
	tt := &s.tx
	if i == 0 {
		if len(rcpts) <= len(tt.room) {
			tt.rcpts = tt.room[:len(rcpts)]
		} else {
			tt.rcpts = make([]ports.Span, len(rcpts))
		}
	}
	_, tt.rcpts[i] = s.t.tel.Start(tt.ctx, ports.StageRcptTo, ports.Attrs{Recipient: rcpts[i].addr})
}

// rcptDone ends the smtp.rcpt_to span of recipient i with its reply: nil
// when it was accepted, else the refusal as a *domain.Error.
func (s *Session) rcptDone(i int, a answer) {
	if !s.t.traced || i >= len(s.tx.rcpts) || s.tx.rcpts[i] == nil {
		return
	}
	var err error
	switch {
	case a.positive():
	case a.reply != nil:
		err = replyError(stageRcpt, a.reply)
	default:
		err = domain.NewError(domain.KindUnexpectedResponse, string(stageRcpt), "reply "+strconv.Itoa(a.code))
	}
	s.tx.rcpts[i].End(err)
	s.tx.rcpts[i] = nil
}

// startData begins the smtp.data span of an SMTP transaction: DATA (or
// the first BDAT), the body and the final reply.
func (s *Session) startData() {
	if s.t.traced && s.tx.data == nil {
		_, s.tx.data = s.t.tel.Start(s.tx.ctx, ports.StageData, ports.Attrs{Size: s.tx.size})
	}
}

// dataDone ends the smtp.data span once the server took the message.
func (s *Session) dataDone() {
	if s.t.traced {
		end(s.tx.data, nil)
		s.tx.data = nil
	}
}

// endCommands ends the command spans of an SMTP transaction still running
// with err, the transaction's error.
func (s *Session) endCommands(err error) {
	if !s.t.traced {
		return
	}
	tt := &s.tx
	end(tt.mail, err)
	for i, sp := range tt.rcpts {
		end(sp, err)
		tt.rcpts[i] = nil
	}
	end(tt.data, err)
	tt.mail, tt.data, tt.rcpts = nil, nil, nil
}
