package application

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

func testEmail(t *testing.T) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("Ann <ann@example.com>").To("bob@example.org").Cc("cat@example.org").Bcc("dan@example.net").
		Subject("hi").Text("hello").Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var fixedNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func noRetry() Option {
	return WithRetry(RetryPolicy{MaxAttempts: 1})
}

func noBreaker() Option { return WithCircuitBreaker(BreakerConfig{Disabled: true}) }

type fixture struct {
	ctrl      *gomock.Controller
	transport *mocks.MockTransport
	session   *mocks.MockSession
	enc       *mocks.MockEncoder
	msg       *mocks.MockMessage
}

func newFixture(t *testing.T) *fixture {
	ctrl := gomock.NewController(t)
	return &fixture{
		ctrl:      ctrl,
		transport: mocks.NewMockTransport(ctrl),
		session:   mocks.NewMockSession(ctrl),
		enc:       mocks.NewMockEncoder(ctrl),
		msg:       mocks.NewMockMessage(ctrl),
	}
}

func (f *fixture) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithClock(func() time.Time { return fixedNow })}, opts...)
	c, err := New(f.transport, f.enc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	// Sessions close off the caller's path: Close waits for that, before
	// the mocks check their calls.
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func caps(size bool) domain.ConnectionInfo {
	return domain.ConnectionInfo{Extensions: domain.Extensions{Size: size, EightBitMIME: true}}
}

func TestSendOpensEncodesSendsAndCloses(t *testing.T) {
	f := newFixture(t)
	e := testEmail(t)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Info().Return(caps(true))
	f.enc.EXPECT().Prepare(e, gomock.Any()).
		DoAndReturn(func(got *domain.Email, opts ports.EncodeOptions) (ports.Message, error) {
			if opts.Allow8Bit || opts.UTF8 {
				t.Errorf("EncodeOptions = %+v; want 7-bit (the client does not allow 8-bit by default)", opts)
			}
			if opts.MessageID == "" || !opts.Date.Equal(fixedNow) {
				t.Errorf("EncodeOptions MessageID %q Date %v; want both fixed before encoding", opts.MessageID, opts.Date)
			}
			if got.MessageID != "" || !got.Date.IsZero() {
				t.Errorf("the caller's Email was changed: MessageID %q Date %v", got.MessageID, got.Date)
			}
			return f.msg, nil
		})
	f.msg.EXPECT().EightBit().Return(false)
	f.msg.EXPECT().Size().Return(int64(1234), nil)
	f.msg.EXPECT().MessageID().Return("id@example.com")
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), bodyOf(f.msg)).
		DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
			if env.From.Email() != "ann@example.com" || len(env.To) != 3 || env.Size != 1234 {
				t.Errorf("envelope = %+v; want From ann, 3 recipients (Bcc included), Size 1234", env)
			}
			return &ports.TxResult{
				Accepted: env.To[:2],
				Rejected: []domain.RejectedRecipient{{Address: "dan@example.net", Code: 550}},
				Response: "250 Ok: queued as 4F2A",
				QueueID:  "4F2A",
			}, nil
		})
	f.session.EXPECT().Close().Return(nil)

	res, err := f.client(t, noRetry()).Send(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if res.MessageID != "id@example.com" || res.ServerID != "4F2A" || len(res.Accepted) != 2 || len(res.Rejected) != 1 || res.Size != 1234 {
		t.Errorf("result = %+v", res)
	}
}

