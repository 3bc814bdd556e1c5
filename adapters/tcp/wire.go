package tcp

import (
	"bufio"
	"context"
	"net"
	"sync"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const writeBufferSize = 16 << 10

// aLongTimeAgo is a deadline in the past: setting it unblocks pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// wire is the buffered connection of a session. It sets a deadline before
// each reply and each network write, lets a context cancel pending I/O, and
// feeds the transcript. It is used by one goroutine at a time; only the
// cancellation callback runs concurrently, under mu.
type wire struct {
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	tr      ports.Transcript
	scrub   *domain.Scrubber // scrubs received lines once credentials are known; nil before
	ioCap   time.Duration    // Config.IOTimeout: cap for one reply or write; 0 means none
	wto     time.Duration    // timeout of the next network write
	written int64            // octets handed to the connection so far

	mu     sync.Mutex
	ctxErr error // the error of the watched context once it ended
	// rdl is the read deadline of the reply being read; rdlSet says
	// whether the connection has it. It is set before the first network
	// read of the reply, not before a reply that is already buffered.
	rdl    time.Time
	rdlSet bool
}

func newWire(conn net.Conn, tr ports.Transcript, ioCap time.Duration) *wire {
	w := &wire{conn: conn, tr: tr, ioCap: ioCap}
	w.r = bufio.NewReaderSize(deadlineReader{w}, maxLineLength)
	w.w = bufio.NewWriterSize(deadlineWriter{w}, writeBufferSize)
	return w
}

// watch makes the end of ctx unblock every pending read and write. The
// returned function stops watching; when ctx ended after the last I/O, it
// clears the cancellation so that the next operation, with another context,
// is not refused.
func (w *wire) watch(ctx context.Context) func() {
	if ctx.Done() == nil {
		return func() {}
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.ctxErr = ctx.Err()
		_ = w.conn.SetDeadline(aLongTimeAgo)
	})
	return func() {
		if stop() {
			return
		}
		<-done
		w.mu.Lock()
		w.ctxErr = nil
		w.mu.Unlock()
	}
}

// cancelled returns the error of the watched context once it ended.
func (w *wire) cancelled() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ctxErr
}

// fail classifies err from an operation op; a cancellation wins over the
// deadline error it caused.
func (w *wire) fail(op string, write bool, err error) error {
	if cerr := w.cancelled(); cerr != nil {
		return ctxError(op, cerr)
	}
	return ioError(op, write, err)
}

func (w *wire) deadline(d time.Duration) time.Time {
	if w.ioCap > 0 && w.ioCap < d {
		d = w.ioCap
	}
	return time.Now().Add(d)
}

// setDeadline sets the read and write deadlines d from now, for I/O that
// does not go through the buffers (the TLS handshake), unless the watched
// context has ended. The next reply sets its own read deadline again.
func (w *wire) setDeadline(d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctxErr != nil {
		return w.ctxErr
	}
	w.rdlSet = false
	return w.conn.SetDeadline(w.deadline(d))
}

// expect starts a reply that must be read within d from now (see rdl),
// unless the watched context has ended.
func (w *wire) expect(d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctxErr != nil {
		return w.ctxErr
	}
	w.rdl, w.rdlSet = w.deadline(d), false
	return nil
}

// swap replaces the connection after a TLS handshake; the reader must be
// empty.
func (w *wire) swap(conn net.Conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn = conn
	w.rdlSet = false
	w.r.Reset(deadlineReader{w})
}

// command buffers line and its CRLF; shown is what the transcript gets.
func (w *wire) command(line, shown string) error {
	if w.tr != nil {
		w.tr.Line(true, shown)
	}
	if _, err := w.w.WriteString(line); err != nil {
		return err
	}
	_, err := w.w.WriteString("\r\n")
	return err
}

// flush sends everything buffered, each network write bounded by timeout.
func (w *wire) flush(timeout time.Duration) error {
	w.wto = timeout
	return w.w.Flush()
}

// reply reads one reply within timeout (a deadline for the whole reply).
func (w *wire) reply(op string, timeout time.Duration) (*smtpReply, error) {
	_, r, err := w.ack(op, timeout, terseNone)
	return r, err
}

// ack reads one reply as reply does; t lets a positive one-line reply come
// back as its code alone (see readAck).
func (w *wire) ack(op string, timeout time.Duration, t terse) (int, *smtpReply, error) {
	if err := w.expect(timeout); err != nil {
		return 0, nil, w.fail(op, false, err)
	}
	var seen func(string)
	if w.tr != nil {
		seen = w.received
	}
	code, r, err := readAck(w.r, seen, t)
	if err != nil {
		return 0, nil, w.fail(op, false, err)
	}
	return code, r, nil
}

func (w *wire) received(line string) {
	w.tr.Line(false, w.scrub.Scrub(line))
}

// deadlineReader sets the read deadline of the reply being read before the
// first network read of that reply, so a stalled peer fails the read after
// the stage's timeout; a reply that is already buffered costs no deadline.
type deadlineReader struct{ w *wire }

func (d deadlineReader) Read(p []byte) (int, error) {
	w := d.w
	w.mu.Lock()
	if err := w.ctxErr; err != nil {
		w.mu.Unlock()
		return 0, err
	}
	if !w.rdlSet {
		if err := w.conn.SetReadDeadline(w.rdl); err != nil {
			w.mu.Unlock()
			return 0, err
		}
		w.rdlSet = true
	}
	conn := w.conn
	w.mu.Unlock()
	return conn.Read(p)
}

// deadlineWriter sets the write deadline before every network write, so a
// stalled peer fails the write after the stage's timeout.
type deadlineWriter struct{ w *wire }

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.w.mu.Lock()
	if err := d.w.ctxErr; err != nil {
		d.w.mu.Unlock()
		return 0, err
	}
	err := d.w.conn.SetWriteDeadline(d.w.deadline(d.w.wto))
	conn := d.w.conn
	d.w.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := conn.Write(p)
	d.w.written += int64(n)
	return n, err
}

// hasControl reports whether s holds a CR, an LF or a NUL, which would let
// an argument end a command line early.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 {
			return true
		}
	}
	return false
}
