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

// subjectMessage is a prepared message named after its email's subject,
// so a test can tell which messages a SendMany got.
type subjectMessage struct{ subject, id string }

func (m *subjectMessage) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, m.subject)
	return int64(n), err
}
func (m *subjectMessage) MessageID() string    { return m.id }
func (m *subjectMessage) Size() (int64, error) { return int64(len(m.subject)), nil }
func (m *subjectMessage) EightBit() bool       { return false }

func batchEmail(t *testing.T, subject string) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("ann@example.com").To("bob@example.org").Subject(subject).Text("hello").Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func batchEmails(t *testing.T, subjects ...string) []*domain.Email {
	t.Helper()
	var out []*domain.Email
	for _, s := range subjects {
		out = append(out, batchEmail(t, s))
	}
	return out
}

// prepareBySubject makes the encoder return a subjectMessage; subjects in
// fail get an encoding error instead. ids records the Message-ID each
// subject was prepared with.
func prepareBySubject(f *fixture, ids map[string][]string, fail ...string) {
	f.enc.EXPECT().Prepare(gomock.Any(), gomock.Any()).AnyTimes().
		DoAndReturn(func(e *domain.Email, opts ports.EncodeOptions) (ports.Message, error) {
			if ids != nil {
				ids[e.Subject] = append(ids[e.Subject], opts.MessageID)
			}
			for _, s := range fail {
				if e.Subject == s {
					return nil, domain.NewError(domain.KindEncodingFailed, "encode", "cannot encode "+s)
				}
			}
			return &subjectMessage{subject: e.Subject, id: opts.MessageID}, nil
		})
}

// subjects lists the messages of a SendMany.
func subjects(txs []ports.Transaction) []string {
	var out []string
	for _, tx := range txs {
		body := tx.Body
		if cb, ok := body.(*countingBody); ok {
			body = cb.Message
		}
		out = append(out, body.(*subjectMessage).subject)
	}
	return out
}

// expectSendMany expects one SendMany of the messages want on s and
// answers with outs.
func expectSendMany(t *testing.T, s *mocks.MockSession, want []string, outs ...ports.TxOutcome) *gomock.Call {
	t.Helper()
	return s.EXPECT().SendMany(gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, txs []ports.Transaction) []ports.TxOutcome {
			if got := subjects(txs); !equal(got, want) {
				t.Errorf("SendMany got %v; want %v", got, want)
			}
			return outs
		})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func ok(text string) ports.TxOutcome {
	return ports.TxOutcome{Result: &ports.TxResult{Accepted: []domain.Address{domain.MustParseAddress("bob@example.org")}, Response: "250 " + text, QueueID: strings.TrimPrefix(text, "Ok: queued as ")}}
}

func failed(k domain.Kind, code int) ports.TxOutcome {
	return ports.TxOutcome{Err: &domain.Error{Kind: k, Op: "mail", Code: code}}
}

func notSentOutcome() ports.TxOutcome {
	return ports.TxOutcome{Err: &domain.Error{Kind: domain.KindConnection, Op: "mail", Err: ports.ErrNotSent}}
}

func retries(n int) Option {
	return WithRetry(RetryPolicy{MaxAttempts: n, InitialDelay: time.Microsecond, MaxDelay: 2 * time.Microsecond})
}

func TestSendBatchPipelinesTheValidMessagesInOneSendMany(t *testing.T) {
	f := newFixture(t)
	ids := map[string][]string{}
	prepareBySubject(f, ids, "m3")
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil).Times(1)
	f.session.EXPECT().Info().Return(caps(true)).Times(1)
	expectSendMany(t, f.session, []string{"m1", "m2", "m4"},
		ok("Ok: queued as A1"), failed(domain.KindInvalidRecipientAddress, 550), ok("Ok: queued as A4"))
	f.session.EXPECT().Close().Return(nil).Times(1)
	emails := batchEmails(t, "m1", "m2", "m3", "m4")
	emails = append(emails[:1], append([]*domain.Email{nil, {Subject: "invalid"}}, emails[1:]...)...) // m1 nil invalid m2 m3 m4
	res, err := f.client(t, noRetry(), noBreaker()).SendBatch(context.Background(), emails)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 6 || res.Succeeded != 2 || res.Failed != 4 {
		t.Errorf("batch = %+v; want 6 messages, 2 sent", res)
	}
	wantKinds := []domain.Kind{domain.KindUnknown, domain.KindInvalidInput, domain.KindInvalidFromAddress,
		domain.KindInvalidRecipientAddress, domain.KindEncodingFailed, domain.KindUnknown}
	for i, k := range wantKinds {
		if got := domain.KindOf(res.Items[i].Err); got != k {
			t.Errorf("item %d: err %v; want kind %v", i, res.Items[i].Err, k)
		}
	}
	if r := res.Items[5].Result; r == nil || r.ServerID != "A4" || r.MessageID != ids["m4"][0] || r.MessageID == "" || r.Size != 2 {
		t.Errorf("item 5 = %+v; want queue ID A4, the stamped Message-ID, and the size", r)
	}
}

