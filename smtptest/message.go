package smtptest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// ErrClosed is returned by WaitForMessages when the server is closed before
// enough messages arrive.
var ErrClosed = errors.New("smtptest: server closed")

// Message is one message the server accepted (a 250 final reply).
type Message struct {
	From         string    // reverse path from MAIL FROM, "" for <>
	To           []string  // accepted forward paths, in order
	Data         []byte    // the content as received, after dot-unstuffing, CRLF intact, without the final ".\r\n"
	Size         int64     // the SIZE= parameter of MAIL, 0 if absent
	Body8BitMIME bool      // MAIL had BODY=8BITMIME
	SMTPUTF8     bool      // MAIL had the SMTPUTF8 parameter
	Chunked      bool      // the content came in BDAT chunks (RFC 3030)
	Auth         string    // the authenticated user, "" if none
	TLS          bool      // the connection used TLS when the content arrived
	Helo         string    // the argument of the last EHLO or HELO
	Conn         int       // the connection number, 1 for the first accepted
	ReceivedAt   time.Time // when the content was complete
}

// clone returns a deep copy of m.
func (m Message) clone() Message {
	m.To = slices.Clone(m.To)
	m.Data = slices.Clone(m.Data)
	return m
}

// Command is one command line a client sent, as the server read it, SASL
// responses and message content excluded.
type Command struct {
	Conn int    // the connection number, 1 for the first accepted
	Line string // the line without its CRLF, e.g. "MAIL FROM:<a@example.com> SIZE=12"
	TLS  bool   // the line arrived over TLS
}

// Verb returns the first word of the line in upper case, e.g. "MAIL".
func (c Command) Verb() string { return verbOf(c.Line) }

// verbOf returns the upper-cased first word of a command line.
func verbOf(line string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	return strings.ToUpper(verb)
}

// Messages returns a copy of the messages accepted so far, oldest first.
// It is safe for concurrent use.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked()
}

func (s *Server) messagesLocked() []Message {
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// WaitForMessages blocks until at least n messages have been accepted and
// returns them all. If ctx ends first it returns the messages so far with
// ctx.Err(); if the server closes first, with ErrClosed.
func (s *Server) WaitForMessages(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		msgs, changed := s.messagesLocked(), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return msgs, ctx.Err()
		case <-s.done:
			return s.Messages(), ErrClosed
		}
	}
}

// Commands returns a copy of the command lines received so far, in the
// order the server read them. It is safe for concurrent use.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// Verbs returns the verbs of Commands, e.g. ["EHLO" "MAIL" "RCPT" "DATA" "QUIT"].
func (s *Server) Verbs() []string {
	cmds := s.Commands()
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.Verb()
	}
	return out
}

// Connections returns how many TCP connections the server has accepted.
// A STARTTLS upgrade does not count as a new connection.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Reset forgets the captured messages and commands and sets the connection
// counter to zero; connection numbers start again at 1. Faults stay; see
// ClearFaults.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
	s.commands = nil
	s.conns = 0
}

// addMessage stores m and wakes WaitForMessages.
func (s *Server) addMessage(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

// addCommand records a command line.
func (s *Server) addCommand(c Command) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = append(s.commands, c)
}
