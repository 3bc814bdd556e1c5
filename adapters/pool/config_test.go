package pool_test

import (
	"strings"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/domain"
)

// TestConfigValidate: each case sets a field and wants one problem (or
// none), named in the message; values above a maximum are refused, not
// lowered.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		give pool.Config
		want string // part of the message; "" for valid
	}{
		{"zero: the defaults", pool.Config{}, ""},
		{"max connections 20", pool.Config{MaxConnections: 20}, ""},
		{"max connections 21", pool.Config{MaxConnections: 21}, "at most 20"},
		{"idle timeout 30m", pool.Config{IdleTimeout: 30 * time.Minute}, ""},
		{"idle timeout 31m", pool.Config{IdleTimeout: 31 * time.Minute}, "30m maximum"},
		{"max lifetime 4h", pool.Config{MaxLifetime: 4 * time.Hour}, ""},
		{"max lifetime 5h", pool.Config{MaxLifetime: 5 * time.Hour}, "4h maximum"},
		{"negative duration", pool.Config{AcquireTimeout: -1}, "durations must be non-negative"},
		{"negative max connections", pool.Config{MaxConnections: -1}, "sizes must be non-negative"},
		{"min idle above the default max", pool.Config{MinIdle: 6}, "min idle"},
		{"min idle above max", pool.Config{MaxConnections: 2, MinIdle: 3}, "min idle"},
		{"negative min idle: none warm", pool.Config{MinIdle: -1}, ""},
		{"negative health check interval: no NOOP", pool.Config{HealthCheckInterval: -1}, ""},
		{"negative messages per connection", pool.Config{MaxMessagesPerConnection: -1}, "non-negative"},
	}
	for _, tt := range tests {
		err := tt.give.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
			}
			continue
		}
		if domain.KindOf(err) != domain.KindInvalidInput || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want an invalid-input error saying %q", tt.name, err, tt.want)
		}
	}
}
