package ratelimit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/domain"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give ratelimit.Config
		want []string // parts of the one error's message; none for a valid config
	}{
		{"valid", ratelimit.Config{MaxEmails: 1, Window: time.Second}, nil},
		{"wait without a timeout", ratelimit.Config{MaxEmails: 10, Window: time.Minute, OnLimit: ratelimit.Wait}, nil},
		{"wait with timeout", ratelimit.Config{MaxEmails: 10, Window: time.Minute, OnLimit: ratelimit.WaitWithTimeout, WaitTimeout: time.Second}, nil},
		{"three problems", ratelimit.Config{MaxConnections: -1, OnLimit: ratelimit.WaitWithTimeout},
			[]string{"positive number of emails and a positive window", "connections must be non-negative", "needs a positive wait timeout"}},
		{"unknown behaviour", ratelimit.Config{MaxEmails: 1, Window: time.Second, OnLimit: 9}, []string{"unknown behaviour"}},
	}
	for _, tt := range tests {
		err := tt.give.Validate()
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
			}
			continue
		}
		if domain.KindOf(err) != domain.KindInvalidInput {
			t.Errorf("%s: Validate() = %v, want KindInvalidInput", tt.name, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Validate() = %v, want it to say %q", tt.name, err, w)
			}
		}
	}
}

func TestBehaviorString(t *testing.T) {
	t.Parallel()
	for b, want := range map[ratelimit.Behavior]string{ratelimit.Reject: "reject", ratelimit.Wait: "wait",
		ratelimit.WaitWithTimeout: "wait-with-timeout", 9: "unknown"} {
		if got := b.String(); got != want {
			t.Errorf("Behavior(%d).String() = %q, want %q", b, got, want)
		}
	}
}