// TestSendLeavesSIZEToTheSession: the envelope carries the message's size
// whatever the server offers (the session declares it only to a server
// with SIZE), and none for a message with a reader source, which could be
// read only once.
func TestSendLeavesSIZEToTheSession(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reader bool
		want   int64
	}{
		{"server without SIZE", false, 1234},
		{"reader source", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			e := testEmail(t)
			if tt.reader {
				e.Attachments = append(e.Attachments, domain.Attachment{Filename: "r.txt", Content: domain.ReaderSource(strings.NewReader("r"))})
			}
			f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
			f.session.EXPECT().Info().Return(caps(false))
			f.enc.EXPECT().Prepare(gomock.Any(), gomock.Any()).Return(f.msg, nil)
			f.msg.EXPECT().EightBit().Return(false)
			f.msg.EXPECT().Size().Return(int64(1234), nil).MaxTimes(1)
			f.msg.EXPECT().MessageID().Return("id@x")
			f.session.EXPECT().Send(gomock.Any(), gomock.Any(), bodyOf(f.msg)).
				DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
					if env.Size != tt.want {
						t.Errorf("Size = %d; want %d", env.Size, tt.want)
					}
					return &ports.TxResult{Accepted: env.To, Response: "250"}, nil
				})
			f.session.EXPECT().Close().Return(nil)
			if _, err := f.client(t, noRetry()).Send(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSendRejectsInvalidEmailBeforeTheNetwork(t *testing.T) {
	f := newFixture(t) // no EXPECT: any call to the transport fails the test
	_, err := f.client(t).Send(context.Background(), &domain.Email{Subject: "x"})
	if !errors.Is(err, domain.KindInvalidFromAddress) || !errors.Is(err, domain.KindInvalidRecipientAddress) {
		t.Fatalf("err = %v; want invalid from and recipient", err)
	}
}

func TestSendRetriesTransientFailuresOnANewSession(t *testing.T) {
	f := newFixture(t)
	e := testEmail(t)
	temp := &domain.Error{Kind: domain.KindServerShutdown, Code: 421, Op: "mail"}
	gomock.InOrder(
		f.transport.EXPECT().Open(gomock.Any()).Return(nil, &domain.Error{Kind: domain.KindConnectionRefused, Op: "dial"}),
		f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil),
	)
	f.session.EXPECT().Info().Return(caps(false)).Times(2)
	f.enc.EXPECT().Prepare(gomock.Any(), gomock.Any()).Return(f.msg, nil).Times(2)
	f.msg.EXPECT().EightBit().Return(false).AnyTimes()
	f.msg.EXPECT().Size().Return(int64(100), nil).AnyTimes()
	f.msg.EXPECT().MessageID().Return("id@x").AnyTimes()
	gomock.InOrder(
		f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, temp),
		f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(&ports.TxResult{Response: "250"}, nil),
	)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Close().Return(nil).Times(2)
	c := f.client(t, WithRetry(RetryPolicy{MaxAttempts: 3, InitialDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}), noBreaker())
	if _, err := c.Send(context.Background(), e); err != nil {
		t.Fatalf("Send after two transient failures = %v; want success on the third attempt", err)
	}
}

func TestSendNeverRetriesPermanentOrUnknownOutcomes(t *testing.T) {
	tests := []struct {
		name string
		give *domain.Error
	}{
		{"rejected", &domain.Error{Kind: domain.KindPermanentFailure, Code: 554}},
		{"auth", &domain.Error{Kind: domain.KindCredentialsInvalid, Code: 535}},
		{"delivery unknown", &domain.Error{Kind: domain.KindDeliveryUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil).Times(1)
			f.session.EXPECT().Info().Return(caps(false))
			f.enc.EXPECT().Prepare(gomock.Any(), gomock.Any()).Return(f.msg, nil)
			f.msg.EXPECT().EightBit().Return(false)
			f.msg.EXPECT().Size().Return(int64(100), nil)
			f.msg.EXPECT().MessageID().Return("id@x").AnyTimes()
			f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil, tt.give).Times(1)
			f.session.EXPECT().Close().Return(nil)
			c := f.client(t, WithRetry(RetryPolicy{MaxAttempts: 5, InitialDelay: time.Millisecond}))
			_, err := c.Send(context.Background(), testEmail(t))
			if domain.KindOf(err) != tt.give.Kind {
				t.Fatalf("err = %v; want kind %v after one attempt", err, tt.give.Kind)
			}
		})
	}
}

