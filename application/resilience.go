package application

import (
	"errors"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/integrations/smtp/domain"
)

// newExecutor composes Retry(CircuitBreaker(send)): every attempt passes the
// breaker, so an open circuit stops retries at once (KindCircuitOpen is not
// retryable), and only transient failures are retried. Message errors,
// authentication failures and delivery-status-unknown are never retried.
func newExecutor(o *options) (failsafe.Executor[any], circuitbreaker.CircuitBreaker[any]) {
	var policies []failsafe.Policy[any]
	if o.retry.MaxAttempts > 1 {
		b := retrypolicy.NewBuilder[any]().
			HandleIf(func(_ any, err error) bool { return retryable(err) }).
			WithMaxAttempts(o.retry.MaxAttempts).
			ReturnLastFailure().
			OnRetryScheduled(func(e failsafe.ExecutionScheduledEvent[any]) {
				o.log.Warnw("smtp send failed, retrying", "attempt", e.Attempts(), "delay", e.Delay, "error", e.LastError())
			})
		initial, maxDelay := o.retry.InitialDelay, o.retry.MaxDelay
		if initial > 0 {
			if maxDelay <= initial {
				maxDelay = initial * 2
			}
			factor := o.retry.Multiplier
			if factor < 1 {
				factor = 2
			}
			b = b.WithBackoffFactor(initial, maxDelay, factor)
			if o.retry.Jitter {
				b = b.WithJitterFactor(0.2)
			}
		}
		policies = append(policies, b.Build())
	}
	var breaker circuitbreaker.CircuitBreaker[any]
	if o.breaker.Enabled && o.breaker.FailureThreshold > 0 {
		b := circuitbreaker.NewBuilder[any]().
			HandleIf(func(_ any, err error) bool { return breakerCounts(err) }).
			WithDelay(o.breaker.RecoveryTimeout).
			OnOpen(func(circuitbreaker.StateChangedEvent) { o.log.Warnw("smtp circuit breaker opened") }).
			OnClose(func(circuitbreaker.StateChangedEvent) { o.log.Infow("smtp circuit breaker closed") })
		if o.breaker.FailureWindow > 0 {
			b = b.WithFailureThresholdPeriod(uint(o.breaker.FailureThreshold), o.breaker.FailureWindow)
		} else {
			b = b.WithFailureThreshold(uint(o.breaker.FailureThreshold))
		}
		if o.breaker.SuccessThreshold > 0 {
			b = b.WithSuccessThreshold(uint(o.breaker.SuccessThreshold))
		}
		breaker = b.Build()
		policies = append(policies, breaker)
	}
	return failsafe.With[any](policies...), breaker
}

// breakerCounts says which failures mean "the server is unwell": connection
// problems, timeouts and transient server replies, not bad messages.
func breakerCounts(err error) bool {
	if err == nil {
		return false
	}
	switch domain.KindOf(err).Category() {
	case domain.KindConnection, domain.KindTimeout, domain.KindTLS:
		return true
	}
	return domain.IsRetryable(err)
}

// translate turns failsafe's own errors into domain errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, circuitbreaker.ErrOpen) {
		return &domain.Error{Kind: domain.KindCircuitOpen, Op: "send", Message: "circuit breaker open: too many recent failures", Err: err}
	}
	if e := retrypolicy.AsExceededError(err); e != nil && e.LastError != nil {
		return e.LastError
	}
	return err
}

// retryable says whether an attempt may be repeated: a retryable domain
// error that did not already reach some recipients.
func retryable(err error) bool {
	var p *partialDelivery
	return !errors.As(err, &p) && domain.IsRetryable(err)
}
