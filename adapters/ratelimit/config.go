package ratelimit

import (
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
)

// Behavior says what happens when the limit is reached (specification
// section 7.1.3).
type Behavior uint8

// The behaviours. The zero value is Reject.
const (
	Reject          Behavior = iota // refuse at once with KindLocalRateLimit
	Wait                            // wait for the next permit, as long as the caller's context allows
	WaitWithTimeout                 // wait at most Config.WaitTimeout, then refuse
)

// String returns "reject", "wait" or "wait-with-timeout".
func (b Behavior) String() string {
	switch b {
	case Reject:
		return "reject"
	case Wait:
		return "wait"
	case WaitWithTimeout:
		return "wait-with-timeout"
	}
	return "unknown"
}

// Config limits sending: MaxEmails messages, and MaxConnections new
// connections when it is positive, in each Window. It has no useful zero
// value: MaxEmails and Window must be positive (a client without a Config
// has no limit).
type Config struct {
	MaxEmails      int
	Window         time.Duration
	MaxConnections int // per Window; 0 means connections are not limited
	OnLimit        Behavior
	WaitTimeout    time.Duration // for WaitWithTimeout
}

// Validate reports every problem of c in one *domain.Error of
// KindInvalidInput (Op "rate limit"), or nil.
func (c Config) Validate() error {
	if problems := c.problems(); len(problems) > 0 {
		return domain.NewError(domain.KindInvalidInput, op, strings.Join(problems, "; "))
	}
	return nil
}

// problems lists what is wrong with c, nil when nothing is.
func (c Config) problems() []string {
	var problems []string
	if c.MaxEmails <= 0 || c.Window <= 0 {
		problems = append(problems, "needs a positive number of emails and a positive window")
	}
	if c.MaxConnections < 0 {
		problems = append(problems, "connections must be non-negative")
	}
	switch c.OnLimit {
	case Reject, Wait:
	case WaitWithTimeout:
		if c.WaitTimeout <= 0 {
			problems = append(problems, "behaviour wait-with-timeout needs a positive wait timeout")
		}
	default:
		problems = append(problems, "unknown behaviour")
	}
	return problems
}
