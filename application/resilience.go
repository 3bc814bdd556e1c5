package application

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/integrations/smtp/domain"
)

// newExecutor composes the policies in the order of the specification's
// section 7.2 (the rate limiter runs before, once per message):
// CircuitBreaker(Retry(attempt)). An open circuit refuses a send before
// any attempt, so nothing touches the pool or the network; a closed one
// sees the outcome of the whole retried send once. Only the failures that
// retryable accepts are retried.
func newExecutor(o *options) (failsafe.Executor[any], circuitbreaker.CircuitBreaker[any]) {
	var policies []failsafe.Policy[any]
	var breaker circuitbreaker.CircuitBreaker[any]
	if !o.breaker.Disabled && o.breaker.FailureThreshold > 0 {
		b := circuitbreaker.NewBuilder[any]().
			HandleIf(func(_ any, err error) bool { return breakerCounts(err) }).
			WithDelay(o.breaker.RecoveryTimeout).
			OnOpen(func(circuitbreaker.StateChangedEvent) {
				o.log.Warnw("smtp circuit breaker opened", "recovery_timeout", o.breaker.RecoveryTimeout)
			}).
			OnHalfOpen(func(circuitbreaker.StateChangedEvent) {
				o.log.Warnw("smtp circuit breaker half-open: trying the server")
			}).
			OnClose(func(circuitbreaker.StateChangedEvent) { o.log.Warnw("smtp circuit breaker closed") })
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
	if o.retry.MaxAttempts > 1 {
		conds := o.retry.RetryOn
		b := retrypolicy.NewBuilder[any]().
			HandleIf(func(_ any, err error) bool { return retryableWith(conds, err) }).
			WithMaxAttempts(o.retry.MaxAttempts).
			ReturnLastFailure()
		if initial := o.retry.InitialDelay; initial > 0 {
			maxDelay, factor := max(o.retry.MaxDelay, initial), o.retry.Multiplier
			if factor == 0 {
				factor = 2
			}
			if maxDelay > initial {
				b = b.WithBackoffFactor(initial, maxDelay, factor)
			} else {
				b = b.WithDelay(initial)
			}
			if !o.retry.DisableJitter {
				b = b.WithJitterFactor(0.2)
			}
		}
		policies = append(policies, b.Build())
	}
	return failsafe.With[any](policies...), breaker
}

// breakerCounts says which failures mean "the server is unwell": connection
// problems, timeouts, TLS failures and transient server replies, not bad
// messages or refused recipients.
func breakerCounts(err error) bool {
	if err == nil {
		return false
	}
	var p *partialDelivery
	if errors.As(err, &p) {
		return false
	}
	if domain.KindOf(err) != domain.KindDeliveryUnknown &&
		(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return false // the caller's own deadline or cancellation, not the server's health
	}
	switch k := domain.KindOf(err); {
	case k.Category() == domain.KindConnection, k.Category() == domain.KindTimeout, k.Category() == domain.KindTLS,
		k == domain.KindDeliveryUnknown, k == domain.KindServerShutdown:
		return true
	case k == domain.KindLocalRateLimit, k.Category() == domain.KindPool, k == domain.KindCancelled, k == domain.KindCircuitOpen:
		return false
	}
	return domain.IsTemporary(err)
}

// retryable says whether the client's retry conditions accept err.
func (c *Client) retryable(err error) bool { return retryableWith(c.o.retry.RetryOn, err) }

// retryableWith says whether an attempt that failed with err may be
// repeated under conds. Never: a message that some recipients already got,
// delivery status unknown, a bad message, an authentication or TLS failure,
// a cancelled call, an open circuit, a local rate limit or an exhausted
// wait for a session.
func retryableWith(conds RetryConditions, err error) bool {
	var p *partialDelivery
	var f *finalError
	if err == nil || errors.As(err, &p) || errors.As(err, &f) {
		return false
	}
	e := domain.AsError(err)
	if e == nil {
		return false
	}
	k, cat := e.Kind, e.Kind.Category()
	switch {
	case k == domain.KindDeliveryUnknown, k == domain.KindCancelled, k == domain.KindCircuitOpen,
		k == domain.KindLocalRateLimit, k == domain.KindAcquireTimeout, errors.Is(err, ErrClosed),
		cat == domain.KindMessage, cat == domain.KindAuth, cat == domain.KindTLS:
		return false
	case e.Code != 0 && slices.Contains(conds.ErrorCodes, e.Code):
		return true
	case e.Code >= 500:
		return false
	case k == domain.KindServerShutdown, cat == domain.KindConnection, k == domain.KindConnectionUnhealthy, k == domain.KindPoolExhausted:
		return conds.ConnectionErrors
	case cat == domain.KindTimeout:
		return conds.Timeouts
	case e.Code >= 400, k == domain.KindTemporaryFailure, k == domain.KindServerRateLimit:
		return conds.TemporaryFailures
	}
	return false
}

// circuitOpen is the error of a send the open breaker refused.
func (c *Client) circuitOpen(cause error) error {
	var wait time.Duration
	if c.breaker != nil {
		wait = c.breaker.RemainingDelay()
	}
	return &domain.Error{Kind: domain.KindCircuitOpen, Op: "send", RetryAfter: wait, Err: cause,
		Message: "circuit breaker open after repeated failures; a trial send is allowed in " + wait.Round(time.Millisecond).String()}
}

// CircuitState is the state of the client's circuit breaker.
type CircuitState string

// The circuit states.
const (
	CircuitDisabled CircuitState = "disabled"  // no breaker configured
	CircuitClosed   CircuitState = "closed"    // sends go through
	CircuitOpen     CircuitState = "open"      // sends are refused with KindCircuitOpen
	CircuitHalfOpen CircuitState = "half-open" // a few trial sends go through
)

// CircuitState returns the breaker's state now.
func (c *Client) CircuitState() CircuitState {
	if c.breaker == nil {
		return CircuitDisabled
	}
	switch {
	case c.breaker.IsOpen():
		return CircuitOpen
	case c.breaker.IsHalfOpen():
		return CircuitHalfOpen
	}
	return CircuitClosed
}
