package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang/mock/gomock"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

type ctxKey struct{}

func TestLimitConnectionsAcquiresThenOpens(t *testing.T) {
	t.Parallel()
	ctrl := gomock.NewController(t)
	ctx := context.WithValue(context.Background(), ctxKey{}, "this one")
	transport := mocks.NewMockTransport(ctrl)
	limiter := mocks.NewMockRateLimiter(ctrl)
	session := mocks.NewMockSession(ctrl)
	gomock.InOrder(
		limiter.EXPECT().Acquire(ctx, ports.QuotaConnections).Return(nil),
		transport.EXPECT().Open(ctx).Return(session, nil),
	)

	got, err := ratelimit.LimitConnections(transport, limiter).Open(ctx)
	if err != nil || got != session {
		t.Fatalf("Open: %v, %v; want the transport's session", got, err)
	}
}

func TestLimitConnectionsRefusalDoesNotDial(t *testing.T) {
	t.Parallel()
	ctrl := gomock.NewController(t)
	transport := mocks.NewMockTransport(ctrl) // no Open expected
	limiter := mocks.NewMockRateLimiter(ctrl)
	refusal := &domain.Error{Kind: domain.KindLocalRateLimit, Op: "rate limit", RetryAfter: time.Second}
	limiter.EXPECT().Acquire(gomock.Any(), ports.QuotaConnections).Return(refusal)

	got, err := ratelimit.LimitConnections(transport, limiter).Open(context.Background())
	if got != nil || !errors.Is(err, refusal) {
		t.Fatalf("Open: %v, %v; want nil and the limiter's error", got, err)
	}
}

func TestLimitConnectionsWithTheLimiter(t *testing.T) {
	t.Parallel()
	ctrl := gomock.NewController(t)
	transport := mocks.NewMockTransport(ctrl)
	session := mocks.NewMockSession(ctrl)
	transport.EXPECT().Open(gomock.Any()).Return(session, nil).Times(2)
	l := newLimiter(t, ratelimit.Config{MaxEmails: 1, MaxConnections: 2, Window: time.Hour})
	limited := ratelimit.LimitConnections(transport, l)

	for i := range 2 {
		if _, err := limited.Open(context.Background()); err != nil {
			t.Fatalf("Open %d: %v", i+1, err)
		}
	}
	got, err := limited.Open(context.Background())
	if got != nil || domain.KindOf(err) != domain.KindLocalRateLimit {
		t.Fatalf("third Open: %v, %v; want nil and %s", got, err, domain.KindLocalRateLimit.String())
	}
	if err := l.Acquire(context.Background(), ports.QuotaEmails); err != nil {
		t.Fatalf("Acquire(emails) after the connections ran out: %v", err)
	}
}

func TestLimitConnectionsWithoutLimiter(t *testing.T) {
	t.Parallel()
	transport := mocks.NewMockTransport(gomock.NewController(t))
	if got := ratelimit.LimitConnections(transport, nil); got != ports.Transport(transport) {
		t.Fatalf("LimitConnections(t, nil) = %v, want t", got)
	}
}
