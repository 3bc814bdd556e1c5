package domain_test

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// TestKindClass lists the class of every kind without a reply code: the
// classification the predicates derive from.
func TestKindClass(t *testing.T) {
	temporary := map[domain.Kind]bool{domain.KindServerShutdown: true, domain.KindTemporaryFailure: true, domain.KindCircuitOpen: true}
	permanent := map[domain.Kind]bool{}
	for _, cat := range []domain.Kind{domain.KindConnection, domain.KindTimeout, domain.KindRateLimit, domain.KindPool} {
		for _, k := range categories[cat] {
			temporary[k] = true
		}
	}
	for _, cat := range []domain.Kind{domain.KindTLS, domain.KindAuth, domain.KindMessage, domain.KindProtocol} {
		for _, k := range categories[cat] {
			if !temporary[k] {
				permanent[k] = true
			}
		}
	}
	for _, k := range allKinds() {
		err := fmt.Errorf("send: %w", &domain.Error{Kind: k})
		if got := domain.IsTemporary(err); got != temporary[k] {
			t.Errorf("IsTemporary(%v) = %v, want %v", k, got, temporary[k])
		}
		if got := domain.IsPermanent(err); got != permanent[k] {
			t.Errorf("IsPermanent(%v) = %v, want %v", k, got, permanent[k])
		}
		if got := domain.IsDeliveryUnknown(err); got != (k == domain.KindDeliveryUnknown) {
			t.Errorf("IsDeliveryUnknown(%v) = %v", k, got)
		}
	}
	for _, k := range []domain.Kind{domain.KindUnknown, domain.KindCancelled} {
		if err := (&domain.Error{Kind: k}); domain.IsTemporary(err) || domain.IsPermanent(err) || domain.IsDeliveryUnknown(err) {
			t.Errorf("%v is classified; want none", k)
		}
	}
}

// TestClassesNeverOverlap checks every kind with every sort of reply code:
// at most one predicate holds, and exactly one unless the error is
// unclassified (KindUnknown or KindCancelled without a 4xx or 5xx code).
func TestClassesNeverOverlap(t *testing.T) {
	for _, k := range allKinds() {
		for _, code := range []int{0, 220, 354, 421, 450, 451, 454, 500, 535, 550, 552, 554, 600} {
			err := fmt.Errorf("x: %w", &domain.Error{Kind: k, Code: code})
			n := 0
			for _, b := range []bool{domain.IsTemporary(err), domain.IsPermanent(err), domain.IsDeliveryUnknown(err)} {
				if b {
					n++
				}
			}
			negative := code >= 400 && code < 600
			unclassified := (k == domain.KindUnknown || k == domain.KindCancelled) && !negative
			if n > 1 || (n == 0) != unclassified {
				t.Errorf("kind %v code %d: %d predicates hold", k, code, n)
			}
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
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name                     string
		give                     error
		wantTemporary, wantPerma bool
	}{
		{name: "421", give: &domain.Error{Kind: domain.KindServerShutdown, Code: 421}, wantTemporary: true},
		{name: "451", give: &domain.Error{Kind: domain.KindTemporaryFailure, Code: 451}, wantTemporary: true},
		{name: "454 at auth", give: &domain.Error{Kind: domain.KindAuth, Code: 454}, wantTemporary: true},
		{name: "552 at RCPT", give: &domain.Error{Kind: domain.KindTemporaryFailure, Code: 552}, wantTemporary: true},
		{name: "550", give: &domain.Error{Kind: domain.KindInvalidRecipientAddress, Code: 550}, wantPerma: true},
		{name: "535", give: &domain.Error{Kind: domain.KindCredentialsInvalid, Code: 535}, wantPerma: true},
		{name: "554", give: &domain.Error{Kind: domain.KindPermanentFailure, Code: 554}, wantPerma: true},
		{name: "local invalid input", give: &domain.Error{Kind: domain.KindInvalidInput}, wantPerma: true},
		{name: "local auth method", give: &domain.Error{Kind: domain.KindAuthMethodNotSupported}, wantPerma: true},
		{name: "reset", give: &domain.Error{Kind: domain.KindConnectionReset}, wantTemporary: true},
		{name: "read timeout", give: &domain.Error{Kind: domain.KindReadTimeout}, wantTemporary: true},
		{name: "local rate limit", give: &domain.Error{Kind: domain.KindLocalRateLimit}, wantTemporary: true},
		{name: "TLS handshake", give: &domain.Error{Kind: domain.KindTLSHandshake}, wantPerma: true},
		{name: "circuit open", give: &domain.Error{Kind: domain.KindCircuitOpen}, wantTemporary: true},
		{name: "3xx surprise", give: &domain.Error{Kind: domain.KindUnexpectedResponse, Code: 354}, wantPerma: true},
		{name: "cancelled", give: &domain.Error{Kind: domain.KindCancelled}},
		{name: "unknown kind", give: &domain.Error{Kind: domain.KindUnknown}},
		{name: "delivery unknown", give: &domain.Error{Kind: domain.KindDeliveryUnknown}},
		{name: "delivery unknown with 4xx", give: &domain.Error{Kind: domain.KindDeliveryUnknown, Code: 451}},
		{name: "delivery unknown with 5xx", give: &domain.Error{Kind: domain.KindDeliveryUnknown, Code: 554}},
		// Errors this module did not make are classified by KindOf.
		{name: "nil", give: nil},
		{name: "EOF", give: io.EOF},
		{name: "deadline", give: context.DeadlineExceeded, wantTemporary: true},
		{name: "wrapped deadline", give: fmt.Errorf("rcpt: %w", context.DeadlineExceeded), wantTemporary: true},
		{name: "canceled", give: context.Canceled},
		{name: "canceled from ctx", give: ctx.Err()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, err := range []error{tt.give, fmt.Errorf("send: %w", tt.give)} {
				if tt.give == nil && err != nil {
					continue
				}
				if got := domain.IsTemporary(err); got != tt.wantTemporary {
					t.Errorf("IsTemporary(%v) = %v, want %v", err, got, tt.wantTemporary)
				}
				if got := domain.IsPermanent(err); got != tt.wantPerma {
					t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPerma)
				}
				if got, want := domain.IsDeliveryUnknown(err), domain.KindOf(err) == domain.KindDeliveryUnknown; got != want {
					t.Errorf("IsDeliveryUnknown(%v) = %v, want %v", err, got, want)
				}
			}
		})
	}
}
