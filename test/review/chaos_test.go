package review_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// chaosServer records what a chaosSession delivered, by Message-ID.
type chaosServer struct {
	mu        sync.Mutex
	rng       *rand.Rand
	delivered map[string]int
	opened    atomic.Int32
}

func (s *chaosServer) roll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.IntN(1000)
}

func (s *chaosServer) deliver(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivered[id]++
}

func (s *chaosServer) Open(ctx context.Context) (ports.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, domain.WrapError(domain.KindCancelled, "dial", err)
	}
	if s.roll() < 20 {
		return nil, domain.NewError(domain.KindConnectionRefused, "dial", "refused")
	}
	s.opened.Add(1)
	return &chaosSession{srv: s}, nil
}

// chaosSession fails as adapters/tcp does: before the final dot (nothing
// delivered), after it (delivery unknown: delivered or not), with a 421, a
// 4xx or a 5xx reply; after a failure that breaks it, the transactions not
// started get ErrNotSent.
type chaosSession struct {
	srv    *chaosServer
	broken bool
	closed bool
}

func (s *chaosSession) Send(ctx context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
	out := s.SendMany(ctx, []ports.Transaction{{Envelope: env, Body: body}})
	return out[0].Result, out[0].Err
}

func (s *chaosSession) SendMany(ctx context.Context, txs []ports.Transaction) []ports.TxOutcome {
	out := make([]ports.TxOutcome, len(txs))
	if s.broken || s.closed {
		for i := range out {
			out[i].Err = domain.NewError(domain.KindConnectionUnhealthy, "mail", "unusable")
		}
		return out
	}
	var fatal error
	for i, tx := range txs {
		if fatal != nil {
			k := domain.KindConnection
			if ctx.Err() != nil {
				k = domain.KindCancelled
			}
			out[i].Err = &domain.Error{Kind: k, Op: "mail", Err: ports.ErrNotSent}
			continue
		}
		if rand.IntN(3) == 0 {
			time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		}
		id := tx.Body.(interface{ MessageID() string }).MessageID()
		if _, err := tx.Body.WriteTo(io.Discard); err != nil {
			out[i].Err, fatal = err, err
			s.broken = true
			continue
		}
		switch r := s.srv.roll(); {
		case ctx.Err() != nil:
			out[i].Err = &domain.Error{Kind: domain.KindCancelled, Op: "data", Err: ctx.Err()}
		case r < 40:
			out[i].Err = domain.NewError(domain.KindConnectionReset, "data", "reset before the final dot")
		case r < 70:
			out[i].Err = &domain.Error{Kind: domain.KindServerShutdown, Op: "mail", Code: 421, Message: "bye"}
		case r < 90:
			if r%2 == 0 {
				s.srv.deliver(id)
			}
			out[i].Err = domain.NewError(domain.KindDeliveryUnknown, "body", "lost after the final dot")
		case r < 110:
			out[i].Err = &domain.Error{Kind: domain.KindTemporaryFailure, Op: "data", Code: 451, Message: "later"}
			continue // the session stays usable
		case r < 120:
			out[i].Err = &domain.Error{Kind: domain.KindPermanentFailure, Op: "data", Code: 554, Message: "no"}
			continue
		default:
			s.srv.deliver(id)
			out[i].Result = &ports.TxResult{Accepted: tx.Envelope.To, Response: "250 ok"}
			continue
		}
		fatal = out[i].Err
		s.broken = true
	}
	return out
}

func (s *chaosSession) Verify(context.Context, string) (string, error) { return "", nil }
func (s *chaosSession) Noop(context.Context) error                     { return s.check() }
func (s *chaosSession) Reset(context.Context) error                    { return s.check() }
func (s *chaosSession) Info() domain.ConnectionInfo {
	return domain.ConnectionInfo{Extensions: domain.Extensions{Pipelining: true}}
}
func (s *chaosSession) Reusable() bool { return !s.broken && !s.closed }
func (s *chaosSession) Close() error   { s.closed = true; return nil }