func TestSendBatchSendsTheNotSentOnANewSession(t *testing.T) {
	// The session dies under m2 with the verdict lost: m2 is never sent
	// again, m3 and m4 (never started) go on a new session, even with
	// retries disabled.
	f := newFixture(t)
	second := mocks.NewMockSession(f.ctrl)
	prepareBySubject(f, nil)
	gomock.InOrder(
		f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil),
		f.transport.EXPECT().Open(gomock.Any()).Return(second, nil),
	)
	f.session.EXPECT().Info().Return(caps(false))
	second.EXPECT().Info().Return(caps(false))
	expectSendMany(t, f.session, []string{"m1", "m2", "m3", "m4"},
		ok("one"), failed(domain.KindDeliveryUnknown, 0), notSentOutcome(), notSentOutcome())
	f.session.EXPECT().Reusable().Return(false)
	f.session.EXPECT().Close().Return(nil)
	expectSendMany(t, second, []string{"m3", "m4"}, ok("three"), ok("four"))
	second.EXPECT().Close().Return(nil)
	res, err := f.client(t, noRetry(), noBreaker()).SendBatch(context.Background(), batchEmails(t, "m1", "m2", "m3", "m4"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != 3 || !domain.IsDeliveryUnknown(res.Items[1].Err) {
		t.Errorf("batch = %+v; want 3 sent and m2 delivery-unknown", res)
	}
}

func TestSendBatchRetriesRetryableFailuresTogether(t *testing.T) {
	f := newFixture(t)
	ids := map[string][]string{}
	prepareBySubject(f, ids)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil).Times(1)
	f.session.EXPECT().Info().Return(caps(false)).Times(2)
	f.session.EXPECT().Reusable().Return(true)
	gomock.InOrder(
		expectSendMany(t, f.session, []string{"m1", "m2", "m3"},
			failed(domain.KindTemporaryFailure, 451), ok("two"), failed(domain.KindServerRateLimit, 450)),
		expectSendMany(t, f.session, []string{"m1", "m3"}, ok("one"), ok("three")),
	)
	f.session.EXPECT().Close().Return(nil)
	res, err := f.client(t, retries(3), noBreaker()).SendBatch(context.Background(), batchEmails(t, "m1", "m2", "m3"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != 3 {
		t.Errorf("batch = %+v; want all sent on the second round", res)
	}
	if m := ids["m1"]; len(m) != 2 || m[0] != m[1] {
		t.Errorf("m1 prepared with Message-IDs %v; want the same one twice", m)
	}
}

func TestSendBatchGivesUpAfterMaxAttempts(t *testing.T) {
	f := newFixture(t)
	prepareBySubject(f, nil)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Info().Return(caps(false)).Times(2)
	f.session.EXPECT().Reusable().Return(true)
	expectSendMany(t, f.session, []string{"m1"}, failed(domain.KindTemporaryFailure, 451)).Times(2)
	f.session.EXPECT().Close().Return(nil)
	res, _ := f.client(t, retries(2), noBreaker()).SendBatch(context.Background(), batchEmails(t, "m1"))
	if e := domain.AsError(res.Items[0].Err); e == nil || e.Code != 451 {
		t.Errorf("item = %v; want the last 451", res.Items[0].Err)
	}
}

func TestSendBatchNeverResendsWhatMayHaveArrived(t *testing.T) {
	// A lost verdict, a partial delivery and a permanent refusal: none is
	// sent again, whatever the retry budget.
	f := newFixture(t)
	prepareBySubject(f, nil)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Info().Return(caps(false))
	partial := ok("part")
	partial.Err = &domain.Error{Kind: domain.KindTemporaryFailure, Op: "mail", Code: 451}
	expectSendMany(t, f.session, []string{"m1", "m2", "m3"},
		failed(domain.KindDeliveryUnknown, 0), partial, failed(domain.KindPermanentFailure, 554)).Times(1)
	f.session.EXPECT().Close().Return(nil)
	res, _ := f.client(t, retries(5), noBreaker()).SendBatch(context.Background(), batchEmails(t, "m1", "m2", "m3"))
	for i, k := range []domain.Kind{domain.KindDeliveryUnknown, domain.KindTemporaryFailure, domain.KindPermanentFailure} {
		if got := domain.KindOf(res.Items[i].Err); got != k {
			t.Errorf("item %d: %v; want kind %v", i, res.Items[i].Err, k)
		}
	}
}

func TestSendBatchWhenNoSessionOpens(t *testing.T) {
	f := newFixture(t)
	prepareBySubject(f, nil)
	refused := &domain.Error{Kind: domain.KindConnectionRefused, Op: "dial"}
	f.transport.EXPECT().Open(gomock.Any()).Return(nil, refused).Times(2)
	res, err := f.client(t, retries(2), noBreaker()).SendBatch(context.Background(), batchEmails(t, "m1", "m2"))
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range res.Items {
		if !errors.Is(it.Err, domain.KindConnectionRefused) {
			t.Errorf("item %d: %v; want the dial error", i, it.Err)
		}
	}
}

func TestSendBatchStopsAtAnOpenCircuit(t *testing.T) {
	f := newFixture(t)
	refused := &domain.Error{Kind: domain.KindConnectionRefused, Op: "dial"}
	f.transport.EXPECT().Open(gomock.Any()).Return(nil, refused).Times(1)
	c := f.client(t, noRetry(), WithCircuitBreaker(BreakerConfig{FailureThreshold: 1, RecoveryTimeout: time.Hour}))
	if _, err := c.Send(context.Background(), testEmail(t)); !errors.Is(err, domain.KindConnectionRefused) {
		t.Fatalf("Send = %v", err)
	}
	res, err := c.SendBatch(context.Background(), batchEmails(t, "m1"))
	if err != nil || !errors.Is(res.Items[0].Err, domain.KindCircuitOpen) {
		t.Fatalf("SendBatch = %+v, %v; want the item refused by the open circuit", res, err)
	}
}

func TestSendBatchWithInterceptorsSendsEachThroughThem(t *testing.T) {
	f := newFixture(t)
	var trail []string
	prepareBySubject(f, nil)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil).Times(1)
	f.session.EXPECT().Info().Return(caps(false)).Times(2)
	f.session.EXPECT().Reusable().Return(true)
	f.session.EXPECT().Send(gomock.Any(), gomock.Any(), gomock.Any()).Return(ok("x").Result, nil).Times(2)
	f.session.EXPECT().Close().Return(nil)
	c := f.client(t, noRetry(), WithInterceptors(recordingInterceptor{"seen", &trail}))
	res, err := c.SendBatch(context.Background(), append(batchEmails(t, "m1", "m2"), nil))
	if err != nil || res.Succeeded != 2 || res.Failed != 1 || len(trail) != 2 {
		t.Fatalf("batch = %+v, %v, interceptor calls %d; want 2 sent through the interceptor", res, err, len(trail))
	}
}

func TestSendBatchWithNothingToSendOpensNothing(t *testing.T) {
	f := newFixture(t) // no Open expected
	res, err := f.client(t).SendBatch(context.Background(), []*domain.Email{nil, {Subject: "invalid"}})
	if err != nil || res.Failed != 2 {
		t.Fatalf("batch = %+v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.client(t).SendBatch(ctx, batchEmails(t, "m1")); domain.KindOf(err) != domain.KindCancelled {
		t.Fatalf("SendBatch with a cancelled context = %v", err)
	}
}

func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, prefix+string(rune('a'+i)))
	}
	return out
}

