package domain_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/integrations/smtp/domain"
)

// categories lists every Kind under its category (section 6.1 of the
// specification); TestKindCategory checks that it covers them all.
var categories = map[domain.Kind][]domain.Kind{
	domain.KindUnknown:    {domain.KindUnknown},
	domain.KindConnection: {domain.KindConnection, domain.KindDNSResolution, domain.KindConnectionRefused, domain.KindConnectionTimeout, domain.KindConnectionReset, domain.KindNetworkUnreachable},
	domain.KindTLS:        {domain.KindTLS, domain.KindTLSHandshake, domain.KindCertificateInvalid, domain.KindCertificateExpired, domain.KindCertificateUntrusted, domain.KindTLSVersion, domain.KindStartTLSNotSupported},
	domain.KindAuth:       {domain.KindAuth, domain.KindCredentialsInvalid, domain.KindCredentialsExpired, domain.KindAuthMethodNotSupported, domain.KindAuthRequired, domain.KindTooManyAuthAttempts},
	domain.KindProtocol: {domain.KindProtocol, domain.KindInvalidResponse, domain.KindUnexpectedResponse, domain.KindCommandSequence, domain.KindServerShutdown,
		domain.KindCapabilityMismatch, domain.KindTemporaryFailure, domain.KindPermanentFailure, domain.KindDesync},
	domain.KindMessage: {domain.KindMessage, domain.KindInvalidFromAddress, domain.KindInvalidRecipientAddress, domain.KindMessageTooLarge, domain.KindInvalidHeader,
		domain.KindEncodingFailed, domain.KindAttachment, domain.KindInvalidInput},
	domain.KindTimeout:         {domain.KindTimeout, domain.KindConnectTimeout, domain.KindReadTimeout, domain.KindWriteTimeout, domain.KindCommandTimeout},
	domain.KindRateLimit:       {domain.KindRateLimit, domain.KindLocalRateLimit, domain.KindServerRateLimit},
	domain.KindCircuitOpen:     {domain.KindCircuitOpen},
	domain.KindPool:            {domain.KindPool, domain.KindPoolExhausted, domain.KindAcquireTimeout, domain.KindConnectionUnhealthy},
	domain.KindCancelled:       {domain.KindCancelled},
	domain.KindDeliveryUnknown: {domain.KindDeliveryUnknown},
}

