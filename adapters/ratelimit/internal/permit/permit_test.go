package permit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

func TestRoundUp(t *testing.T) {
	t.Parallel()
	tests := []struct{ give, want time.Duration }{
		{0, 0},
		{time.Nanosecond, time.Millisecond},
		{1500 * time.Microsecond, 2 * time.Millisecond},
		{999100 * time.Microsecond, time.Second},
		{time.Second, time.Second},
		{41*time.Second + time.Nanosecond, 42 * time.Second},
		{time.Minute, time.Minute},
	}
	for _, tt := range tests {
		if got := RoundUp(tt.give); got != tt.want {
			t.Errorf("RoundUp(%v) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestRefusalAndCtxError(t *testing.T) {
	t.Parallel()
	e := Refusal("shared", ports.QuotaEmails, 100, time.Minute, 1500*time.Millisecond)
	if e.Kind != domain.KindLocalRateLimit || e.RetryAfter != 1500*time.Millisecond ||
		e.Message != "shared limit of 100 emails per 1m0s reached; next slot in 2s" {
		t.Errorf("Refusal = %+v", e)
	}
	if e := CtxError(context.DeadlineExceeded); e.Kind != domain.KindTimeout || !errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("CtxError(deadline) = %+v", e)
	}
	if e := CtxError(context.Canceled); e.Kind != domain.KindCancelled || !errors.Is(e, context.Canceled) {
		t.Errorf("CtxError(canceled) = %+v", e)
	}
}
