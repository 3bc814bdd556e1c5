package tcp

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
)

func TestServerShutdownMidTransaction(t *testing.T) {
	tests := []struct {
		name   string
		caps   []string
		script string
	}{
		{"421 to MAIL", nil, `
			C: MAIL FROM:<a@example.org>
			S: 421 4.3.2 shutting down`},
		{"421 to RCPT, pipelined", []string{"PIPELINING"}, `
			C: MAIL FROM:<a@example.org>
			C| RCPT TO:<b@example.net>
			C| DATA
			S: 250 ok
			S: 421 4.3.2 shutting down`},
		{"421 after the dot", nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: x
			C: .
			S: 421 4.3.2 shutting down`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := mustOpen(t, testConfig(), Deps{}, ehlo(tt.caps...)+tt.script)
			_, err := send(t, s, env("a@example.org", "b@example.net"), body("x"))
			wantKind(t, err, domain.KindServerShutdown)
			if !domain.IsTemporary(err) || s.Reusable() {
				t.Errorf("retryable = %v, reusable = %v", domain.IsTemporary(err), s.Reusable())
			}
			if _, err := send(t, s, env("a@example.org", "b@example.net"), body("x")); domain.KindOf(err) != domain.KindConnectionUnhealthy {
				t.Errorf("Send on a shut-down session: %v", err)
			}
			_ = s.Close() // no QUIT to a server that said goodbye
			f.wait(t)
		})
	}
}

func TestConnectionLostAfterTheDot(t *testing.T) {
	tests := []struct {
		name   string
		caps   []string
		cfg    func(*Config)
		script string
	}{
		{"DATA: closed", nil, nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: x
			C: .
			!close`},
		{"DATA: half a reply", nil, nil, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: x
			C: .
			!raw "250 o"
			!close`},
		{"DATA: no reply in time", nil, func(c *Config) { c.Timeouts.DataTerm = time.Millisecond }, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: x
			C: .
			!stall`},
		{"BDAT LAST: closed", []string{"CHUNKING"}, func(c *Config) { c.EnableChunking = true }, `
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: BDAT 3 LAST
			!data "x\r\n"
			!close`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			f, s := mustOpen(t, cfg, Deps{}, ehlo(tt.caps...)+tt.script)
			res, err := send(t, s, env("a@example.org", "b@example.net"), body("x\n"))
			wantKind(t, err, domain.KindDeliveryUnknown)
			if res != nil || domain.IsTemporary(err) || s.Reusable() {
				t.Errorf("result %v, retryable %v, reusable %v", res, domain.IsTemporary(err), s.Reusable())
			}
			_ = s.Close()
			f.wait(t)
		})
	}
}