func allKinds() []domain.Kind {
	kinds := make([]domain.Kind, 0, domain.KindCount)
	for k := domain.Kind(0); k < domain.KindCount; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

func TestKindNames(t *testing.T) {
	seen := map[string]domain.Kind{}
	for _, k := range allKinds() {
		name := k.String()
		if name == "" {
			t.Errorf("Kind %d has no name", k)
			continue
		}
		if other, dup := seen[name]; dup {
			t.Errorf("Kind %d and %d share the name %q", k, other, name)
		}
		seen[name] = k
		if got := domain.ParseKind(name); got != k {
			t.Errorf("ParseKind(%q) = %d, want %d", name, got, k)
		}
		if got := k.Error(); got != "smtp: "+name {
			t.Errorf("Kind(%d).Error() = %q", k, got)
		}
	}
	tests := []struct {
		give domain.Kind
		want string
	}{
		{give: domain.KindCredentialsInvalid, want: "credentials_invalid"},
		{give: domain.KindServerShutdown, want: "server_shutdown"},
		{give: domain.KindDeliveryUnknown, want: "delivery_status_unknown"},
		{give: domain.KindCount, want: "unknown"},
		{give: domain.Kind(255), want: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.give.String(); got != tt.want {
				t.Errorf("Kind(%d).String() = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
	if got := domain.ParseKind("no_such_kind"); got != domain.KindUnknown {
		t.Errorf("ParseKind(unknown name) = %v, want KindUnknown", got)
	}
}

func TestKindCategory(t *testing.T) {
	listed := map[domain.Kind]bool{}
	for cat, members := range categories {
		if got := cat.Category(); got != cat {
			t.Errorf("category %v: Category() = %v, want itself", cat, got)
		}
		for _, k := range members {
			if listed[k] {
				t.Errorf("%v listed in two categories", k)
			}
			listed[k] = true
			if got := k.Category(); got != cat {
				t.Errorf("%v.Category() = %v, want %v", k, got, cat)
			}
		}
	}
	for _, k := range allKinds() {
		if !listed[k] {
			t.Errorf("%v is missing from the test's category table", k)
		}
	}
}

func TestErrorIsKindAndCategory(t *testing.T) {
	for cat, members := range categories {
		for _, k := range members {
			err := fmt.Errorf("send: %w", &domain.Error{Kind: k, Op: "test"})
			if !errors.Is(err, k) {
				t.Errorf("errors.Is(%v-error, %v) = false", k, k)
			}
			if !errors.Is(err, cat) {
				t.Errorf("errors.Is(%v-error, category %v) = false", k, cat)
			}
			for other := range categories {
				if other != cat && errors.Is(err, other) {
					t.Errorf("errors.Is(%v-error, %v) = true", k, other)
				}
			}
			if got := domain.KindOf(err); got != k {
				t.Errorf("KindOf(wrapped %v) = %v", k, got)
			}
		}
	}
	e := &domain.Error{Kind: domain.KindCredentialsInvalid}
	if errors.Is(e, domain.KindAuthRequired) {
		t.Error("a credentials error matches a sibling kind")
	}
	if e.Is(io.EOF) {
		t.Error("Is(io.EOF) = true for a non-Kind target")
	}
}

func TestErrorAsAndUnwrap(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	inner := domain.WrapError(domain.KindReadTimeout, "data", cause)
	joined := errors.Join(errors.New("other"), fmt.Errorf("batch item 3: %w", inner))
	var got *domain.Error
	if !errors.As(joined, &got) || got != inner {
		t.Fatalf("errors.As did not find the *Error in %v", joined)
	}
	if !errors.Is(joined, cause) {
		t.Error("errors.Is does not reach the cause through Unwrap")
	}
	if !errors.Is(joined, domain.KindTimeout) {
		t.Error("errors.Is(joined, KindTimeout) = false")
	}
	if domain.AsError(joined) != inner {
		t.Error("AsError did not return the *Error")
	}
	if domain.AsError(io.EOF) != nil || domain.AsError(nil) != nil {
		t.Error("AsError of a foreign or nil error is not nil")
	}
	if got := domain.NewError(domain.KindInvalidInput, "config", "bad"); got.Kind != domain.KindInvalidInput || got.Op != "config" || got.Message != "bad" || got.Err != nil {
		t.Errorf("NewError = %+v", got)
	}
}

func TestKindOf(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		give error
		want domain.Kind
	}{
		{name: "nil", give: nil, want: domain.KindUnknown},
		{name: "foreign", give: io.EOF, want: domain.KindUnknown},
		{name: "direct", give: domain.NewError(domain.KindTLSHandshake, "starttls", ""), want: domain.KindTLSHandshake},
		{name: "wrapped twice", give: fmt.Errorf("a: %w", fmt.Errorf("b: %w", domain.NewError(domain.KindPoolExhausted, "acquire", ""))), want: domain.KindPoolExhausted},
		{name: "canceled", give: context.Canceled, want: domain.KindCancelled},
		{name: "canceled from ctx", give: ctx.Err(), want: domain.KindCancelled},
		{name: "wrapped canceled", give: fmt.Errorf("dial: %w", context.Canceled), want: domain.KindCancelled},
		{name: "deadline", give: context.DeadlineExceeded, want: domain.KindTimeout},
		{name: "wrapped deadline", give: fmt.Errorf("rcpt: %w", context.DeadlineExceeded), want: domain.KindTimeout},
		{name: "Error around canceled keeps its kind", give: domain.WrapError(domain.KindConnection, "dial", context.Canceled), want: domain.KindConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.KindOf(tt.give); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestKindRetryable(t *testing.T) {
	// Section 6.2's retryable kinds, plus the transient ones the package
	// adds (connection failures, timeouts, 4xx, server rate limits).
	retryable := map[domain.Kind]bool{
		domain.KindConnectionTimeout: true, domain.KindConnectionReset: true, domain.KindReadTimeout: true,
		domain.KindWriteTimeout: true, domain.KindCommandTimeout: true, domain.KindServerShutdown: true,
		domain.KindPoolExhausted: true, domain.KindAcquireTimeout: true, domain.KindConnectionUnhealthy: true,
		domain.KindLocalRateLimit: true,
		// additions
		domain.KindConnection: true, domain.KindConnectionRefused: true, domain.KindNetworkUnreachable: true,
		domain.KindDNSResolution: true, domain.KindTimeout: true, domain.KindConnectTimeout: true,
		domain.KindTemporaryFailure: true, domain.KindServerRateLimit: true,
	}
	for _, k := range allKinds() {
		if got := k.Retryable(); got != retryable[k] {
			t.Errorf("%v.Retryable() = %v, want %v", k, got, retryable[k])
		}
	}
	for _, k := range []domain.Kind{domain.KindDeliveryUnknown, domain.KindCredentialsInvalid, domain.KindCancelled, domain.KindCircuitOpen, domain.KindInvalidInput} {
		if k.Retryable() {
			t.Errorf("%v must never be retried", k)
		}
	}
}

func TestKindSeverity(t *testing.T) {
	want := map[domain.Kind]domain.Severity{
		domain.KindCredentialsInvalid: domain.SeverityCritical, domain.KindCertificateInvalid: domain.SeverityCritical,
		domain.KindCertificateExpired: domain.SeverityCritical,
		domain.KindConnectionTimeout:  domain.SeverityWarning, domain.KindRateLimit: domain.SeverityWarning,
		domain.KindLocalRateLimit: domain.SeverityWarning, domain.KindServerRateLimit: domain.SeverityWarning,
		domain.KindCircuitOpen: domain.SeverityWarning,
		domain.KindCancelled:   domain.SeverityInfo,
	}
	for _, k := range allKinds() {
		w, ok := want[k]
		if !ok {
			w = domain.SeverityError
		}
		if got := k.Severity(); got != w {
			t.Errorf("%v.Severity() = %v, want %v", k, got, w)
		}
		if got := (&domain.Error{Kind: k}).Severity(); got != w {
			t.Errorf("Error{%v}.Severity() = %v, want %v", k, got, w)
		}
	}
	names := map[domain.Severity]string{
		domain.SeverityInfo: "info", domain.SeverityWarning: "warning", domain.SeverityError: "error",
		domain.SeverityCritical: "critical", domain.Severity(9): "error",
	}
	for s, name := range names {
		if got := s.String(); got != name {
			t.Errorf("Severity(%d).String() = %q, want %q", s, got, name)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		give *domain.Error
		want string
	}{
		{name: "kind only", give: &domain.Error{Kind: domain.KindCircuitOpen}, want: "smtp: circuit_open"},
		{name: "op and message", give: &domain.Error{Kind: domain.KindInvalidInput, Op: "config", Message: "host is required"}, want: "smtp config: invalid_input: host is required"},
		{
			name: "code and enhanced",
			give: &domain.Error{Kind: domain.KindInvalidRecipientAddress, Op: "rcpt", Code: 550, Enhanced: domain.EnhancedCode{Class: 5, Subject: 1, Detail: 1}, Message: "no such user"},
			want: "smtp rcpt: invalid_recipient_address: no such user (550 5.1.1)",
		},
		{name: "code only", give: &domain.Error{Kind: domain.KindCommandSequence, Op: "data", Code: 503}, want: "smtp data: command_sequence_error (503)"},
		{name: "cause", give: &domain.Error{Kind: domain.KindConnectionRefused, Op: "dial", Err: errors.New("connection refused")}, want: "smtp dial: connection_refused: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.give.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name                                 string
		give                                 *domain.Error
		wantRetry, wantTemporary, wantPerman bool
	}{
		{name: "421", give: &domain.Error{Kind: domain.KindServerShutdown, Code: 421}, wantRetry: true, wantTemporary: true},
		{name: "451", give: &domain.Error{Kind: domain.KindTemporaryFailure, Code: 451}, wantRetry: true, wantTemporary: true},
		{name: "454 at auth", give: &domain.Error{Kind: domain.KindAuth, Code: 454}, wantRetry: true, wantTemporary: true},
		{name: "552 at RCPT", give: &domain.Error{Kind: domain.KindTemporaryFailure, Code: 552}, wantRetry: true, wantTemporary: true},
		{name: "550", give: &domain.Error{Kind: domain.KindInvalidRecipientAddress, Code: 550}, wantPerman: true},
		{name: "535", give: &domain.Error{Kind: domain.KindCredentialsInvalid, Code: 535}, wantPerman: true},
		{name: "554", give: &domain.Error{Kind: domain.KindPermanentFailure, Code: 554}, wantPerman: true},
		{name: "local invalid input", give: &domain.Error{Kind: domain.KindInvalidInput}, wantPerman: true},
		{name: "local auth method", give: &domain.Error{Kind: domain.KindAuthMethodNotSupported}, wantPerman: true},
		{name: "reset", give: &domain.Error{Kind: domain.KindConnectionReset}, wantRetry: true, wantTemporary: true},
		{name: "read timeout", give: &domain.Error{Kind: domain.KindReadTimeout}, wantRetry: true, wantTemporary: true},
		{name: "TLS handshake", give: &domain.Error{Kind: domain.KindTLSHandshake}},
		{name: "circuit open: temporary, not retried at once", give: &domain.Error{Kind: domain.KindCircuitOpen}, wantTemporary: true},
		{name: "cancelled", give: &domain.Error{Kind: domain.KindCancelled}},
		{name: "delivery unknown", give: &domain.Error{Kind: domain.KindDeliveryUnknown}},
		{name: "delivery unknown with 4xx", give: &domain.Error{Kind: domain.KindDeliveryUnknown, Code: 451}},
		{name: "delivery unknown with 5xx", give: &domain.Error{Kind: domain.KindDeliveryUnknown, Code: 554}},
		{name: "3xx surprise", give: &domain.Error{Kind: domain.KindUnexpectedResponse, Code: 354}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.give
			if got := e.Retryable(); got != tt.wantRetry {
				t.Errorf("Retryable() = %v, want %v", got, tt.wantRetry)
			}
			if got := e.Temporary(); got != tt.wantTemporary {
				t.Errorf("Temporary() = %v, want %v", got, tt.wantTemporary)
			}
			if got := e.Permanent(); got != tt.wantPerman {
				t.Errorf("Permanent() = %v, want %v", got, tt.wantPerman)
			}
			if e.Temporary() && e.Permanent() {
				t.Error("an error is both temporary and permanent")
			}
			wrapped := fmt.Errorf("send: %w", e)
			if domain.IsRetryable(wrapped) != tt.wantRetry || domain.IsTemporary(wrapped) != tt.wantTemporary || domain.IsPermanent(wrapped) != tt.wantPerman {
				t.Errorf("IsRetryable/IsTemporary/IsPermanent of the wrapped error disagree with the methods")
			}
			if got := domain.IsDeliveryUnknown(wrapped); got != (e.Kind == domain.KindDeliveryUnknown) {
				t.Errorf("IsDeliveryUnknown = %v", got)
			}
		})
	}
}

func TestClassificationOfForeignErrors(t *testing.T) {
	tests := []struct {
		name                                 string
		give                                 error
		wantRetry, wantTemporary, wantPerman bool
	}{
		{name: "nil", give: nil},
		{name: "EOF", give: io.EOF},
		{name: "deadline", give: context.DeadlineExceeded, wantTemporary: true},
		{name: "canceled", give: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.IsRetryable(tt.give); got != tt.wantRetry {
				t.Errorf("IsRetryable = %v, want %v", got, tt.wantRetry)
			}
			if got := domain.IsTemporary(tt.give); got != tt.wantTemporary {
				t.Errorf("IsTemporary = %v, want %v", got, tt.wantTemporary)
			}
			if got := domain.IsPermanent(tt.give); got != tt.wantPerman {
				t.Errorf("IsPermanent = %v, want %v", got, tt.wantPerman)
			}
		})
	}
}

func reply(t *testing.T, lines ...string) *domain.Reply {
	t.Helper()
	r, err := domain.ParseReply(lines)
	if err != nil {
		t.Fatalf("ParseReply(%q): %v", lines, err)
	}
	return r
}

func TestReplyError(t *testing.T) {
	tests := []struct {
		name      string
		stage     domain.Stage
		give      string
		want      domain.Kind
		wantRetry bool
	}{
		// Section 6.3 of the specification, code by code.
		{name: "421 any stage", stage: domain.StageMail, give: "421 4.3.2 Service shutting down", want: domain.KindServerShutdown, wantRetry: true},
		{name: "421 at greeting", stage: domain.StageGreeting, give: "421 Too many connections", want: domain.KindServerShutdown, wantRetry: true},
		{name: "421 4.7.0 Gmail", stage: domain.StageRcpt, give: "421 4.7.0 Try again later", want: domain.KindServerShutdown, wantRetry: true},
		{name: "450", stage: domain.StageRcpt, give: "450 4.2.1 Mailbox busy", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "450 greylisted", stage: domain.StageRcpt, give: "450 4.7.1 Greylisted, try again", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "451", stage: domain.StageBody, give: "451 4.3.0 Local error", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "452", stage: domain.StageRcpt, give: "452 4.5.3 Too many recipients", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "452 storage", stage: domain.StageMail, give: "452 Insufficient system storage", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "500", stage: domain.StageEHLO, give: "500 5.5.1 Command unrecognized", want: domain.KindProtocol},
		{name: "501 at MAIL", stage: domain.StageMail, give: "501 5.5.4 Syntax error in parameters", want: domain.KindInvalidFromAddress},
		{name: "501 at RCPT", stage: domain.StageRcpt, give: "501 Bad recipient address syntax", want: domain.KindInvalidRecipientAddress},
		{name: "501 elsewhere", stage: domain.StageEHLO, give: "501 Syntax: EHLO hostname", want: domain.KindProtocol},
		{name: "502", stage: domain.StageVerify, give: "502 5.5.1 VRFY command is disabled", want: domain.KindCapabilityMismatch},
		{name: "503", stage: domain.StageData, give: "503 5.5.1 Error: need RCPT command", want: domain.KindCommandSequence},
		{name: "504 at AUTH", stage: domain.StageAuth, give: "504 5.5.4 Unrecognized authentication type", want: domain.KindAuthMethodNotSupported},
		{name: "504 elsewhere", stage: domain.StageMail, give: "504 Command parameter not implemented", want: domain.KindCapabilityMismatch},
		{name: "530", stage: domain.StageMail, give: "530 5.7.0 Authentication required", want: domain.KindAuthRequired},
		{name: "530 at AUTH", stage: domain.StageAuth, give: "530 5.7.0 Must issue a STARTTLS command first", want: domain.KindAuthRequired},
		{name: "534", stage: domain.StageAuth, give: "534 5.7.9 Authentication mechanism is too weak", want: domain.KindAuthMethodNotSupported},
		{name: "534 Gmail web login", stage: domain.StageAuth, give: "534 5.7.14 Please log in via your web browser", want: domain.KindAuthMethodNotSupported},
		{name: "534 outside AUTH", stage: domain.StageMail, give: "534 mechanism too weak", want: domain.KindAuthMethodNotSupported},
		{name: "535", stage: domain.StageAuth, give: "535 5.7.8 Username and Password not accepted", want: domain.KindCredentialsInvalid},
		{name: "535 plain", stage: domain.StageAuth, give: "535 Authentication failed", want: domain.KindCredentialsInvalid},
		{name: "535 outside AUTH", stage: domain.StageMail, give: "535 no", want: domain.KindCredentialsInvalid},
		{name: "550 at RCPT", stage: domain.StageRcpt, give: "550 5.1.1 User unknown", want: domain.KindInvalidRecipientAddress},
		{name: "550 relay denied at RCPT", stage: domain.StageRcpt, give: "550 5.7.1 Relaying denied", want: domain.KindInvalidRecipientAddress},
		{name: "550 at MAIL", stage: domain.StageMail, give: "550 5.7.1 Sender rejected", want: domain.KindInvalidFromAddress},
		{name: "550 at DATA end", stage: domain.StageBody, give: "550 5.7.1 Message rejected as spam", want: domain.KindPermanentFailure},
		{name: "551 at RCPT", stage: domain.StageRcpt, give: "551 User not local; please try <b@example.org>", want: domain.KindInvalidRecipientAddress},
		{name: "551 at MAIL", stage: domain.StageMail, give: "551 no", want: domain.KindInvalidFromAddress},
		{name: "552 at DATA end", stage: domain.StageBody, give: "552 5.3.4 Message size exceeds fixed limit", want: domain.KindMessageTooLarge},
		{name: "552 plain at DATA end", stage: domain.StageBody, give: "552 Too much mail data", want: domain.KindMessageTooLarge},
		{name: "552 at MAIL", stage: domain.StageMail, give: "552 Message size exceeds maximum", want: domain.KindMessageTooLarge},
		{name: "552 at RCPT is too many recipients", stage: domain.StageRcpt, give: "552 Too many recipients", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "552 5.5.3 at RCPT", stage: domain.StageRcpt, give: "552 5.5.3 Too many recipients", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "553 at MAIL", stage: domain.StageMail, give: "553 5.1.8 Domain of sender address does not exist", want: domain.KindInvalidFromAddress},
		{name: "553 plain at MAIL", stage: domain.StageMail, give: "553 Sender address rejected", want: domain.KindInvalidFromAddress},
		{name: "553 at RCPT", stage: domain.StageRcpt, give: "553 Mailbox name not allowed", want: domain.KindInvalidRecipientAddress},
		{name: "554", stage: domain.StageBody, give: "554 5.0.0 Transaction failed", want: domain.KindPermanentFailure},
		{name: "554 greeting", stage: domain.StageGreeting, give: "554 No SMTP service here", want: domain.KindPermanentFailure},
		{name: "other 5xx", stage: domain.StageData, give: "555 5.5.4 Unsupported option", want: domain.KindPermanentFailure},
		{name: "other 4xx", stage: domain.StageData, give: "455 Server unable to accommodate parameters", want: domain.KindTemporaryFailure, wantRetry: true},
		// Stage AUTH specifics.
		{name: "454 at AUTH", stage: domain.StageAuth, give: "454 4.7.0 Temporary authentication failure", want: domain.KindAuth, wantRetry: true},
		{name: "432 at AUTH", stage: domain.StageAuth, give: "432 4.7.12 A password transition is needed", want: domain.KindAuth, wantRetry: true},
		{name: "538 at AUTH", stage: domain.StageAuth, give: "538 Encryption required for requested authentication mechanism", want: domain.KindAuthRequired},
		// Enhanced-code refinements.
		{name: "5.7.8 refines any code", stage: domain.StageAuth, give: "554 5.7.8 Authentication credentials invalid", want: domain.KindCredentialsInvalid},
		{name: "4.7.8", stage: domain.StageAuth, give: "454 4.7.8 try later", want: domain.KindAuth, wantRetry: true},
		{name: "5.7.9", stage: domain.StageAuth, give: "535 5.7.9 Mechanism too weak", want: domain.KindAuthMethodNotSupported},
		{name: "535 5.7.0 at AUTH (older Postfix)", stage: domain.StageAuth, give: "535 5.7.0 Error: authentication failed", want: domain.KindCredentialsInvalid},
		{name: "530 5.7.0 at AUTH", stage: domain.StageAuth, give: "530 5.7.0 Authentication required", want: domain.KindAuthRequired},
		{name: "5.7.11", stage: domain.StageAuth, give: "535 5.7.11 Encryption required", want: domain.KindAuthRequired},
		{name: "5.3.4 at DATA end", stage: domain.StageBody, give: "554 5.3.4 Message too big for system", want: domain.KindMessageTooLarge},
		{name: "5.3.4 at RCPT", stage: domain.StageRcpt, give: "552 5.3.4 Message too big", want: domain.KindMessageTooLarge},
		{name: "5.2.3", stage: domain.StageBody, give: "554 5.2.3 Message length exceeds administrative limit", want: domain.KindMessageTooLarge},
		{name: "4.7.28 at MAIL", stage: domain.StageMail, give: "450 4.7.28 Rate limited", want: domain.KindServerRateLimit, wantRetry: true},
		{name: "4.7.0 at MAIL is a policy refusal, not a rate limit", stage: domain.StageMail, give: "451 4.7.0 Slow down", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "4.7.28 at MAIL", stage: domain.StageMail, give: "451 4.7.28 Flood", want: domain.KindServerRateLimit, wantRetry: true},
		{name: "454 4.7.0 at STARTTLS", stage: domain.StageStartTLS, give: "454 4.7.0 TLS not available", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "4.7.0 at RCPT", stage: domain.StageRcpt, give: "450 4.7.0 Greylisted", want: domain.KindTemporaryFailure, wantRetry: true},
		{name: "5.1.7 at MAIL", stage: domain.StageMail, give: "553 5.1.7 Bad sender address syntax", want: domain.KindInvalidFromAddress},
		{name: "5.1.1 at RCPT", stage: domain.StageRcpt, give: "554 5.1.1 No such user", want: domain.KindInvalidRecipientAddress},
		{name: "5.1.3 at RCPT", stage: domain.StageRcpt, give: "501 5.1.3 Bad recipient address syntax", want: domain.KindInvalidRecipientAddress},
		{name: "5.1.0 at MAIL", stage: domain.StageMail, give: "550 5.1.0 Sender rejected", want: domain.KindInvalidFromAddress},
		{name: "5.6.7", stage: domain.StageRcpt, give: "553 5.6.7 Non-ASCII addresses not permitted", want: domain.KindCapabilityMismatch},
		{name: "unknown enhanced falls back", stage: domain.StageBody, give: "554 5.6.0 Content error", want: domain.KindPermanentFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reply(t, tt.give)
			e := domain.ReplyError(tt.stage, r)
			if e == nil {
				t.Fatalf("ReplyError(%s, %q) = nil", tt.stage, tt.give)
			}
			if e.Kind != tt.want {
				t.Errorf("ReplyError(%s, %q).Kind = %v, want %v", tt.stage, tt.give, e.Kind, tt.want)
			}
			if e.Retryable() != tt.wantRetry {
				t.Errorf("Retryable() = %v, want %v", e.Retryable(), tt.wantRetry)
			}
			if e.Code != r.Code || e.Enhanced != r.Enhanced || e.Op != string(tt.stage) || e.Message != r.Text() {
				t.Errorf("ReplyError fields = %+v, want code %d enhanced %v op %s message %q", e, r.Code, r.Enhanced, tt.stage, r.Text())
			}
			if !strings.Contains(e.Error(), fmt.Sprint(r.Code)) || !strings.Contains(e.Error(), r.Enhanced.String()) {
				t.Errorf("Error() = %q lacks the reply code or enhanced code", e.Error())
			}
			if e.Temporary() && e.Permanent() {
				t.Error("a reply error is both temporary and permanent")
			}
		})
	}
}

func TestReplyErrorPositive(t *testing.T) {
	for _, give := range []string{"220 ready", "250 ok", "354 go ahead", "334 VXNlcm5hbWU6"} {
		if e := domain.ReplyError(domain.StageData, reply(t, give)); e != nil {
			t.Errorf("ReplyError(%q) = %v, want nil", give, e)
		}
	}
	if e := domain.ReplyError(domain.StageData, nil); e != nil {
		t.Errorf("ReplyError(nil) = %v, want nil", e)
	}
}

func TestReplyErrorMultiline(t *testing.T) {
	r := reply(t, "550-5.1.1 The email account that you tried to reach does not exist.", "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser")
	e := domain.ReplyError(domain.StageRcpt, r)
	if e.Kind != domain.KindInvalidRecipientAddress || e.Enhanced.String() != "5.1.1" {
		t.Fatalf("got %v %v", e.Kind, e.Enhanced)
	}
	want := "The email account that you tried to reach does not exist. https://support.google.com/mail/?p=NoSuchUser"
	if e.Message != want {
		t.Errorf("Message = %q, want %q", e.Message, want)
	}
}
