package application

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

// pooled is a fixture whose client borrows sessions from a mock pool.
type pooled struct {
	*fixture
	pool *mocks.MockPool
}

func newPooled(t *testing.T) *pooled {
	f := newFixture(t)
	p := &pooled{fixture: f, pool: mocks.NewMockPool(f.ctrl)}
	p.pool.EXPECT().Close(gomock.Any()).Return(nil).AnyTimes()
	p.pool.EXPECT().Status().Return(domain.PoolStatus{MaxSize: 1}).AnyTimes()
	return p
}

func (p *pooled) client(t *testing.T, opts ...Option) *Client {
	return p.fixture.client(t, append([]Option{WithPool(p.pool), noBreaker()}, opts...)...)
}

func accepted(env ports.Envelope) *ports.TxResult {
	return &ports.TxResult{Accepted: env.To, Response: "250 2.0.0 Ok: queued as Q1", QueueID: "Q1"}
}

func rcptError(code int) error {
	k := domain.KindTemporaryFailure
	if code >= 500 {
		k = domain.KindInvalidRecipientAddress
	}
	return &domain.Error{Kind: k, Op: "rcpt", Code: code, Message: "no recipient accepted"}
}

func TestA450AtRcptIsRetriedOnAFreshSession(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	s1, s2 := mocks.NewMockSession(p.ctrl), mocks.NewMockSession(p.ctrl)
	for _, s := range []*mocks.MockSession{s1, s2} {
		s.EXPECT().Info().Return(caps(false)).AnyTimes()
	}
	gomock.InOrder(
		p.pool.EXPECT().Get(gomock.Any()).Return(s1, nil),
		s1.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, rcptError(450)),
		p.pool.EXPECT().Discard(s1),
		p.pool.EXPECT().Get(gomock.Any()).Return(s2, nil),
		s2.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
			DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
				return accepted(env), nil
			}),
		p.pool.EXPECT().Put(s2),
	)
	res, err := p.client(t, retries(3)).Send(context.Background(), batchEmail(t, "m"))
	if err != nil || len(res.Accepted) != 1 {
		t.Fatalf("Send = %+v, %v; want delivered on the second session", res, err)
	}
}

func TestA550IsNeverRetried(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	p.pool.EXPECT().Get(gomock.Any()).Return(p.session, nil).Times(1)
	p.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, rcptError(550)).Times(1)
	p.pool.EXPECT().Put(p.session).Times(1)
	_, err := p.client(t, retries(3)).Send(context.Background(), batchEmail(t, "m"))
	if domain.KindOf(err) != domain.KindInvalidRecipientAddress || !domain.IsPermanent(err) {
		t.Fatalf("Send = %v; want the 550, permanent", err)
	}
}

func TestAnOpenBreakerRefusesWithoutTouchingThePool(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	reset := &domain.Error{Kind: domain.KindConnectionReset, Op: "dial"}
	p.pool.EXPECT().Get(gomock.Any()).Return(nil, reset).Times(2) // two sends, then the circuit opens
	c := p.fixture.client(t, WithPool(p.pool), noRetry(), WithCircuitBreaker(BreakerConfig{
		FailureThreshold: 2, RecoveryTimeout: time.Hour, SuccessThreshold: 1,
	}))
	for range 2 {
		if _, err := c.Send(context.Background(), batchEmail(t, "m")); domain.KindOf(err) != domain.KindConnectionReset {
			t.Fatalf("Send = %v; want the reset", err)
		}
	}
	if got := c.CircuitState(); got != CircuitOpen {
		t.Fatalf("CircuitState = %s; want open", got)
	}
	_, err := c.Send(context.Background(), batchEmail(t, "m"))
	e := domain.AsError(err)
	if e == nil || e.Kind != domain.KindCircuitOpen || e.RetryAfter <= 0 || e.RetryAfter > time.Hour || !domain.IsTemporary(err) {
		t.Fatalf("Send with the circuit open = %#v; want KindCircuitOpen, temporary, RetryAfter in (0, 1h]", err)
	}
	if !strings.Contains(err.Error(), "trial send is allowed in") {
		t.Errorf("error %q does not say when a trial goes through", err)
	}
}