func TestCircuitBreakerOpensAfterFailures(t *testing.T) {
	f := newFixture(t)
	refused := &domain.Error{Kind: domain.KindConnectionRefused, Op: "dial"}
	f.transport.EXPECT().Open(gomock.Any()).Return(nil, refused).Times(2)
	c := f.client(t, noRetry(), WithCircuitBreaker(BreakerConfig{FailureThreshold: 2, RecoveryTimeout: time.Hour}))
	for i := 0; i < 2; i++ {
		if _, err := c.Send(context.Background(), testEmail(t)); domain.KindOf(err) != domain.KindConnectionRefused {
			t.Fatalf("attempt %d: err = %v; want connection refused", i, err)
		}
	}
	_, err := c.Send(context.Background(), testEmail(t))
	if !errors.Is(err, domain.KindCircuitOpen) {
		t.Fatalf("third send err = %v; want circuit open without dialling", err)
	}
}

type recordingInterceptor struct {
	name  string
	trail *[]string
}

func (r recordingInterceptor) Intercept(ctx context.Context, e *domain.Email, next ports.SendFunc) (*domain.SendResult, error) {
	*r.trail = append(*r.trail, r.name)
	return next(ctx, e)
}

func TestInterceptorsRunOutermostFirstAndCanShortCircuit(t *testing.T) {
	f := newFixture(t)
	var trail []string
	stop := mocks.NewMockInterceptor(f.ctrl)
	stop.EXPECT().Intercept(gomock.Any(), gomock.Any(), gomock.Any()).Return(&domain.SendResult{MessageID: "short"}, nil)
	c := f.client(t, WithInterceptors(recordingInterceptor{"a", &trail}, recordingInterceptor{"b", &trail}, stop))
	res, err := c.Send(context.Background(), testEmail(t))
	if err != nil || res.MessageID != "short" {
		t.Fatalf("Send = %v, %v; want the interceptor's result", res, err)
	}
	if len(trail) != 2 || trail[0] != "a" || trail[1] != "b" {
		t.Errorf("order = %v; want [a b]", trail)
	}
}

func TestTestConnectionSendsNoopAndDescribes(t *testing.T) {
	f := newFixture(t)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Noop(gomock.Any()).Return(nil)
	f.session.EXPECT().Info().Return(domain.ConnectionInfo{Banner: "mx ready", TLS: true})
	f.session.EXPECT().Close().Return(nil)
	info, err := f.client(t).TestConnection(context.Background())
	if err != nil || info.Banner != "mx ready" || !info.TLS {
		t.Fatalf("TestConnection = %+v, %v", info, err)
	}
}

func TestClosedClientRefusesWork(t *testing.T) {
	f := newFixture(t)
	pool := mocks.NewMockPool(f.ctrl)
	pool.EXPECT().Close(gomock.Any()).Return(nil).Times(1)
	pool.EXPECT().Status().Return(domain.PoolStatus{MaxSize: 5})
	c := f.client(t, WithPool(pool))
	if got := c.PoolStatus().MaxSize; got != 5 {
		t.Errorf("PoolStatus().MaxSize = %d; want 5", got)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatalf("second Close = %v; want nil", err)
	}
	if _, err := c.Send(context.Background(), testEmail(t)); domain.KindOf(err) != domain.KindInvalidInput {
		t.Fatalf("Send after Close = %v; want invalid input", err)
	}
}

func TestNewNeedsTransportAndEncoder(t *testing.T) {
	f := newFixture(t)
	if _, err := New(nil, f.enc); domain.KindOf(err) != domain.KindInvalidInput {
		t.Errorf("New without transport = %v", err)
	}
	if _, err := New(f.transport, nil); domain.KindOf(err) != domain.KindInvalidInput {
		t.Errorf("New without encoder = %v", err)
	}
}

func TestSendRawNormalisedSizeAndMessageID(t *testing.T) {
	f := newFixture(t)
	raw := []byte("From: a@example.com\nTo: b@example.org\nMessage-ID: <raw-1@example.com>\nSubject: raw\n\nbody é\r\nlast")
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
			var buf strings.Builder
			if _, err := body.WriteTo(&buf); err != nil || buf.String() != string(raw) {
				t.Errorf("body = %q, %v; want the raw bytes unchanged (the session normalises)", buf.String(), err)
			}
			// The session measures the message by its line-end rules
			// (adapters/tcp TestMeasure has this message's normalised size).
			if env.Size != 0 || !env.Measure || env.Unscanned || !env.EightBit {
				t.Errorf("envelope %+v; want Measure and EightBit, no Size", env)
			}
			return &ports.TxResult{Accepted: env.To, Response: "250"}, nil
		})
	f.session.EXPECT().Close().Return(nil)
	res, err := f.client(t, noRetry()).SendRaw(context.Background(), domain.MustParseAddress("a@example.com"),
		[]domain.Address{domain.MustParseAddress("b@example.org")}, raw)
	if err != nil || res.MessageID != "raw-1@example.com" || len(res.Accepted) != 1 {
		t.Fatalf("SendRaw = %+v, %v", res, err)
	}
}

