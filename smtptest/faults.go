package smtptest

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Greeting is the name FailAt, FailTimes, Delay and DropAt use for the
// server's opening 220 reply, which answers no command.
const Greeting = "GREETING"

// reply is a canned SMTP reply; text may hold several lines separated by
// "\n" and is written after the code verbatim.
type reply struct {
	code int
	text string
}

// newReply builds a reply, turning CRLF and bare CR in text into "\n".
func newReply(code int, text string) reply {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return reply{code: code, text: strings.ReplaceAll(text, "\r", "\n")}
}

// String returns the reply in wire form, one "code-text" line per line but
// the last, which is "code text", each ending in CRLF.
func (r reply) String() string {
	lines := strings.Split(r.text, "\n")
	var b strings.Builder
	for i, l := range lines {
		sep := '-'
		if i == len(lines)-1 {
			sep = ' '
		}
		fmt.Fprintf(&b, "%d%c%s\r\n", r.code, sep, l)
	}
	return b.String()
}

// err returns the reply as an error go-smtp writes verbatim.
func (r reply) err() error {
	return &smtp.SMTPError{Code: r.code, EnhancedCode: smtp.NoEnhancedCode, Message: r.text}
}

// fault is what the server does instead of its normal reply to a command.
type fault struct {
	reply
	drop  bool // close the connection without replying
	times int  // how many more times it applies; < 0 means until cleared
}

// verbKey returns the table key for a command name.
func verbKey(command string) string { return strings.ToUpper(strings.TrimSpace(command)) }

// FailAt makes the server answer every use of command with code and msg
// until ClearFaults. command is a verb such as "MAIL", "RCPT", "EHLO",
// "RSET", "STARTTLS" or Greeting (matched without regard to case). The
// fault replaces the normal processing, except for:
//   - "DATA": the message is read, not stored, and the fault is the final
//     reply after the dot (or after BDAT LAST);
//   - "AUTH": the SASL exchange runs, then the fault is the final reply.
//
// msg is written after the code as given, so put an enhanced status code in
// it if you want one ("4.3.0 Try again later"); "\n" makes a multi-line
// reply. A 421 reply closes the connection after it is sent. After a
// Greeting fault other than 421 the server answers every command but QUIT
// with 503 5.5.1, as RFC 5321 section 3.1 asks.
//
// FailAt is safe for concurrent use, also while clients are connected.
func (s *Server) FailAt(command string, code int, msg string) {
	s.setFault(command, fault{reply: newReply(code, msg), times: -1})
}

// FailTimes is FailAt for the next n uses of command only; then the server
// behaves normally again. n <= 0 clears the fault for command.
func (s *Server) FailTimes(command string, n, code int, msg string) {
	if n <= 0 {
		s.setFault(command, fault{})
		return
	}
	s.setFault(command, fault{reply: newReply(code, msg), times: n})
}

// DropAt makes the server close the connection, without replying, when it
// gets command (a verb or Greeting), until ClearFaults. For "DATA" the
// whole message is read first; see DropAfterData.
func (s *Server) DropAt(command string) {
	s.setFault(command, fault{drop: true, times: -1})
}

// DropAfterData makes the server read each message up to and including
// the final dot (or BDAT LAST chunk), then close the connection without a
// reply, until ClearFaults. The message is not stored. A client must then
// report that the delivery status is unknown.
func (s *Server) DropAfterData() { s.DropAt("DATA") }

// RejectRecipient makes RCPT TO:<addr> (compared without regard to case)
// fail with code, the enhanced status code enhanced (may be empty) and msg,
// e.g. RejectRecipient("x@example.com", 550, "5.1.1", "No such user") or a
// 4xx code for a temporary failure. A 421 closes the connection.
func (s *Server) RejectRecipient(addr string, code int, enhanced, msg string) {
	text := msg
	if enhanced != "" {
		text = enhanced + " " + msg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[strings.ToLower(addr)] = newReply(code, text)
}

// Delay makes the server wait d before it handles command (a verb or
// Greeting), so its reply comes at least d late; for "DATA" it waits after
// the message is read, before the final reply. d <= 0 removes the delay.
// Closing the connection or the server ends the wait.
func (s *Server) Delay(command string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.delays, verbKey(command))
		return
	}
	s.delays[verbKey(command)] = d
}

// MaxRecipientsPerTransaction makes the server answer
// "452 4.5.3 Too many recipients" to each RCPT beyond the first n accepted
// in a transaction (RFC 5321 section 4.5.3.1.10). n <= 0 means no limit.
func (s *Server) MaxRecipientsPerTransaction(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxRcpt = n
}

// ClearFaults removes every fault, rejection, delay and recipient limit.
// Captured messages and counters are kept; see Reset.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
	clear(s.rejects)
	clear(s.delays)
	s.maxRcpt = 0
}

func (s *Server) setFault(command string, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !f.drop && f.times == 0 {
		delete(s.faults, verbKey(command))
		return
	}
	s.faults[verbKey(command)] = &f
}

// takeFault returns the fault for verb, if any, counting one use of it.
func (s *Server) takeFault(verb string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[verb]
	if !ok {
		return fault{}, false
	}
	if f.times > 0 {
		f.times--
		if f.times == 0 {
			delete(s.faults, verb)
		}
	}
	return *f, true
}

// rejection returns the reply RejectRecipient set for addr, if any.
func (s *Server) rejection(addr string) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rejects[strings.ToLower(addr)]
	return r, ok
}

// recipientLimit returns the MaxRecipientsPerTransaction value.
func (s *Server) recipientLimit() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxRcpt
}

// wait sleeps for the Delay set for verb. When cc or the server closes
// first it closes cc and returns false.
func (s *Server) wait(cc *clientConn, verb string) bool {
	s.mu.Lock()
	d := s.delays[verb]
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-cc.closed:
	case <-s.done:
		cc.close()
	}
	return false
}
