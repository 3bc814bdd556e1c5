//go:build linux

package application_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/integrations/smtp/adapters/mime"
	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// BenchmarkSendAttachment builds an email with a 1 MiB attachment and sends
// it with Client.Send through a real tcp.Transport to an in-process sink
// that advertises PIPELINING, 8BITMIME and SIZE.
//
// Connection setup is excluded: the client gets its session from
// onePool, which opens one session before the timer starts and lends it
// to every iteration ("pooled"); "per-connection" opens and closes one per
// message, for comparison.
//
// Besides ns/op and MB/s (of attachment content) it reports CPU time a
// message from getrusage: cpu-ms/op for the whole process, sink-cpu-ms/op
// for the sink (its connection goroutine is locked to one OS thread, whose
// CPU time RUSAGE_THREAD gives), and client-cpu-ms/op, the difference: the
// client's own cost including its kernel time for the socket writes.
//
//	go test -run '^$' -bench SendAttachment -benchtime 2000x ./application/
func BenchmarkSendAttachment(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i*131 + i>>8)
	}
	path := filepath.Join(b.TempDir(), "data.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	bytesEmail := func(tb testing.TB) *domain.Email {
		return mustBuild(tb, domain.NewEmail().AttachBytes("data.bin", "application/octet-stream", data))
	}
	fileEmail := func(tb testing.TB) *domain.Email {
		return mustBuild(tb, domain.NewEmail().AttachFile(path, "application/octet-stream"))
	}
	for _, bc := range []struct {
		name   string
		email  func(testing.TB) *domain.Email
		pooled bool
	}{
		{"bytes/pooled", bytesEmail, true},
		{"file/pooled", fileEmail, true},
		{"bytes/per-connection", bytesEmail, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			snk := startSink(b)
			cfg := tcp.Config{Host: snk.host, Port: snk.port, TLSMode: tcp.TLSNone}
			transport, err := tcp.New(cfg, tcp.Deps{})
			if err != nil {
				b.Fatal(err)
			}
			var opts []application.Option
			if bc.pooled {
				pool := &onePool{t: transport}
				if _, err := pool.Get(context.Background()); err != nil { // open before timing
					b.Fatal(err)
				}
				opts = append(opts, application.WithPool(pool))
			}
			client, err := application.New(transport, mime.New(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = client.Close(context.Background()) })

			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu0, sink0 := processCPU(), snk.cpu.Load()
			for b.Loop() {
				// Build is part of the cost measured: the brief is "build and send".
				e := bc.email(b)
				if _, err := client.Send(context.Background(), e); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(b.N)
			total, sink := float64(processCPU()-cpu0), float64(snk.cpu.Load()-sink0)
			b.ReportMetric(total/n/1e6, "cpu-ms/op")
			b.ReportMetric(sink/n/1e6, "sink-cpu-ms/op")
			b.ReportMetric((total-sink)/n/1e6, "client-cpu-ms/op")
			if got := snk.messages.Load(); got < int64(b.N) {
				b.Fatalf("the sink took %d messages, want at least %d", got, b.N)
			}
		})
	}
}

func mustBuild(tb testing.TB, b *domain.EmailBuilder) *domain.Email {
	e, err := b.From("ann@example.com").To("bob@example.org").Subject("The report").Text("Attached.").Build()
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// onePool is a ports.Pool of one session, opened on the first Get and lent
// to every caller in turn (the benchmark has one caller at a time).
type onePool struct {
	t  ports.Transport
	mu sync.Mutex
	s  ports.Session
}

func (p *onePool) Get(ctx context.Context) (ports.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s == nil {
		s, err := p.t.Open(ctx)
		if err != nil {
			return nil, err
		}
		p.s = s
	}
	return p.s, nil
}

func (p *onePool) Put(s ports.Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !s.Reusable() {
		_ = s.Close()
		p.s = nil
	}
}

func (p *onePool) Discard(s ports.Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = s.Close()
	if p.s == s {
		p.s = nil
	}
}

func (p *onePool) Status() domain.PoolStatus { return domain.PoolStatus{MaxSize: 1} }

func (p *onePool) Close(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s == nil {
		return nil
	}
	err := p.s.Close()
	p.s = nil
	return err
}

// sink is a minimal SMTP server: it answers every command at once, skips
// DATA content up to "\r\n.\r\n" without looking at it, and counts the CPU
// time of its connection threads.
type sink struct {
	host     string
	port     int
	cpu      atomic.Int64 // nanoseconds of CPU used by connection threads, added before each final reply
	messages atomic.Int64
}

func startSink(tb testing.TB) *sink {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = l.Close() })
	a := l.Addr().(*net.TCPAddr)
	s := &sink{host: a.IP.String(), port: a.Port}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *sink) serve(c net.Conn) {
	runtime.LockOSThread() // so that RUSAGE_THREAD measures this connection
	defer runtime.UnlockOSThread()
	defer c.Close()
	last := threadCPU()
	br, bw := bufio.NewReaderSize(c, 64<<10), bufio.NewWriter(c)
	_, _ = bw.WriteString("220 sink ESMTP\r\n")
	_ = bw.Flush()
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(string(line[:min(4, len(line))]))
		switch verb {
		case "EHLO":
			_, _ = bw.WriteString("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 52428800\r\n250 HELP\r\n")
		case "DATA":
			_, _ = bw.WriteString("354 go\r\n")
			_ = bw.Flush()
			if skipData(br) != nil {
				return
			}
			s.messages.Add(1)
			now := threadCPU()
			s.cpu.Add(now - last)
			last = now
			_, _ = bw.WriteString("250 2.0.0 Ok: queued as 4F2A\r\n")
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

var endOfData = []byte("\r\n.\r\n")

// skipData discards a DATA body and its terminator, whole buffers at a
// time; what follows the terminator stays in br.
func skipData(br *bufio.Reader) error {
	var prev [4]byte // the last octets seen, for a terminator split across reads
	copy(prev[2:], "\r\n")
	for {
		if _, err := br.Peek(1); err != nil {
			return err
		}
		p, _ := br.Peek(br.Buffered())
		var joined [8]byte
		j := append(append(joined[:0], prev[:]...), p[:min(len(p), 4)]...)
		if i := bytes.Index(j, endOfData); i >= 0 {
			_, err := br.Discard(i + len(endOfData) - len(prev))
			return err
		}
		if i := bytes.Index(p, endOfData); i >= 0 {
			_, err := br.Discard(i + len(endOfData))
			return err
		}
		if len(p) >= 4 {
			copy(prev[:], p[len(p)-4:])
		} else {
			copy(prev[:], j[len(j)-4:])
		}
		if _, err := br.Discard(len(p)); err != nil {
			return err
		}
	}
}

func processCPU() int64 { return rusage(syscall.RUSAGE_SELF) }

// threadCPU is the CPU time of the calling OS thread (RUSAGE_THREAD).
func threadCPU() int64 { return rusage(1) }

func rusage(who int) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