func TestSendRawRefusesAnIncompleteEnvelope(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	a := domain.MustParseAddress("a@example.com")
	tests := []struct {
		name string
		from domain.Address
		to   []domain.Address
		data []byte
		want domain.Kind
	}{
		{"no sender", domain.Address{}, []domain.Address{a}, []byte("x"), domain.KindInvalidFromAddress},
		{"no recipient", a, nil, []byte("x"), domain.KindInvalidRecipientAddress},
		{"no data", a, []domain.Address{a}, nil, domain.KindInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.SendRaw(context.Background(), tt.from, tt.to, tt.data); domain.KindOf(err) != tt.want {
				t.Fatalf("err = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestEncodeOptionsFollowTheServer(t *testing.T) {
	f := newFixture(t)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Info().Return(domain.ConnectionInfo{Extensions: domain.Extensions{EightBitMIME: true, SMTPUTF8: true}})
	f.enc.EXPECT().Prepare(gomock.Any(), gomock.Any()).DoAndReturn(func(_ *domain.Email, o ports.EncodeOptions) (ports.Message, error) {
		if !o.Allow8Bit || o.UTF8 || o.MessageID == "" {
			t.Errorf("EncodeOptions = %+v; want 8-bit text, no raw UTF-8 headers, the stamped Message-ID", o)
		}
		return nil, domain.NewError(domain.KindEncodingFailed, "encode", "stop here")
	})
	f.session.EXPECT().Close().Return(nil)
	_, err := f.client(t, noRetry(), With8BitMIME(true)).Send(context.Background(), testEmail(t))
	if domain.KindOf(err) != domain.KindEncodingFailed {
		t.Fatalf("err = %v", err)
	}
}

func TestSendReportsAPartialDeliveryAndNeverRetriesIt(t *testing.T) {
	f := newFixture(t)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil).Times(1)
	f.session.EXPECT().Info().Return(caps(false))
	f.enc.EXPECT().Prepare(gomock.Any(), gomock.Any()).Return(f.msg, nil)
	f.msg.EXPECT().EightBit().Return(false)
	f.msg.EXPECT().Size().Return(int64(100), nil)
	f.msg.EXPECT().MessageID().Return("id@x")
	temp := &domain.Error{Kind: domain.KindTemporaryFailure, Code: 451, Op: "data-end"}
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, env ports.Envelope, _ io.WriterTo) (*ports.TxResult, error) {
			// The first transaction of a split recipient list was delivered,
			// the second failed temporarily.
			return &ports.TxResult{Accepted: env.To[:1], Rejected: []domain.RejectedRecipient{{Address: "cat@example.org", Code: 451}},
				Response: "250"}, temp
		})
	f.session.EXPECT().Close().Return(nil)
	c := f.client(t, WithRetry(RetryPolicy{MaxAttempts: 3, InitialDelay: time.Millisecond}), noBreaker())
	res, err := c.Send(context.Background(), testEmail(t))
	if res == nil || len(res.Accepted) != 1 || domain.KindOf(err) != domain.KindTemporaryFailure {
		t.Fatalf("Send = %+v, %v; want the partial result with the temporary error, after one attempt", res, err)
	}
}

// bodyOf matches the body the client hands to a session: m itself, or m
// inside the client's octet counter.
func bodyOf(m ports.Message) gomock.Matcher { return bodyMatcher{m} }

type bodyMatcher struct{ m ports.Message }

func (b bodyMatcher) Matches(x any) bool {
	if cb, ok := x.(*countingBody); ok {
		x = cb.Message
	}
	return x == b.m
}

func (b bodyMatcher) String() string { return "is the body of the expected message" }
