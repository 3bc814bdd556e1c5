package ports

//go:generate mockgen -source=telemetry.go -destination=../mocks/telemetry_mock.go -package=mocks

import (
	"context"
	"time"

	"github.com/integrations/smtp/domain"
)

// Stage is a step of sending that Telemetry traces; its String is the span
// name of the specification's section 9.1.1.
type Stage uint8

// The stages, in the order of the span tree.
const (
	StageSend         Stage = iota + 1 // smtp.send: one message, the root span (kind Client)
	StageAcquire                       // smtp.connection.acquire: waiting for a pooled session
	StageConnect                       // smtp.connect: dial, greeting and EHLO
	StageResolve                       // dns.resolve: the host name's lookup
	StageTLSUpgrade                    // smtp.tls.upgrade: STARTTLS or implicit TLS
	StageTLSHandshake                  // tls.handshake: the TLS negotiation itself
	StageAuth                          // smtp.auth: one AUTH exchange
	StageTransaction                   // smtp.transaction: MAIL, RCPT and DATA of one message
	StageMailFrom                      // smtp.mail_from: MAIL FROM and its reply
	StageRcptTo                        // smtp.rcpt_to: one RCPT TO and its reply
	StageData                          // smtp.data: DATA (or BDAT), the body and the final reply
	StageRelease                       // smtp.connection.release: giving the session back
	StagePipeline                      // smtp.pipeline: transactions of several messages written together on one session
)

var stageNames = [...]string{
	StageSend:         "smtp.send",
	StageAcquire:      "smtp.connection.acquire",
	StageConnect:      "smtp.connect",
	StageResolve:      "dns.resolve",
	StageTLSUpgrade:   "smtp.tls.upgrade",
	StageTLSHandshake: "tls.handshake",
	StageAuth:         "smtp.auth",
	StageTransaction:  "smtp.transaction",
	StageMailFrom:     "smtp.mail_from",
	StageRcptTo:       "smtp.rcpt_to",
	StageData:         "smtp.data",
	StageRelease:      "smtp.connection.release",
	StagePipeline:     "smtp.pipeline",
}

// String returns the stage's span name, e.g. "smtp.send".
func (s Stage) String() string {
	if int(s) < len(stageNames) && stageNames[s] != "" {
		return stageNames[s]
	}
	return "smtp.unknown"
}

// Attrs describes a stage as it starts. Only the fields that apply to the
// stage are set; the others stay zero. Addresses are given whole: the
// Telemetry applies the configured address policy before they are shown.
type Attrs struct {
	From           domain.Address       // StageSend, StageMailFrom
	Recipient      domain.Address       // StageRcptTo
	Recipients     int                  // StageSend: envelope recipients; StagePipeline: transactions
	Size           int64                // StageSend, StageData: message octets, 0 when unknown
	HasAttachments bool                 // StageSend
	Mechanism      domain.AuthMechanism // StageAuth
	Implicit       bool                 // StageTLSUpgrade: TLS from the first byte rather than STARTTLS
}

// Span is a started stage. It is used by one goroutine; End is called
// exactly once.
type Span interface {
	// Result records a send's result (StageSend, before End): accepted and
	// rejected recipients, message id, size.
	Result(r *domain.SendResult)
	// Link ties this span to the span current in ctx: a message's
	// transaction to the pipeline it travelled in with other messages.
	Link(ctx context.Context)
	// End ends the stage. A non-nil err marks it failed and is recorded; it
	// must already be free of secrets (domain errors are), and the
	// Telemetry applies the address policy to its text.
	End(err error)
}

// Telemetry receives what the client does: spans and the metrics of the
// specification's section 9, one call per event. Implementations must be
// safe for concurrent use and cheap when nothing records.
type Telemetry interface {
	// Start begins stage s as a child of the span current in ctx and
	// returns a ctx carrying the new span.
	Start(ctx context.Context, s Stage, a Attrs) (context.Context, Span)
	// Retry records that attempt number attempt (2, 3, ...) of the send
	// current in ctx begins after err failed the previous one.
	Retry(ctx context.Context, attempt int, err error)
	// RateLimited records a permit of q the rate limiter refused or made
	// the caller wait for.
	RateLimited(ctx context.Context, q Quota)
	// RateLimitFailOpen records a permit of q decided without the shared
	// quota store, which did not answer (a fail-open policy).
	RateLimitFailOpen(ctx context.Context, q Quota)
	// ConnectionClosed records the lifetime of a session that was closed.
	ConnectionClosed(lifetime time.Duration)
	// ObservePool makes status the source of the pool's sizes, read at
	// each metric collection. Called once, at wiring.
	ObservePool(status func() domain.PoolStatus)
	// ObserveBreaker makes state the source of the circuit breaker's
	// state (0 closed, 1 half-open, 2 open), read at each collection.
	// Called once, at wiring.
	ObserveBreaker(state func() int64)
}

// NopTelemetry records nothing; it is what adapters use when they are given
// no Telemetry.
type NopTelemetry struct{}

// Start returns ctx and a Span that records nothing.
func (NopTelemetry) Start(ctx context.Context, _ Stage, _ Attrs) (context.Context, Span) {
	return ctx, nopSpan{}
}

// Retry does nothing.
func (NopTelemetry) Retry(context.Context, int, error) {}

// RateLimited does nothing.
func (NopTelemetry) RateLimited(context.Context, Quota) {}

// RateLimitFailOpen does nothing.
func (NopTelemetry) RateLimitFailOpen(context.Context, Quota) {}

// ConnectionClosed does nothing.
func (NopTelemetry) ConnectionClosed(time.Duration) {}

// ObservePool does nothing.
func (NopTelemetry) ObservePool(func() domain.PoolStatus) {}

// ObserveBreaker does nothing.
func (NopTelemetry) ObserveBreaker(func() int64) {}

type nopSpan struct{}

func (nopSpan) Result(*domain.SendResult) {}
func (nopSpan) Link(context.Context)      {}
func (nopSpan) End(error)                 {}
