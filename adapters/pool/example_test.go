package pool_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// Example lends a session three times in a row: the transport dials once,
// the session waits idle between sends, and Close sends it QUIT. In a
// program the transport is a *tcp.Transport (tcp.New), which bootstrap
// wires for you.
func Example() {
	tr := &demoTransport{}
	// New does not dial. MinIdle -1: no spare session kept warm (the
	// default keeps one), so that this example dials exactly once.
	p := pool.New(tr, pool.Config{MaxConnections: 2, MinIdle: -1})
	ctx := context.Background()
	from, _ := domain.ParseAddress("app@example.com")
	to, _ := domain.ParseAddress("user@example.org")
	env := ports.Envelope{From: from, To: []domain.Address{to}}

	for range 3 {
		s, err := p.Get(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := s.Send(ctx, env, strings.NewReader("Subject: hi\r\n\r\nhello\r\n"))
		p.Put(s) // always give it back, whatever Send said
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("accepted:", res.Accepted[0].Email())
	}
	fmt.Printf("dials: %d, status: %+v\n", tr.opens.Load(), p.Status())
	if err := p.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("status: %+v\n", p.Status())
	// Output:
	// accepted: user@example.org
	// accepted: user@example.org
	// accepted: user@example.org
	// dials: 1, status: {Total:1 Idle:1 InUse:0 Pending:0 MaxSize:2}
	// QUIT
	// status: {Total:0 Idle:0 InUse:0 Pending:0 MaxSize:2}
}

// demoTransport stands for a real transport: each Open is one dial.
type demoTransport struct{ opens atomic.Int32 }

func (t *demoTransport) Open(context.Context) (ports.Session, error) {
	t.opens.Add(1)
	return &demoSession{}, nil
}

// demoSession accepts every message.
type demoSession struct{ closed bool }

func (s *demoSession) Send(_ context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
	if _, err := body.WriteTo(io.Discard); err != nil {
		return nil, err
	}
	return &ports.TxResult{Accepted: env.To}, nil
}

func (s *demoSession) SendMany(ctx context.Context, txs []ports.Transaction) []ports.TxOutcome {
	out := make([]ports.TxOutcome, len(txs))
	for i, tx := range txs {
		out[i].Result, out[i].Err = s.Send(ctx, tx.Envelope, tx.Body)
	}
	return out
}

func (s *demoSession) Verify(context.Context, string) (string, error) { return "", nil }
func (s *demoSession) Noop(context.Context) error                     { return nil }
func (s *demoSession) Reset(context.Context) error                    { return nil }
func (s *demoSession) Info() domain.ConnectionInfo                    { return domain.ConnectionInfo{} }
func (s *demoSession) Reusable() bool                                 { return !s.closed }

func (s *demoSession) Close() error {
	if !s.closed {
		s.closed = true
		fmt.Println("QUIT")
	}
	return nil
}