func TestSendBatchPreparesInGrowingChunksAndMovesTheRestWhenTheSessionDies(t *testing.T) {
	// 12 messages go in chunks of 8 and 4 (encoding the second while the
	// first is on the wire). The session dies with the last message of the
	// first chunk: the whole second chunk goes on a new session without
	// being offered to the dead one, and without counting as an attempt.
	f := newFixture(t)
	second := mocks.NewMockSession(f.ctrl)
	prepareBySubject(f, nil)
	gomock.InOrder(
		f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil),
		f.transport.EXPECT().Open(gomock.Any()).Return(second, nil),
	)
	f.session.EXPECT().Info().Return(caps(false))
	second.EXPECT().Info().Return(caps(false))
	first8 := []ports.TxOutcome{}
	for i := 0; i < 7; i++ {
		first8 = append(first8, ok("fine"))
	}
	first8 = append(first8, failed(domain.KindDeliveryUnknown, 0))
	all := names("m", 0, 11)
	expectSendMany(t, f.session, all[:8], first8...)
	f.session.EXPECT().Reusable().Return(false).AnyTimes() // the second chunk is never offered to the dead session
	f.session.EXPECT().Close().Return(nil)
	expectSendMany(t, second, all[8:], ok("a"), ok("b"), ok("c"), ok("d"))
	second.EXPECT().Close().Return(nil)
	res, err := f.client(t, noRetry(), noBreaker()).SendBatch(context.Background(), batchEmails(t, all...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Succeeded != 11 || !domain.IsDeliveryUnknown(res.Items[7].Err) {
		t.Errorf("batch = %d sent, item 7 %v; want 11 sent and the 8th delivery-unknown", res.Succeeded, res.Items[7].Err)
	}
}

func TestSendBatchKeepsThePartialResultWithItsError(t *testing.T) {
	f := newFixture(t)
	prepareBySubject(f, nil)
	f.transport.EXPECT().Open(gomock.Any()).Return(f.session, nil)
	f.session.EXPECT().Info().Return(caps(false))
	partial := ok("delivered to some")
	partial.Err = &domain.Error{Kind: domain.KindTemporaryFailure, Code: 451}
	expectSendMany(t, f.session, []string{"m1"}, partial)
	f.session.EXPECT().Close().Return(nil)
	res, _ := f.client(t, retries(3), noBreaker()).SendBatch(context.Background(), batchEmails(t, "m1"))
	if it := res.Items[0]; it.Result == nil || len(it.Result.Accepted) != 1 || it.Err == nil {
		t.Fatalf("item = %+v; want the result with its error, not sent again", it)
	}
}
