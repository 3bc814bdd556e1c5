package tcp

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// realisticBody is size octets of text in CRLF lines of about 76
// characters, one line in 200 starting with a dot.
func realisticBody(size int) []byte {
	words := strings.Fields("the quick brown fox jumps over a lazy dog while seven wizards quietly hex jolly " +
		"boxing kangaroos near Zürich invoice payment schedule attached regards meeting tomorrow")
	var b strings.Builder
	line, n := 0, 0
	for b.Len() < size {
		if line%200 == 199 {
			b.WriteString(".")
		}
		width := 0
		for width < 70 {
			w := words[n%len(words)]
			n++
			b.WriteString(w)
			b.WriteByte(' ')
			width += len(w) + 1
		}
		b.WriteString("\r\n")
		line++
	}
	return []byte(b.String()[:size])
}

func BenchmarkBodyWriter(b *testing.B) {
	msg := realisticBody(1 << 20)
	lines := bytes.SplitAfter(msg, crlf) // as an encoder writes: a line at a time
	sink := bufio.NewWriterSize(io.Discard, writeBufferSize)
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			w := newBodyWriter(sink, true)
			_, _ = w.Write(msg)
			_ = w.terminate()
			_ = sink.Flush()
		}
	})
	b.Run("ours/line-writes", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			w := newBodyWriter(sink, true)
			for _, l := range lines {
				_, _ = w.Write(l)
			}
			_ = w.terminate()
			_ = sink.Flush()
		}
	})
	b.Run("textproto", func(b *testing.B) {
		tw := textproto.NewWriter(sink)
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			d := tw.DotWriter()
			_, _ = d.Write(msg)
			_ = d.Close()
		}
	})
	b.Run("textproto/line-writes", func(b *testing.B) {
		tw := textproto.NewWriter(sink)
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			d := tw.DotWriter()
			for _, l := range lines {
				_, _ = d.Write(l)
			}
			_ = d.Close()
		}
	})
}

// autoServer is a loopback SMTP server that answers every command at once
// and advertises exts. It flushes its replies only when it has read every
// command the client sent, as a pipelining server does.
func autoServer(tb testing.TB, exts ...string) (host string, port int) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveAuto(c, exts)
		}
	}()
	a := l.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func serveAuto(c net.Conn, exts []string) {
	defer c.Close()
	br, bw := bufio.NewReaderSize(c, 64<<10), bufio.NewWriterSize(c, 16<<10)
	_, _ = bw.WriteString("220 auto ESMTP\r\n")
	_ = bw.Flush()
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		var verb [4]byte // upper case, without allocating: the client's own figures stay clean
		for i := range min(len(line), 4) {
			verb[i] = line[i] &^ 0x20
		}
		switch string(verb[:]) {
		case "EHLO":
			_, _ = bw.WriteString("250-auto\r\n")
			for _, e := range exts {
				_, _ = bw.WriteString("250-" + e + "\r\n")
			}
			_, _ = bw.WriteString("250 HELP\r\n")
		case "DATA":
			_, _ = bw.WriteString("354 go\r\n")
			_ = bw.Flush()
			for {
				l, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if string(l) == ".\r\n" {
					break
				}
			}
			_, _ = bw.WriteString("250 2.0.0 queued\r\n")
		case "BDAT":
			n := 0
			for _, ch := range bytes.TrimSpace(line[min(5, len(line)):]) {
				if ch < '0' || ch > '9' {
					break
				}
				n = n*10 + int(ch-'0')
			}
			if _, err := br.Discard(n); err != nil {
				return
			}
			_, _ = bw.WriteString("250 2.0.0 ok\r\n")
		case "QUIT":
			_, _ = bw.WriteString("221 bye\r\n")
			_ = bw.Flush()
			return
		default:
			_, _ = bw.WriteString("250 ok\r\n")
		}
		if br.Buffered() == 0 {
			_ = bw.Flush()
		}
	}
}

// sendModes are the session modes the send benchmarks compare.
var sendModes = []struct {
	name string
	exts []string
	cfg  func(*Config)
}{
	{"pipelining", []string{"PIPELINING", "8BITMIME"}, nil},
	{"lock-step", []string{"8BITMIME"}, nil},
	{"bdat-pipelining", []string{"PIPELINING", "CHUNKING"}, func(c *Config) { c.EnableChunking = true }},
}