func TestASendGetsAcquireTimeoutAndIsNotRetried(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.pool.EXPECT().Get(gomock.Any()).Return(nil, domain.NewError(domain.KindAcquireTimeout, "pool get", "no session free within 30s")).Times(1)
	_, err := p.client(t, retries(3)).Send(context.Background(), batchEmail(t, "m"))
	if domain.KindOf(err) != domain.KindAcquireTimeout {
		t.Fatalf("Send = %v; want KindAcquireTimeout", err)
	}
}

func TestCoalescedSendsEachGetTheirOwnOutcome(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	const callers = 4
	calls := make(chan struct{}, callers)
	release := make(chan struct{})
	var first sync.Once
	p.pool.EXPECT().Get(gomock.Any()).AnyTimes().DoAndReturn(func(ctx context.Context) (ports.Session, error) {
		isFirst := false
		first.Do(func() { isFirst = true })
		calls <- struct{}{}
		if isFirst { // the one session is busy until every caller waits
			<-release
			return p.session, nil
		}
		<-ctx.Done() // a waiter whose message another caller takes
		return nil, domain.WrapError(domain.KindCancelled, "pool get", ctx.Err())
	})
	p.session.EXPECT().SendMany(gomock.Any(), gomock.Any()).Times(1).
		DoAndReturn(func(_ context.Context, txs []ports.Transaction) []ports.TxOutcome {
			if len(txs) != callers {
				t.Errorf("SendMany got %d messages; want all %d together", len(txs), callers)
			}
			outs := make([]ports.TxOutcome, len(txs))
			for i, s := range subjects(txs) {
				if s == "refused" {
					outs[i] = ports.TxOutcome{Err: rcptError(550)}
				} else {
					outs[i] = ports.TxOutcome{Result: accepted(txs[i].Envelope)}
				}
			}
			return outs
		})
	p.pool.EXPECT().Put(p.session).Times(1)
	c := p.client(t, noRetry())

	subjectsSent := []string{"a", "refused", "c", "d"}
	errs := make([]error, callers)
	results := make([]*domain.SendResult, callers)
	var wg sync.WaitGroup
	for i, s := range subjectsSent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Send(context.Background(), batchEmail(t, s))
		}()
	}
	for range callers {
		<-calls
	}
	close(release)
	wg.Wait()
	for i, s := range subjectsSent {
		if s == "refused" {
			if domain.KindOf(errs[i]) != domain.KindInvalidRecipientAddress {
				t.Errorf("%s: err = %v; want its own 550", s, errs[i])
			}
			continue
		}
		if errs[i] != nil || results[i] == nil || len(results[i].Accepted) != 1 {
			t.Errorf("%s: Send = %+v, %v; want delivered", s, results[i], errs[i])
		}
	}
}

func TestDeliveryUnknownSurvivesRetriesAndAnEndedContext(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.pool.EXPECT().Get(gomock.Any()).Return(p.session, nil).Times(1)
	p.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Times(1).
		DoAndReturn(func(context.Context, ports.Envelope, io.WriterTo) (*ports.TxResult, error) {
			cancel() // the caller's context ends while the final reply is awaited
			return nil, &domain.Error{Kind: domain.KindDeliveryUnknown, Op: "data", Err: context.Canceled}
		})
	p.pool.EXPECT().Put(p.session)
	_, err := p.client(t, retries(3)).Send(ctx, batchEmail(t, "m"))
	if !domain.IsDeliveryUnknown(err) || domain.IsTemporary(err) {
		t.Fatalf("Send = %v; want delivery status unknown, not temporary", err)
	}
}

func TestDeliveredSurvivesAContextThatEndsAfterTheFinalReply(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.pool.EXPECT().Get(gomock.Any()).Return(p.session, nil).Times(1)
	p.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Times(1).
		DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
			cancel()
			return accepted(env), nil
		})
	p.pool.EXPECT().Put(p.session)
	res, err := p.client(t, retries(3)).Send(ctx, batchEmail(t, "m"))
	if err != nil || res == nil || len(res.Accepted) != 1 {
		t.Fatalf("Send = %+v, %v; want delivered", res, err)
	}
}

