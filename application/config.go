package application

import (
	"errors"
	"strconv"
	"time"

	"github.com/integrations/smtp/domain"
)

// Limits are the client-side limits of the specification's section 10.3,
// checked before any connection is made (a typed error of
// KindMessageTooLarge, or KindInvalidInput for recipients and
// attachments). A zero field takes its default; none may exceed the
// specification's maximum.
type Limits struct {
	// MaxMessageSize bounds the content of a message before transfer
	// encoding: texts and attachment octets of an Email, the octets of a
	// raw message given to SendRaw (default 10 MiB, at most 25 MiB; base64
	// adds a third on the wire, which the server's SIZE bounds).
	MaxMessageSize int64
	MaxRecipients  int // To, Cc and Bcc together (default 50, at most 100)
	MaxAttachments int // attachments and inline images together (default 10, at most 50)
}

// The maxima of the specification's section 10.3.
const (
	MaxMessageSizeLimit = 25 << 20 // Limits.MaxMessageSize at most
	MaxRecipientsLimit  = 100      // Limits.MaxRecipients at most
	MaxAttachmentsLimit = 50       // Limits.MaxAttachments at most
)

// The defaults of a zero Limits field.
const (
	defaultMessageSize    = 10 << 20
	defaultMaxRecipients  = 50
	defaultMaxAttachments = 10
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = defaultMessageSize
	}
	if l.MaxRecipients <= 0 {
		l.MaxRecipients = defaultMaxRecipients
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = defaultMaxAttachments
	}
	return l
}

// Validate reports every problem of l at once (errors.Join of
// *domain.Error of KindInvalidInput).
func (l Limits) Validate() error {
	var errs []error
	if l.MaxMessageSize < 0 || l.MaxRecipients < 0 || l.MaxAttachments < 0 {
		errs = append(errs, configError("limits must be non-negative"))
	}
	if l.MaxMessageSize > MaxMessageSizeLimit {
		errs = append(errs, configError("message size limit "+strconv.FormatInt(l.MaxMessageSize, 10)+" is above the 25 MiB maximum"))
	}
	if l.MaxRecipients > MaxRecipientsLimit {
		errs = append(errs, configError("recipient limit "+strconv.Itoa(l.MaxRecipients)+" is above the maximum of 100"))
	}
	if l.MaxAttachments > MaxAttachmentsLimit {
		errs = append(errs, configError("attachment limit "+strconv.Itoa(l.MaxAttachments)+" is above the maximum of 50"))
	}
	return errors.Join(errs...)
}

// RetryConditions say which failures are retried (specification section
// 5.1.2). The zero value means DefaultRetryConditions. Delivery status
// unknown, partial deliveries, message and authentication errors are never
// retried, whatever the conditions say.
type RetryConditions struct {
	ConnectionErrors  bool  // refused, reset or lost connections, a 421, an unhealthy pooled session
	Timeouts          bool  // connect, read, write and command timeouts
	TemporaryFailures bool  // any 4xx reply
	ErrorCodes        []int // these reply codes are retried even when TemporaryFailures is false
}

// DefaultRetryConditions returns the specification's defaults: connection
// errors, timeouts and temporary failures, and the codes 421, 450, 451, 452.
func DefaultRetryConditions() RetryConditions {
	return RetryConditions{ConnectionErrors: true, Timeouts: true, TemporaryFailures: true, ErrorCodes: []int{421, 450, 451, 452}}
}

// IsZero reports whether c is the zero value (which means the defaults).
func (c RetryConditions) IsZero() bool {
	return !c.ConnectionErrors && !c.Timeouts && !c.TemporaryFailures && len(c.ErrorCodes) == 0
}

// RetryPolicy drives retries of transient failures. Its zero value is the
// specification's policy (section 7.1.1): 3 attempts, 500 ms doubling up
// to 30 s, with jitter, on DefaultRetryConditions. MaxAttempts 1 turns
// retries off.
type RetryPolicy struct {
	MaxAttempts   int             // total attempts, the first included (default 3)
	InitialDelay  time.Duration   // before the first retry (default 500 ms)
	MaxDelay      time.Duration   // the longest delay (default 30 s)
	Multiplier    float64         // at least 1 (default 2)
	DisableJitter bool            // exact delays instead of ±20 % random ones
	RetryOn       RetryConditions // zero means DefaultRetryConditions
}

