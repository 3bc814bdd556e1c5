package tcp

import (
	"strconv"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// envelope is a validated transaction, its command lines ready to send.
type envelope struct {
	mail  string
	rcpts []recipient
	one   [1]recipient // rcpts, for the usual single recipient
}

// recipient is one RCPT with its command line.
type recipient struct {
	addr domain.Address
	line string
}

// planInto checks env against the server's capabilities and builds the command
// lines, so that bad input fails before a byte is written:
//
//   - no recipient, a zero recipient, a negative size, or CR, LF or NUL in a
//     command: KindInvalidInput, KindInvalidRecipientAddress or
//     KindInvalidFromAddress;
//   - a size above the server's SIZE limit: KindMessageTooLarge;
//   - 8-bit data without 8BITMIME, or a non-ASCII local part without
//     SMTPUTF8: KindCapabilityMismatch.
//
// SIZE is declared when the server has it and the size is known (see
// Session.measured), BODY=8BITMIME for 8-bit data and for a body nobody
// scanned (Envelope.Unscanned) when the server offers it.
//
// Addresses go in their Unicode form with the SMTPUTF8 parameter when a
// local part needs it, and otherwise with punycode domains, which every
// server takes.
//
// The envelope is built in e, which the caller allocates (SendMany, all of
// its transactions' at once).
func (s *Session) planInto(e *envelope, env ports.Envelope) error {
	caps := &s.caps
	switch {
	case len(env.To) == 0:
		return domain.NewError(domain.KindInvalidInput, "mail", "no recipients")
	case env.Size < 0:
		return domain.NewError(domain.KindInvalidInput, "mail", "negative message size")
	case caps.MaxSize > 0 && env.Size > caps.MaxSize:
		return domain.NewError(domain.KindMessageTooLarge, "mail", "message of "+strconv.FormatInt(env.Size, 10)+
			" octets is over the server's limit of "+strconv.FormatInt(caps.MaxSize, 10))
	case env.EightBit && !caps.EightBitMIME:
		return domain.NewError(domain.KindCapabilityMismatch, "mail", "message has 8-bit data and the server does not offer 8BITMIME")
	}
	utf8 := env.From.NeedsSMTPUTF8()
	for i, to := range env.To {
		if to.IsZero() {
			return domain.NewError(domain.KindInvalidRecipientAddress, "rcpt", "recipient "+strconv.Itoa(i+1)+" is empty")
		}
		utf8 = utf8 || to.NeedsSMTPUTF8()
	}
	if utf8 && !caps.SMTPUTF8 {
		return domain.NewError(domain.KindCapabilityMismatch, "mail", "an address has a non-ASCII local part and the server does not offer SMTPUTF8")
	}
	// Every command line is a piece of one string, built in one buffer.
	ascii := !utf8
	n := len("MAIL FROM: SIZE=18446744073709551615 BODY=8BITMIME SMTPUTF8") + envelopeLen(env.From, ascii)
	for _, to := range env.To {
		n += len("RCPT TO:") + envelopeLen(to, ascii)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("MAIL FROM:")
	writeEnvelope(&b, env.From, ascii)
	if hasControl(b.String()[len("MAIL FROM:"):]) {
		return domain.NewError(domain.KindInvalidFromAddress, "mail", "sender holds CR, LF or NUL")
	}
	if caps.Size && env.Size > 0 {
		b.WriteString(" SIZE=")
		var digits [20]byte
		b.Write(strconv.AppendInt(digits[:0], env.Size, 10))
	}
	if env.EightBit || env.Unscanned && caps.EightBitMIME {
		b.WriteString(" BODY=8BITMIME")
	}
	if utf8 {
		b.WriteString(" SMTPUTF8")
	}
	e.mail = b.String()
	if len(env.To) == 1 {
		e.rcpts = e.one[:]
	} else {
		e.rcpts = make([]recipient, len(env.To))
	}
	for i, to := range env.To {
		start := b.Len()
		b.WriteString("RCPT TO:")
		writeEnvelope(&b, to, ascii)
		line := b.String()[start:]
		if hasControl(line) {
			return domain.NewError(domain.KindInvalidRecipientAddress, "rcpt", "recipient "+strconv.Itoa(i+1)+" holds CR, LF or NUL")
		}
		e.rcpts[i] = recipient{addr: to, line: line}
	}
	return nil
}

// writeEnvelope writes a as an SMTP path, "<local@domain>" ("<>" for the
// zero address), the domain in punycode when ascii is set, without making
// a string of it.
func writeEnvelope(b *strings.Builder, a domain.Address, ascii bool) {
	if a.IsZero() {
		b.WriteString("<>")
		return
	}
	dom := a.Domain()
	if ascii {
		dom = a.ASCIIDomain()
	}
	b.WriteByte('<')
	b.WriteString(a.LocalPart())
	b.WriteByte('@')
	b.WriteString(dom)
	b.WriteByte('>')
}

// envelopeLen returns the length of what writeEnvelope writes.
func envelopeLen(a domain.Address, ascii bool) int {
	if a.IsZero() {
		return 2
	}
	if ascii {
		return len(a.LocalPart()) + len(a.ASCIIDomain()) + 3
	}
	return len(a.LocalPart()) + len(a.Domain()) + 3
}
