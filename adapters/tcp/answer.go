package tcp

import "time"

// answer is the reply to a command of a transaction (MAIL, RCPT, DATA):
// its code, and the reply itself unless it was a one-line reply that only
// its code matters for (see readAck), which then costs no allocation. A
// zero answer means the command was not sent.
type answer struct {
	code  int
	reply *smtpReply // nil for a terse positive reply
}

func answerOf(r *smtpReply) answer { return answer{code: r.Code, reply: r} }

// positive reports whether the reply is 2xx.
func (a answer) positive() bool { return a.code >= 200 && a.code < 300 }

// ack reads the next reply as reply does (an I/O or parse failure or a 421
// breaks the session), letting the replies t allows come back as their code
// alone: those are positive and never 421, so there is nothing to scrub.
func (s *Session) ack(stage smtpStage, timeout time.Duration, t terse) (answer, error) {
	code, r, err := s.w.ack(string(stage), timeout, t)
	if err != nil {
		s.broken = true
		return answer{}, err
	}
	if r == nil {
		return answer{code: code}, nil
	}
	if r.Code != 334 {
		s.scrubReply(r)
	}
	if r.Code == 421 {
		s.broken = true
		return answer{}, negativeReplyError(stage, r)
	}
	return answerOf(r), nil
}