// The defaults of a zero RetryPolicy field.
const (
	defaultMaxAttempts  = 3
	defaultInitialDelay = 500 * time.Millisecond
	defaultMaxDelay     = 30 * time.Second
	defaultMultiplier   = 2
)

// WithDefaults returns r with every zero field set to its default.
func (r RetryPolicy) WithDefaults() RetryPolicy {
	if r.MaxAttempts == 0 {
		r.MaxAttempts = defaultMaxAttempts
	}
	if r.InitialDelay == 0 {
		r.InitialDelay = defaultInitialDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = max(defaultMaxDelay, r.InitialDelay)
	}
	if r.Multiplier == 0 {
		r.Multiplier = defaultMultiplier
	}
	if r.RetryOn.IsZero() {
		r.RetryOn = DefaultRetryConditions()
	}
	return r
}

// Validate reports every problem of r at once (errors.Join of
// *domain.Error of KindInvalidInput); it never rewrites r.
func (r RetryPolicy) Validate() error {
	var errs []error
	if r.MaxAttempts < 0 {
		errs = append(errs, configError("retry max attempts must be non-negative"))
	}
	if r.InitialDelay < 0 || r.MaxDelay < 0 {
		errs = append(errs, configError("retry delays must be non-negative"))
	}
	if r.InitialDelay > 0 && r.MaxDelay > 0 && r.MaxDelay < r.InitialDelay {
		errs = append(errs, configError("retry max delay "+r.MaxDelay.String()+" is below the initial delay "+r.InitialDelay.String()))
	}
	if r.Multiplier != 0 && r.Multiplier < 1 {
		errs = append(errs, configError("retry multiplier must be at least 1 (0 means 2)"))
	}
	for _, code := range r.RetryOn.ErrorCodes {
		if code < 400 || code > 599 {
			errs = append(errs, configError("retry error code "+strconv.Itoa(code)+" is not a 4xx or 5xx reply code"))
		}
	}
	return errors.Join(errs...)
}

// BreakerConfig drives the circuit breaker. Its zero value is the
// specification's breaker (section 7.1.2), on: it opens after 5 failures
// within a minute, lets a trial send through after 30 s, and closes after
// 3 successes. Disabled turns it off.
type BreakerConfig struct {
	Disabled         bool
	FailureThreshold int           // failures that open it (default 5)
	FailureWindow    time.Duration // within this time (default 1 min)
	RecoveryTimeout  time.Duration // open this long before a trial send (default 30 s)
	SuccessThreshold int           // trial successes that close it (default 3)
}

// The defaults of a zero BreakerConfig field.
const (
	defaultFailureThreshold = 5
	defaultFailureWindow    = time.Minute
	defaultRecoveryTimeout  = 30 * time.Second
	defaultSuccessThreshold = 3
)

// WithDefaults returns b with every zero field set to its default.
func (b BreakerConfig) WithDefaults() BreakerConfig {
	if b.FailureThreshold == 0 {
		b.FailureThreshold = defaultFailureThreshold
	}
	if b.FailureWindow == 0 {
		b.FailureWindow = defaultFailureWindow
	}
	if b.RecoveryTimeout == 0 {
		b.RecoveryTimeout = defaultRecoveryTimeout
	}
	if b.SuccessThreshold == 0 {
		b.SuccessThreshold = defaultSuccessThreshold
	}
	return b
}

// Validate reports a negative setting (a *domain.Error of
// KindInvalidInput).
func (b BreakerConfig) Validate() error {
	if b.FailureThreshold < 0 || b.SuccessThreshold < 0 || b.FailureWindow < 0 || b.RecoveryTimeout < 0 {
		return configError("circuit breaker settings must not be negative")
	}
	return nil
}

func configError(msg string) error { return domain.NewError(domain.KindInvalidInput, "config", msg) }
