package application_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/domain"
)

// TestZeroConfigsAreTheSpecification: the zero value of each of the
// application's settings is the specification's (sections 7.1 and 10.3).
func TestZeroConfigsAreTheSpecification(t *testing.T) {
	r := application.RetryPolicy{}.WithDefaults()
	b := application.BreakerConfig{}.WithDefaults()
	l := application.Limits{}.WithDefaults()
	tests := []struct {
		name      string
		got, want any
	}{
		{"retry attempts", r.MaxAttempts, 3},
		{"retry initial", r.InitialDelay, 500 * time.Millisecond},
		{"retry max", r.MaxDelay, 30 * time.Second},
		{"retry multiplier", r.Multiplier, 2.0},
		{"retry jitter", r.DisableJitter, false},
		{"retry on connection errors", r.RetryOn.ConnectionErrors, true},
		{"retry on timeouts", r.RetryOn.Timeouts, true},
		{"retry on temporary failures", r.RetryOn.TemporaryFailures, true},
		{"retry codes", fmt.Sprint(r.RetryOn.ErrorCodes), "[421 450 451 452]"},
		{"breaker on", b.Disabled, false},
		{"breaker failures", b.FailureThreshold, 5},
		{"breaker window", b.FailureWindow, time.Minute},
		{"breaker recovery", b.RecoveryTimeout, 30 * time.Second},
		{"breaker successes", b.SuccessThreshold, 3},
		{"limit size", l.MaxMessageSize, int64(10 << 20)},
		{"limit recipients", l.MaxRecipients, 50},
		{"limit attachments", l.MaxAttachments, 10},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	set := application.RetryPolicy{MaxAttempts: 1, InitialDelay: time.Second, MaxDelay: 2 * time.Second, Multiplier: 1.5}.WithDefaults()
	if set.MaxAttempts != 1 || set.InitialDelay != time.Second || set.MaxDelay != 2*time.Second || set.Multiplier != 1.5 {
		t.Errorf("WithDefaults changed set fields: %+v", set)
	}
	if got := (application.RetryPolicy{InitialDelay: time.Minute}).WithDefaults().MaxDelay; got != time.Minute {
		t.Errorf("an initial delay above the default max delay: max delay %v, want the initial delay", got)
	}
}

// TestConfigsValidate: each case sets one field and wants one problem (or
// none), named in the message; values are refused, not rewritten.
func TestConfigsValidate(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // part of the message; "" for valid
	}{
		{"retry max delay below initial delay", application.RetryPolicy{InitialDelay: 2 * time.Second, MaxDelay: time.Second}.Validate(), "below the initial delay"},
		{"retry max delay equal to initial delay", application.RetryPolicy{InitialDelay: time.Second, MaxDelay: time.Second}.Validate(), ""},
		{"retry max delay zero: the default", application.RetryPolicy{InitialDelay: time.Second}.Validate(), ""},
		{"retry negative delay", application.RetryPolicy{InitialDelay: -time.Second}.Validate(), "non-negative"},
		{"retry negative attempts", application.RetryPolicy{MaxAttempts: -1}.Validate(), "max attempts must be non-negative"},
		{"retry multiplier 0.5", application.RetryPolicy{Multiplier: 0.5}.Validate(), "multiplier must be at least 1"},
		{"retry multiplier -2", application.RetryPolicy{Multiplier: -2}.Validate(), "multiplier must be at least 1"},
		{"retry multiplier 1", application.RetryPolicy{Multiplier: 1}.Validate(), ""},
		{"retry error code 200", application.RetryPolicy{RetryOn: application.RetryConditions{ErrorCodes: []int{421, 200}}}.Validate(), "retry error code 200"},
		{"retry error code 600", application.RetryPolicy{RetryOn: application.RetryConditions{ErrorCodes: []int{600}}}.Validate(), "retry error code 600"},
		{"retry error codes 4xx and 5xx", application.RetryPolicy{RetryOn: application.RetryConditions{ErrorCodes: []int{400, 554, 599}}}.Validate(), ""},
		{"message size at the maximum", application.Limits{MaxMessageSize: application.MaxMessageSizeLimit}.Validate(), ""},
		{"message size above the maximum", application.Limits{MaxMessageSize: application.MaxMessageSizeLimit + 1}.Validate(), "25 MiB maximum"},
		{"recipients at the maximum", application.Limits{MaxRecipients: 100}.Validate(), ""},
		{"recipients above the maximum", application.Limits{MaxRecipients: 101}.Validate(), "maximum of 100"},
		{"attachments at the maximum", application.Limits{MaxAttachments: 50}.Validate(), ""},
		{"attachments above the maximum", application.Limits{MaxAttachments: 51}.Validate(), "maximum of 50"},
		{"negative limit", application.Limits{MaxRecipients: -1}.Validate(), "limits must be non-negative"},
		{"zero limits take the defaults", application.Limits{}.Validate(), ""},
		{"breaker zero: on at the defaults", application.BreakerConfig{}.Validate(), ""},
		{"breaker disabled", application.BreakerConfig{Disabled: true}.Validate(), ""},
		{"breaker negative recovery", application.BreakerConfig{FailureThreshold: 5, RecoveryTimeout: -time.Second}.Validate(), "circuit breaker"},
		{"breaker negative window", application.BreakerConfig{FailureWindow: -time.Second}.Validate(), "circuit breaker"},
		{"breaker negative threshold", application.BreakerConfig{FailureThreshold: -1}.Validate(), "circuit breaker"},
	}
	for _, tt := range tests {
		if tt.want == "" {
			if tt.err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tt.name, tt.err)
			}
			continue
		}
		if domain.KindOf(tt.err) != domain.KindInvalidInput || !strings.Contains(tt.err.Error(), tt.want) || strings.Count(tt.err.Error(), "\n") != 0 {
			t.Errorf("%s: Validate() = %v, want one invalid-input error saying %q", tt.name, tt.err, tt.want)
		}
	}
}