// benchSession opens a session to a fresh autoServer in mode m.
func benchSession(b *testing.B, exts []string, tune func(*Config)) *Session {
	b.Helper()
	cfg := testConfig()
	cfg.Host, cfg.Port = autoServer(b, exts...)
	if tune != nil {
		tune(&cfg)
	}
	tr, err := New(cfg, Deps{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := tr.Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s.(*Session)
}

// BenchmarkSendPipelined sends one 1 KB message per Send.
func BenchmarkSendPipelined(b *testing.B) {
	msg := body(string(realisticBody(1024)))
	e := env("a@example.org", "b@example.net", "c@example.net")
	for _, bc := range sendModes {
		b.Run(bc.name, func(b *testing.B) {
			s := benchSession(b, bc.exts, bc.cfg)
			b.SetBytes(1024)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Send(context.Background(), e, msg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}

// BenchmarkSendMany sends runs of 100 messages of 1 KB, the same envelope
// as BenchmarkSendPipelined, with one SendMany each: with PIPELINING each
// message's dot carries the next message's commands, one round trip a
// message instead of two. ns/op is per run of 100.
func BenchmarkSendMany(b *testing.B) {
	const run = 100
	msg := body(string(realisticBody(1024)))
	txs := make([]ports.Transaction, run)
	for i := range txs {
		txs[i] = ports.Transaction{Envelope: env("a@example.org", "b@example.net", "c@example.net"), Body: msg}
	}
	for _, bc := range sendModes {
		b.Run(bc.name, func(b *testing.B) {
			s := benchSession(b, bc.exts, bc.cfg)
			b.SetBytes(run * 1024)
			b.ReportAllocs()
			for b.Loop() {
				for _, o := range s.SendMany(context.Background(), txs) {
					if o.Err != nil {
						b.Fatal(o.Err)
					}
				}
			}
			b.ReportMetric(float64(b.N*run)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}

// BenchmarkSendManyTx is BenchmarkSendMany with one op a transaction and
// one recipient, as the client's pooled benchmarks send them (1 KB
// bodies written through WriteCRLF, as the MIME encoder does): ns/op,
// B/op and allocs/op are a message's. The loopback server allocates
// nothing per message, so the allocations are the client's.
func BenchmarkSendManyTx(b *testing.B) {
	const run = 100
	msg := &crlfBody{data: realisticBody(1024)}
	for _, bc := range sendModes {
		b.Run(bc.name, func(b *testing.B) {
			s := benchSession(b, bc.exts, bc.cfg)
			txs := make([]ports.Transaction, run)
			for i := range txs {
				txs[i] = ports.Transaction{Envelope: env("a@example.org", "b@example.net"), Body: msg}
				txs[i].Envelope.Size = 1024
			}
			b.SetBytes(1024)
			b.ReportAllocs()
			for left := b.N; left > 0; left -= run {
				for _, o := range s.SendMany(context.Background(), txs[:min(run, left)]) {
					if o.Err != nil {
						b.Fatal(o.Err)
					}
				}
			}
		})
	}
}

// crlfBody writes data, whose line ends are CRLF, through WriteCRLF when
// it can.
type crlfBody struct{ data []byte }

func (c *crlfBody) WriteTo(w io.Writer) (int64, error) {
	var n int
	var err error
	if cw, ok := w.(ports.CRLFWriter); ok {
		n, err = cw.WriteCRLF(c.data)
	} else {
		n, err = w.Write(c.data)
	}
	return int64(n), err
}

// TestAutoServerContract runs a session against the loopback server over
// real TCP, in every mode the benchmark uses.
func TestAutoServerContract(t *testing.T) {
	for _, exts := range [][]string{{"PIPELINING"}, nil, {"CHUNKING", "PIPELINING"}, {"CHUNKING"}} {
		t.Run(strings.Join(exts, "+"), func(t *testing.T) {
			cfg := testConfig()
			cfg.EnableChunking = true
			cfg.Host, cfg.Port = autoServer(t, exts...)
			tr, err := New(cfg, Deps{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := tr.Open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			big := body(string(realisticBody(3*chunkSize + 17)))
			for range 3 {
				res, err := s.Send(context.Background(), env("a@example.org", "b@example.net", "c@example.net"), big)
				if err != nil || len(res.Accepted) != 2 {
					t.Fatalf("Send = %+v, %v", res, err)
				}
			}
			if err := s.Noop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPipelinedGroupLargerThanTheBuffer sends so many recipients that the
// command group leaves in several network writes.
func TestPipelinedGroupLargerThanTheBuffer(t *testing.T) {
	cfg := testConfig()
	cfg.Host, cfg.Port = autoServer(t, "PIPELINING")
	tr, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tr.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := env("a@example.org")
	for i := range 1000 {
		e.To = append(e.To, domain.MustParseAddress("user"+strconv.Itoa(i)+"@example.net"))
	}
	res, err := s.Send(context.Background(), e, body("hi"))
	if err != nil || len(res.Accepted) != 1000 {
		t.Fatalf("Send: %v", err)
	}
}
