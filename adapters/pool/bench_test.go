package pool

import (
	"context"
	"io"
	"testing"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// nullTransport opens sessions that do nothing, to measure the pool alone.
type nullTransport struct{}

func (nullTransport) Open(context.Context) (ports.Session, error) { return nullSession{}, nil }

type nullSession struct{}

func (nullSession) Send(context.Context, ports.Envelope, io.WriterTo) (*ports.TxResult, error) {
	return &ports.TxResult{}, nil
}
func (nullSession) SendMany(context.Context, []ports.Transaction) []ports.TxOutcome { return nil }
func (nullSession) Verify(context.Context, string) (string, error)                  { return "", nil }
func (nullSession) Noop(context.Context) error                                      { return nil }
func (nullSession) Reset(context.Context) error                                     { return nil }
func (nullSession) Info() domain.ConnectionInfo                                     { return domain.ConnectionInfo{} }
func (nullSession) Reusable() bool                                                  { return true }
func (nullSession) Close() error                                                    { return nil }

// BenchmarkGetPut is one caller borrowing and giving back an idle session.
func BenchmarkGetPut(b *testing.B) {
	p := New(nullTransport{}, Config{})
	defer p.Close(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := p.Get(ctx)
		if err != nil {
			b.Fatal(err)
		}
		p.Put(s)
	}
}

// BenchmarkGetPutContended is GOMAXPROCS×4 callers sharing 2 sessions, so
// that most Gets wait in the queue.
func BenchmarkGetPutContended(b *testing.B) {
	p := New(nullTransport{}, Config{MaxConnections: 2, AcquireTimeout: generous})
	defer p.Close(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s, err := p.Get(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = s.Send(ctx, ports.Envelope{}, nil)
			p.Put(s)
		}
	})
}
