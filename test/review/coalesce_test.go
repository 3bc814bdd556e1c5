package review_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// gatedClient is a client with coalescing over a pool of one fake session
// whose sends run through hook.
func gatedClient(t *testing.T, hook func(env ports.Envelope, body io.WriterTo) (*ports.TxResult, error)) (*application.Client, *fakeTransport) {
	t.Helper()
	tr := &fakeTransport{send: hook}
	p := pool.New(tr, pool.Config{MaxConnections: 1, MinIdle: -1, HealthCheckInterval: -1, AcquireTimeout: time.Minute})
	c, err := application.New(tr, bootstrap.NewEncoder(), application.WithPool(p),
		application.WithRetry(application.RetryPolicy{MaxAttempts: 1}),
		application.WithCircuitBreaker(application.BreakerConfig{Disabled: true}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c, tr
}

func from(env ports.Envelope) string { return env.From.Email() }

// A coalesced caller whose context ends while its message waits its turn
// in the group's pipelined SendMany gets delivery-unknown and returns; the
// group goes on and encodes the message afterwards, reading the caller's
// attachment bytes after Send has returned. A caller that reuses its buffer
// once Send returned (as any Go API allows) has the new bytes delivered
// under the old message. Expected: once Send returned, the message is
// either not sent at all or sent as it was when Send was called.
func TestACoalescedSendDoesNotReadTheCallersDataAfterItReturned(t *testing.T) {
	holdGate, entered, gate := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	written := map[string]string{}
	hook := func(env ports.Envelope, body io.WriterTo) (*ports.TxResult, error) {
		switch from(env) {
		case "holder@example.test":
			<-holdGate
		case "a@example.test":
			close(entered)
			<-gate
		}
		var buf bytes.Buffer
		res, err := accept(env, body, &buf)
		if err == nil { // a body that refused to begin was not sent
			mu.Lock()
			written[from(env)] = buf.String()
			mu.Unlock()
		}
		return res, err
	}
	c, _ := gatedClient(t, hook)
	mail := func(sender string) *domain.Email {
		e, err := domain.NewEmail().From(sender).To("rcpt@example.test").Subject("s").Text("x").Build()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	held := make(chan error, 1)
	go func() { _, err := c.Send(context.Background(), mail("holder@example.test")); held <- err }()
	waitFor(t, "the holder to take the session", func() bool { return c.PoolStatus().InUse == 1 })

	attachment := []byte(strings.Repeat("ORIGINAL", 8))
	a := mail("a@example.test")
	a.Attachments = []domain.Attachment{{Filename: "a.txt", ContentType: "text/plain", Content: domain.BytesSource(attachment)}}
	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	aDone := make(chan error, 1)
	go func() { _, err := c.Send(ctxA, a); aDone <- err }()
	waitFor(t, "A to wait for the pool", func() bool { return c.PoolStatus().Pending == 1 })
	bDone := make(chan error, 1)
	go func() { _, err := c.Send(context.Background(), mail("b@example.test")); bDone <- err }()
	waitFor(t, "B to wait for the pool", func() bool { return c.PoolStatus().Pending == 2 })

	close(holdGate) // the session goes to A, which takes B's message too
	if err := <-held; err != nil {
		t.Fatalf("holder: %v", err)
	}
	<-entered // the group's SendMany is under way, A's message first
	cancelA()
	errA := <-aDone
	t.Logf("A returned: %v", errA)
	// Send has returned: the caller may reuse its buffer.
	copy(attachment, strings.Repeat("REPLACED", 8))
	close(gate)
	if err := <-bDone; err != nil {
		t.Fatalf("B: %v", err)
	}
	mu.Lock()
	got, sent := written["a@example.test"]
	mu.Unlock()
	if sent && !strings.Contains(got, "T1JJR0lOQUxPUklHSU5BTE9SSUdJTkFM") { // base64 of ORIGINALORIGINALORIGINAL
		t.Errorf("A's message was encoded after A's Send returned, with the caller's new bytes: %q", got)
	}
}
