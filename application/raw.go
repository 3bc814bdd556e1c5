package application

import (
	"context"
	"io"
	"strconv"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// SendRaw sends a prebuilt RFC 5322 message held in memory with the given
// envelope, under the same rate limit, breaker and retries as Send
// (interceptors, which work on *domain.Email, are not applied). Every Bcc
// field is removed from the header section, as sendmail -t does; a line
// over 998 octets or a NUL octet is refused before anything is sent; the
// session normalises line ends to CRLF and dot-stuffs the data. data must
// not change until SendRaw returns: it is checked once, and every attempt
// sends it as checked. The client's size limit (Limits.MaxMessageSize)
// applies to the octets of data without its Bcc fields; the size declared
// to a server with SIZE is the session's measure of what it sends. It is a
// convenience over SendRawReader. Errors are *domain.Error.
func (c *Client) SendRaw(ctx context.Context, from domain.Address, to []domain.Address, data []byte) (*domain.SendResult, error) {
	const op = "send raw"
	if err := c.enter(op); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	ctx, span := c.startRaw(ctx, from, to)
	res, err := c.sendRawBytes(ctx, span.call, from, to, data)
	c.endSend(span, res, err)
	return res, err
}

func (c *Client) sendRawBytes(ctx context.Context, cl *call, from domain.Address, to []domain.Address, data []byte) (*domain.SendResult, error) {
	const op = "send raw"
	if err := c.checkRawEnvelope(op, from, to); err != nil {
		return nil, err
	}
	rb, err := newRawBodyBytes(data)
	if err != nil {
		return nil, err
	}
	// One pass over memory (about 0.2 ms for a megabyte) refuses bad input
	// before any byte reaches the network, and gives the 8-bit flag to
	// declare and the octets to hold against the client's size limit; the
	// sends then skip the checks.
	if err := rb.check(); err != nil {
		return nil, err
	}
	size, _ := rb.Size()
	if err := c.checkSize(size); err != nil {
		return nil, err
	}
	return c.sendRaw(ctx, cl, from, to, rb, true)
}

// SendRawReader sends a prebuilt RFC 5322 message read from r (a file, a
// pipe) in bounded memory, whatever its size, as SendRaw does: the Bcc
// strip and the 998-octet line check happen in passes over buffers.
//
// It is meant for large prebuilt messages: the client's size limit
// (Limits.MaxMessageSize, at most 25 MiB) does not apply; the server's SIZE
// does. When r is an io.Seeker (a file), a first pass checks the message
// before anything is sent, so that bad input is refused before the
// network, and the session measures it (by its own line-end rules) to
// declare its exact size to a server with SIZE, refusing one over the
// server's limit before MAIL. A message of less than 2 MiB from r's offset
// to its end is read once, into a buffer the client reuses, and sent from
// there as SendRaw sends; a larger one is read again from its offset, and
// checked again, for the session's measure, the send, a retry or a
// recipient list the server splits, through a buffer of 256 KiB. Otherwise
// (a pipe) the only pass is the one that writes to the server: no SIZE is
// declared, BODY=8BITMIME is declared whenever the server offers it, a bad
// line found half-way aborts the transaction without its final dot
// (nothing is delivered; the connection is dropped) with a *domain.Error
// of KindInvalidInput, and a failure that would need a second write is
// returned as it is. SendResult.Size is the octets sent. r is not read
// after SendRawReader returns. Errors are *domain.Error.
func (c *Client) SendRawReader(ctx context.Context, from domain.Address, to []domain.Address, r io.Reader) (*domain.SendResult, error) {
	const op = "send raw"
	if err := c.enter(op); err != nil {
		return nil, err
	}
	defer c.wg.Done()
	ctx, span := c.startRaw(ctx, from, to)
	res, err := c.sendRawReader(ctx, span.call, from, to, r)
	c.endSend(span, res, err)
	return res, err
}

func (c *Client) sendRawReader(ctx context.Context, cl *call, from domain.Address, to []domain.Address, r io.Reader) (*domain.SendResult, error) {
	const op = "send raw"
	if err := c.checkRawEnvelope(op, from, to); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, domain.NewError(domain.KindInvalidInput, op, "nil reader")
	}
	rb, err := newRawBody(r)
	if err != nil {
		return nil, err
	}
	defer rb.release()
	if !rb.rewritable() {
		return c.sendRaw(ctx, cl, from, to, rb, false)
	}
	// A file can be read twice, or was read whole: a first pass refuses bad
	// input before anything reaches the network and learns the 8-bit flag.
	if err := rb.check(); err != nil {
		return nil, err
	}
	return c.sendRaw(ctx, cl, from, to, rb, true)
}

// checkRawEnvelope refuses an incomplete envelope or one over the recipient
// limit.
func (c *Client) checkRawEnvelope(op string, from domain.Address, to []domain.Address) error {
	if from.IsZero() {
		return domain.NewError(domain.KindInvalidFromAddress, op, "envelope sender is required")
	}
	if len(to) == 0 {
		return domain.NewError(domain.KindInvalidRecipientAddress, op, "at least one recipient is required")
	}
	if n := len(to); n > c.o.limits.MaxRecipients {
		return domain.NewError(domain.KindInvalidInput, op, strconv.Itoa(n)+" recipients; the limit is "+strconv.Itoa(c.o.limits.MaxRecipients)+" a message")
	}
	return nil
}

// sendRaw sends rb under the policies; checked says that rb passed check,
// so that its 8-bit flag is known and it can be written again. The session
// measures a rewritable message for SIZE when the server has SIZE
// (Envelope.Measure), by its own line-end rules, and declares BODY=8BITMIME
// for one nobody scanned when the server offers it (Envelope.Unscanned).
func (c *Client) sendRaw(ctx context.Context, cl *call, from domain.Address, to []domain.Address, rb *rawBody, checked bool) (*domain.SendResult, error) {
	if checked {
		size, _ := rb.Size()
		cl.note(size)
	}
	if err := c.admit(ctx); err != nil {
		return nil, err
	}
	var prev error
	return c.run(ctx, func(ctx context.Context) (*domain.SendResult, error) {
		if prev != nil && !rb.replayable() { // a stream cannot be read twice
			return nil, &finalError{prev}
		}
		start := c.o.now()
		s, err := c.acquire(ctx, cl)
		if err != nil {
			prev = err
			return nil, err
		}
		env := ports.Envelope{From: from, To: to, EightBit: rb.EightBit(), Unscanned: !checked, Measure: checked}
		tx, err := s.Send(ctx, env, rb)
		c.release(ctx, cl, s, err)
		written, _ := rb.Size()
		res, err := c.outcome(rb.MessageID(), env, tx, err, start, written)
		prev = err
		return res, err
	})
}

// finalError marks an error that must not be retried, whatever its kind.
type finalError struct{ err error }

func (f *finalError) Error() string { return f.err.Error() }
func (f *finalError) Unwrap() error { return f.err }