func TestUnsolicitedReplyIsDesync(t *testing.T) {
	t.Run("before a command", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, greet+`
			S: 250 mx.example.test
			S: 250 surprise`)
		err := s.Noop(context.Background())
		wantKind(t, err, domain.KindDesync)
		if s.Reusable() {
			t.Error("desynchronised session is reusable")
		}
		_ = s.Close()
		f.wait(t) // NOOP was never written, nor QUIT
	})
	t.Run("after the final reply", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			S: 250 ok
			C: DATA
			S: 354 go
			C: x
			C: .
			S: 250 queued
			S: 250 surplus`)
		res, err := send(t, s, env("a@example.org", "b@example.net"), body("x"))
		wantKind(t, err, domain.KindDesync)
		if res == nil || responseText(res) != "queued" || s.Reusable() {
			t.Errorf("result %+v, reusable %v", res, s.Reusable())
		}
		_ = s.Close()
		f.wait(t)
	})
	t.Run("before MAIL", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, greet+`
			S: 250 mx.example.test
			S: 250 surprise`)
		_, err := send(t, s, env("a@example.org", "b@example.net"), body("x"))
		wantKind(t, err, domain.KindDesync)
		_ = s.Close()
		f.wait(t)
	})
	t.Run("an unasked 421 is the server leaving", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, greet+`
			S: 250 mx.example.test
			S: 421 4.4.2 mx.example.test Error: timeout exceeded`)
		_, err := send(t, s, env("a@example.org", "b@example.net"), body("x"))
		e := wantKind(t, err, domain.KindServerShutdown)
		if e.Code != 421 || e.Enhanced.String() != "4.4.2" || s.Reusable() {
			t.Errorf("error %+v, reusable %v", e, s.Reusable())
		}
		_ = s.Close()
		f.wait(t) // neither MAIL nor QUIT
	})
}

func TestHostileRepliesUseBoundedMemory(t *testing.T) {
	tests := []struct {
		name  string
		flood string
		limit int64 // octets the client may take before giving up
	}{
		{"endless line", strings.Repeat("x", 1000), 2 * maxLineLength},
		{"endless reply", "220-spam spam spam\r\n", maxReplyLines*20 + 2*maxLineLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := open(t, testConfig(), Deps{}, "!flood "+quoteGo(tt.flood))
			wantKind(t, err, domain.KindInvalidResponse)
			f.wait(t)
			if n := f.flooded.Load(); n > tt.limit {
				t.Errorf("client took %d octets, limit %d", n, tt.limit)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		script string
		want   domain.Kind
	}{
		{"greeting", func(c *Config) { c.Timeouts.Greeting = time.Millisecond }, "!stall", domain.KindReadTimeout},
		{"io cap", func(c *Config) { c.IOTimeout = time.Millisecond }, "!stall", domain.KindReadTimeout},
		{"EHLO write", func(c *Config) { c.Timeouts.Command = time.Millisecond }, "S: 220 hi\n!hold", domain.KindWriteTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.cfg(&cfg)
			f, _, err := open(t, cfg, Deps{}, tt.script)
			wantKind(t, err, tt.want)
			if !domain.IsTemporary(err) {
				t.Errorf("%v not retryable", err)
			}
			if tt.script != "S: 220 hi\n!hold" {
				f.wait(t)
			}
		})
	}
	t.Run("EHLO reply", func(t *testing.T) {
		cfg := testConfig()
		cfg.Timeouts.Command = time.Millisecond
		client, server := tcpPair(t) // buffered: the EHLO write cannot be what times out
		f, d := startServerOn(t, client, server, "S: 220 hi\nC: EHLO client.example\n!stall")
		tr, _ := New(cfg, Deps{Dialer: d})
		_, err := tr.Open(context.Background())
		wantKind(t, err, domain.KindReadTimeout)
		f.wait(t)
	})
	t.Run("connect", func(t *testing.T) {
		cfg := testConfig()
		cfg.Timeouts.Connect = time.Millisecond
		ctrl := gomock.NewController(t)
		d := mocks.NewMockDialer(ctrl)
		d.EXPECT().DialContext(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})
		tr, _ := New(cfg, Deps{Dialer: d})
		_, err := tr.Open(context.Background())
		wantKind(t, err, domain.KindConnectTimeout)
	})
}

func TestContextEndsStalledRead(t *testing.T) {
	t.Run("cancel during NOOP", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
			C: NOOP
			!signal
			!stall`)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-f.signal; cancel() }()
		err := s.Noop(ctx)
		wantKind(t, err, domain.KindCancelled)
		if !errors.Is(err, context.Canceled) || s.Reusable() {
			t.Errorf("err %v, reusable %v", err, s.Reusable())
		}
		_ = s.Close()
		f.wait(t)
	})
	t.Run("deadline during RCPT", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
			C: MAIL FROM:<a@example.org>
			S: 250 ok
			C: RCPT TO:<b@example.net>
			!signal
			!stall`)
		ctx := &expiringCtx{Context: context.Background(), done: make(chan struct{})}
		go func() { <-f.signal; close(ctx.done) }()
		_, err := s.Send(ctx, env("a@example.org", "b@example.net"), body("x"))
		wantKind(t, err, domain.KindCommandTimeout)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v does not wrap the deadline", err)
		}
		_ = s.Close()
		f.wait(t)
	})
	t.Run("cancel during the greeting", func(t *testing.T) {
		f, d := startServer(t, "!signal\n!stall")
		tr, _ := New(testConfig(), Deps{Dialer: d})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-f.signal; cancel() }()
		_, err := tr.Open(ctx)
		wantKind(t, err, domain.KindCancelled)
		f.wait(t)
	})
	t.Run("cancelled before Send", func(t *testing.T) {
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+quit)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.Send(ctx, env("a@example.org", "b@example.net"), body("x"))
		wantKind(t, err, domain.KindCancelled)
		if !s.Reusable() {
			t.Error("an unstarted Send broke the session")
		}
		_ = s.Close()
		f.wait(t)
	})
	t.Run("context ended after the reply", func(t *testing.T) {
		// A context that ends once its command is done does not spoil the next one.
		f, s := mustOpen(t, testConfig(), Deps{}, ehlo()+`
			C: NOOP
			S: 250 ok
			C: NOOP
			S: 250 ok`+quit)
		ctx, cancel := context.WithCancel(context.Background())
		if err := s.Noop(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := s.Noop(context.Background()); err != nil {
			t.Fatalf("second Noop: %v", err)
		}
		_ = s.Close()
		f.wait(t)
	})
}

func quoteGo(s string) string {
	b := []byte{'"'}
	for _, c := range []byte(s) {
		switch c {
		case '\r':
			b = append(b, '\\', 'r')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// expiringCtx is a context whose deadline passes when done is closed, so a
// test decides when without a clock.
type expiringCtx struct {
	context.Context
	done chan struct{}
}

func (c *expiringCtx) Done() <-chan struct{} { return c.done }

func (c *expiringCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