func TestARecipientDeferredAfterOthersAcceptedIsReportedNotRetried(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	p.pool.EXPECT().Get(gomock.Any()).Return(p.session, nil).Times(1)
	p.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Times(1).
		DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
			res := accepted(env)
			res.Accepted = env.To[:1]
			res.Rejected = []domain.RejectedRecipient{{Address: env.To[1].Email(), Code: 452, Message: "4.5.3 too many recipients"}}
			return res, rcptError(452)
		})
	p.pool.EXPECT().Put(p.session)
	e, err := domain.NewEmail().From("ann@example.com").To("bob@example.org", "cat@example.org").Subject("m").Text("x").Build()
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.client(t, retries(3)).Send(context.Background(), e)
	if err != nil {
		t.Fatalf("Send err = %v; want nil: the message was delivered to bob, cat is reported in Rejected", err)
	}
	if len(res.Accepted) != 1 || len(res.Rejected) != 1 || res.Rejected[0].Code != 452 {
		t.Fatalf("result = %+v; want bob accepted and cat rejected with 452", res)
	}
}

func TestLimitsRefuseBeforeAnyConnection(t *testing.T) {
	p := newPooled(t) // no Get expected: gomock fails on any
	c := p.client(t, WithLimits(Limits{MaxRecipients: 2, MaxAttachments: 1, MaxMessageSize: 1000}))
	build := func(b *domain.EmailBuilder) *domain.Email {
		e, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	base := func() *domain.EmailBuilder { return domain.NewEmail().From("ann@example.com").Subject("s").Text("x") }
	tests := []struct {
		name string
		e    *domain.Email
		want domain.Kind
	}{
		{"recipients", build(base().To("a@example.org", "b@example.org").Bcc("c@example.org")), domain.KindInvalidInput},
		{"attachments", build(base().To("a@example.org").AttachBytes("a.txt", "", []byte("a")).AttachBytes("b.txt", "", []byte("b"))), domain.KindInvalidInput},
		{"size", build(base().To("a@example.org").AttachBytes("big.bin", "", make([]byte, 2000))), domain.KindMessageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Send(context.Background(), tt.e); domain.KindOf(err) != tt.want {
				t.Fatalf("Send = %v; want %s", err, tt.want)
			}
		})
	}
}

func TestTheRateLimiterRefusesBeforeThePoolAndOnlyOnce(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	limiter := mocks.NewMockRateLimiter(p.ctrl)
	limited := &domain.Error{Kind: domain.KindLocalRateLimit, Op: "rate limit", RetryAfter: time.Minute}
	limiter.EXPECT().Acquire(gomock.Any(), ports.QuotaEmails).Return(limited).Times(1)
	_, err := p.client(t, retries(3), WithRateLimiter(limiter)).Send(context.Background(), batchEmail(t, "m"))
	if e := domain.AsError(err); e == nil || e.Kind != domain.KindLocalRateLimit || e.RetryAfter != time.Minute {
		t.Fatalf("Send = %v; want the limiter's error with its RetryAfter", err)
	}
}

func TestSendsAfterCloseAreErrClosed(t *testing.T) {
	p := newPooled(t)
	c := p.client(t)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Send":      func() error { _, err := c.Send(context.Background(), batchEmail(t, "m")); return err },
		"SendBatch": func() error { _, err := c.SendBatch(context.Background(), nil); return err },
		"SendRaw": func() error {
			_, err := c.SendRaw(context.Background(), domain.MustParseAddress("a@example.org"), []domain.Address{domain.MustParseAddress("b@example.org")}, []byte("x"))
			return err
		},
		"TestConnection": func() error { _, err := c.TestConnection(context.Background()); return err },
	} {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
}

