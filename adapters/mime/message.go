package mime

import (
	"bufio"
	"io"
	"os"
	"strings"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

var _ ports.Message = (*message)(nil)

// message is a prepared message. It is not safe for concurrent use.
type message struct {
	id       string
	segs     []segment
	seg      [3]segment // room for segs, enough for a message without attachments
	sources  []*source
	size     int64 // -1 until known
	eightBit bool
}

// MessageID returns the Message-ID, without angle brackets.
func (m *message) MessageID() string { return m.id }

// EightBit reports whether the output holds octets above 127: 8bit text
// parts (EncodeOptions.Allow8Bit) or raw UTF-8 addresses
// (EncodeOptions.UTF8).
func (m *message) EightBit() bool { return m.eightBit }

// Size returns the exact number of octets WriteTo writes, computed when the
// message was prepared. A message with a one-shot reader attachment that
// has no Len method has an unknown size until it is written: Size then
// returns 0 (as ports.Envelope has it, "unknown") and no error; after a
// WriteTo it returns the size written.
func (m *message) Size() (int64, error) {
	if m.size < 0 {
		return 0, nil
	}
	return m.size, nil
}

// WriteTo writes the message to w and returns the octets written. Files
// are opened anew each time and streamed; a reader source can be written
// only once, and a second WriteTo fails before writing anything. Every
// line end of the output is CRLF, so when w is a ports.CRLFWriter (the
// DATA writer of adapters/tcp) everything goes through WriteCRLF. Errors
// of the content are *domain.Error of KindAttachment; errors of w are
// returned as they are.
func (m *message) WriteTo(w io.Writer) (int64, error) {
	for _, s := range m.sources {
		if s.typ == domain.SourceReader && s.used {
			return 0, newError(domain.KindAttachment, s.label+" comes from a reader that was already read; use a bytes or file source for messages written more than once")
		}
	}
	if len(m.sources) == 0 && !m.hasLF() {
		return m.writeStatic(w)
	}
	var files map[*source]*os.File // made for the first file source
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, s := range m.sources {
		if s.typ == domain.SourceFile {
			f, err := s.open()
			if err != nil {
				return 0, err
			}
			if files == nil {
				files = make(map[*source]*os.File)
			}
			files[s] = f
		}
	}

	ws := writeStates.Get().(*writeState)
	cw := &ws.cw
	cw.w, cw.n = w, 0
	cw.crlf, _ = w.(ports.CRLFWriter)
	ws.bw.Reset(cw)
	defer func() {
		ws.bw.Reset(nil)
		ws.cw = countingWriter{}
		writeStates.Put(ws)
	}()
	for _, seg := range m.segs {
		if seg.lf != "" {
			if err := writeCRLF(ws.bw, seg.lf); err != nil {
				return cw.n, err
			}
			continue
		}
		if seg.src == nil {
			if _, err := ws.bw.Write(seg.static); err != nil {
				return cw.n, err
			}
			continue
		}
		var f io.Reader
		if file, ok := files[seg.src]; ok {
			f = file
		}
		if _, err := ws.writeSource(seg.src, f); err != nil {
			return cw.n, err
		}
	}
	if err := ws.bw.Flush(); err != nil {
		return cw.n, err
	}
	if m.size < 0 {
		m.size = cw.n
	}
	return cw.n, nil
}

// hasLF reports whether a segment is text whose LFs are made CRLF while
// writing.
func (m *message) hasLF() bool {
	for _, s := range m.segs {
		if s.lf != "" {
			return true
		}
	}
	return false
}

// writeCRLF writes s, which holds no CR, to bw with every LF made CRLF.
func writeCRLF(bw *bufio.Writer, s string) error {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			_, err := bw.WriteString(s)
			return err
		}
		if _, err := bw.WriteString(s[:i]); err != nil {
			return err
		}
		if _, err := bw.WriteString("\r\n"); err != nil {
			return err
		}
		s = s[i+1:]
	}
}

// writeStatic is WriteTo for a message of fixed segments only (no
// attachment source), the usual small message: each segment goes to w as
// it is, without a copy into an intermediate buffer.
func (m *message) writeStatic(w io.Writer) (int64, error) {
	cw := countingWriter{w: w}
	cw.crlf, _ = w.(ports.CRLFWriter)
	for _, seg := range m.segs {
		if len(seg.static) == 0 {
			continue
		}
		if _, err := cw.Write(seg.static); err != nil {
			return cw.n, err
		}
	}
	if m.size < 0 {
		m.size = cw.n
	}
	return cw.n, nil
}

// countingWriter counts the octets that reach w. When w is a
// ports.CRLFWriter it writes through WriteCRLF: every line end of the
// output is CRLF (checkLines verified the fixed segments at Prepare, and
// base64 lines are made so), whatever the points where the buffer in front
// of it splits the output.
type countingWriter struct {
	w    io.Writer
	crlf ports.CRLFWriter // w, when it is one
	n    int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	var n int
	var err error
	if c.crlf != nil {
		n, err = c.crlf.WriteCRLF(p)
	} else {
		n, err = c.w.Write(p)
	}
	c.n += int64(n)
	return n, err
}