func (s *chaosSession) check() error {
	if s.broken || s.closed {
		return domain.NewError(domain.KindConnectionUnhealthy, "noop", "unusable")
	}
	return nil
}

// Many callers Send, and a few SendBatch, through a coalescing client over
// a pool of sessions
// that fail in every way a real one does, with contexts that end at
// random: every call returns, a message reported sent was delivered once,
// one reported delivery-unknown at most once, and one reported failed in
// any other way never (counted after Close, when no group is left).
func TestChaosEveryOutcomeMatchesWhatWasDelivered(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint(round), func(t *testing.T) { chaosRound(t, uint64(round)) })
	}
}

func chaosRound(t *testing.T, seed uint64) {
	srv := &chaosServer{rng: rand.New(rand.NewPCG(seed, 99)), delivered: map[string]int{}}
	p := pool.New(srv, pool.Config{MaxConnections: 3, MinIdle: -1, HealthCheckInterval: -1, AcquireTimeout: 20 * time.Second})
	c, err := application.New(srv, bootstrap.NewEncoder(), application.WithPool(p),
		application.WithRetry(application.RetryPolicy{MaxAttempts: 3, InitialDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, DisableJitter: true}),
		application.WithCircuitBreaker(application.BreakerConfig{Disabled: true}), application.WithCoalescing(8))
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 24, 40
	type outcome struct {
		id  string
		err error
	}
	outs := make([]outcome, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for k := range each {
				i := w*each + k
				mid := fmt.Sprintf("c%d.%d@review.test", seed, i)
				e, err := domain.NewEmail().From("s@example.test").To("r@example.test").Subject("x").Text("y").MessageID(mid).Build()
				if err != nil {
					t.Error(err)
					return
				}
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				switch r.IntN(10) {
				case 0, 1:
					ctx, cancel = context.WithTimeout(context.Background(), time.Duration(r.IntN(3000))*time.Microsecond)
				case 2:
					ctx, cancel = context.WithCancel(context.Background())
					time.AfterFunc(time.Duration(r.IntN(2000))*time.Microsecond, cancel)
				}
				_, err = c.Send(ctx, e)
				cancel()
				outs[i] = outcome{mid, err}
			}
		}()
	}
	const batches, batchSize = 3, 100
	batchOuts := make([]outcome, batches*batchSize)
	for b := range batches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			emails := make([]*domain.Email, batchSize)
			for k := range emails {
				mid := fmt.Sprintf("b%d.%d.%d@review.test", seed, b, k)
				e, err := domain.NewEmail().From("s@example.test").To("r@example.test").Subject("x").Text("y").MessageID(mid).Build()
				if err != nil {
					t.Error(err)
					return
				}
				emails[k] = e
				batchOuts[b*batchSize+k].id = mid
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if b == 0 {
				ctx, cancel = context.WithTimeout(context.Background(), 2*time.Millisecond)
			}
			defer cancel()
			res, err := c.SendBatch(ctx, emails)
			if err != nil {
				for k := range emails {
					batchOuts[b*batchSize+k].err = err
				}
				return
			}
			for k, it := range res.Items {
				batchOuts[b*batchSize+k].err = it.Err
				if it.Err == nil && it.Result == nil {
					t.Errorf("batch %d item %d: neither result nor error", b, k)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("Send calls still running after 2 minutes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	kinds := map[string]int{}
	for _, o := range append(outs, batchOuts...) {
		n := srv.delivered[o.id]
		kinds[domain.KindOf(o.err).String()]++
		switch {
		case o.err == nil && n != 1:
			t.Errorf("%s reported sent; delivered %d times", o.id, n)
		case domain.IsDeliveryUnknown(o.err) && n > 1:
			t.Errorf("%s delivery unknown; delivered %d times", o.id, n)
		case o.err != nil && !domain.IsDeliveryUnknown(o.err) && n != 0:
			t.Errorf("%s reported failed (%v); delivered %d times", o.id, o.err, n)
		}
	}
	t.Logf("outcomes %v, sessions opened %d", kinds, srv.opened.Load())
}
