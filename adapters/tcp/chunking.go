package tcp

import (
	"io"
	"strconv"

	"github.com/integrations/smtp/domain"
)

const (
	chunkSize  = 64 << 10 // octets of one BDAT chunk
	bdatWindow = 8        // BDAT replies that may be outstanding with PIPELINING
)

// bdat sends the body in BDAT chunks (RFC 3030) of exact octet counts, line
// ends normalised to CRLF and no dot-stuffing, the last one "BDAT n LAST",
// and reads the verdict. Without PIPELINING every chunk waits for its reply;
// with it up to bdatWindow replies are outstanding. Unlike DATA, a body that
// fails half-way is abandoned cleanly with RSET.
func (s *Session) bdat(body io.WriterTo, pipelined bool) (*smtpReply, error) {
	if s.chunk == nil {
		s.chunk = make([]byte, 0, chunkSize)
	}
	c := &chunker{s: s, buf: s.chunk[:0], window: 1}
	if pipelined {
		c.window = bdatWindow
	}
	bw := newBodyWriter(c, false)
	_, err := body.WriteTo(bw)
	s.bodySize = bw.size()
	if err != nil || c.err != nil {
		c.abort()
		if c.err != nil {
			return nil, c.err
		}
		return nil, bodyError(err)
	}
	if err := c.send(true); err != nil {
		return nil, err
	}
	var failed error
	for c.pending > 1 {
		r, err := s.reply(stageData, s.cfg.Timeouts.DataBlock)
		c.pending--
		if err != nil {
			if failed != nil {
				return nil, failed
			}
			if domain.KindOf(err) == domain.KindServerShutdown {
				return nil, err
			}
			return nil, deliveryUnknown(err)
		}
		if !r.Positive() && failed == nil {
			failed = replyError(stageData, r)
		}
	}
	r, err := s.verdict(stageBody)
	if failed != nil {
		s.rset()
		return nil, failed
	}
	if err != nil && domain.KindOf(err) != domain.KindDeliveryUnknown {
		s.rset()
	}
	return r, err
}

// chunker cuts the normalised body into BDAT chunks.
type chunker struct {
	s       *Session
	buf     []byte
	window  int
	pending int   // BDAT commands whose reply is unread
	err     error // the first failure, a *domain.Error; sticky
}

// Write fills the chunk buffer and sends every full chunk.
func (c *chunker) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := 0
	for len(p) > 0 {
		k := copy(c.buf[len(c.buf):cap(c.buf)], p)
		c.buf = c.buf[:len(c.buf)+k]
		p = p[k:]
		n += k
		if len(c.buf) == cap(c.buf) {
			if err := c.send(false); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// send writes the buffered chunk; then, while too many replies are
// outstanding, reads one.
func (c *chunker) send(last bool) error {
	s := c.s
	op := string(stageData)
	timeout := s.cfg.Timeouts.DataBlock
	line := "BDAT " + strconv.Itoa(len(c.buf))
	if last {
		line += " LAST"
	}
	s.w.wto = timeout
	if err := s.write(op, line, line); err != nil {
		c.err = err
		return err
	}
	if _, err := s.w.w.Write(c.buf); err != nil {
		s.broken = true
		c.err = s.w.fail(op, true, err)
		return c.err
	}
	if err := s.flush(op, timeout); err != nil {
		c.err = err
		return err
	}
	c.pending++
	c.buf = c.buf[:0]
	for !last && c.pending >= c.window {
		r, err := s.reply(stageData, timeout)
		c.pending--
		if err != nil {
			c.err = err
			return err
		}
		if !r.Positive() {
			c.err = replyError(stageData, r)
			return c.err
		}
	}
	return nil
}

// abort reads the outstanding replies and resets the transaction.
func (c *chunker) abort() {
	for ; c.pending > 0 && !c.s.broken; c.pending-- {
		if _, err := c.s.reply(stageData, c.s.cfg.Timeouts.DataBlock); err != nil {
			return
		}
	}
	c.s.rset()
}