func TestACloseThatRanOutOfTimeIsFinishedByTheNext(t *testing.T) {
	f := newFixture(t)
	pool := mocks.NewMockPool(f.ctrl)
	pool.EXPECT().Status().Return(domain.PoolStatus{MaxSize: 1}).AnyTimes()
	prepareBySubject(f, nil)
	f.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	inSend, finishSend := make(chan struct{}), make(chan struct{})
	pool.EXPECT().Get(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
			close(inSend)
			<-finishSend
			return accepted(env), nil
		})
	pool.EXPECT().Put(f.session)
	pool.EXPECT().Close(gomock.Any()).Return(nil).Times(1)
	c := f.client(t, WithPool(pool), noRetry())
	sent := make(chan error, 1)
	go func() { _, err := c.Send(context.Background(), batchEmail(t, "m")); sent <- err }()
	<-inSend
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Close(ctx); domain.KindOf(err) != domain.KindCancelled {
		t.Fatalf("Close with an ended context during a send = %v; want cancelled", err)
	}
	close(finishSend)
	if err := <-sent; err != nil {
		t.Fatalf("the running send = %v; want delivered", err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("second Close = %v; want nil, the pool closed", err)
	}
}

func TestWithoutAPoolQuitHappensOffTheCallersPath(t *testing.T) {
	f := newFixture(t)
	prepareBySubject(f, nil)
	f.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
			return accepted(env), nil
		})
	quitting, quitDone := make(chan struct{}), make(chan struct{})
	f.session.EXPECT().Close().DoAndReturn(func() error {
		close(quitting)
		<-quitDone // a server slow to answer QUIT
		return nil
	})
	c := f.client(t, noRetry())
	if _, err := c.Send(context.Background(), batchEmail(t, "m")); err != nil {
		t.Fatal(err) // returned although QUIT has no answer yet
	}
	<-quitting
	closed := make(chan error, 1)
	go func() { closed <- c.Close(context.Background()) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a QUIT was still waiting")
	case <-time.After(50 * time.Millisecond):
	}
	close(quitDone)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

func TestSizeIsTheOctetsWrittenWhenTheServerLacksSIZE(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	p.pool.EXPECT().Get(gomock.Any()).Return(p.session, nil)
	p.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
			if _, err := body.WriteTo(io.Discard); err != nil {
				t.Fatal(err)
			}
			return accepted(env), nil
		})
	p.pool.EXPECT().Put(p.session)
	res, err := p.client(t, noRetry()).Send(context.Background(), batchEmail(t, "twelve chars"))
	if err != nil || res.Size != int64(len("twelve chars")) {
		t.Fatalf("Send = %+v, %v; want Size %d", res, err, len("twelve chars"))
	}
}

func TestWithCoalescingOneSendsEachMessageOnItsOwn(t *testing.T) {
	p := newPooled(t)
	prepareBySubject(p.fixture, nil)
	p.session.EXPECT().Info().Return(caps(false)).AnyTimes()
	s2 := mocks.NewMockSession(p.ctrl)
	s2.EXPECT().Info().Return(caps(false)).AnyTimes()
	both := make(chan struct{})
	var gets sync.WaitGroup
	gets.Add(2)
	var once sync.Once
	first := true
	var mu sync.Mutex
	p.pool.EXPECT().Get(gomock.Any()).Times(2).DoAndReturn(func(context.Context) (ports.Session, error) {
		gets.Done()
		once.Do(func() { go func() { gets.Wait(); close(both) }() })
		<-both // both callers ask the pool: neither takes the other's message
		mu.Lock()
		defer mu.Unlock()
		if first {
			first = false
			return p.session, nil
		}
		return s2, nil
	})
	for _, s := range []*mocks.MockSession{p.session, s2} {
		s.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Times(1).
			DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
				return accepted(env), nil
			})
		p.pool.EXPECT().Put(s)
	}
	c := p.client(t, noRetry(), WithCoalescing(1))
	errs := make(chan error, 2)
	for _, subject := range []string{"a", "b"} {
		go func() { _, err := c.Send(context.Background(), batchEmail(t, subject)); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
