package smtp_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/integrations/smtp"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// plainConfig is the configuration for srv's plaintext listener, with one
// attempt per send.
func plainConfig(srv *smtptest.Server) smtp.Config {
	cfg := smtp.Config{Host: srv.Host(), Port: srv.Port()}
	cfg.TLSMode = smtp.TLSNone
	cfg.Retry.MaxAttempts = 1
	return cfg
}

// sendOne sends one message with a client made of cfg and opts, and closes
// the client.
func sendOne(t *testing.T, cfg smtp.Config, opts ...smtp.Option) (*smtp.SendResult, error) {
	t.Helper()
	var client *smtp.Client
	client, err := smtp.NewClient(cfg, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer func() {
		if err := client.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	var b *smtp.EmailBuilder = smtp.NewEmail()
	var email *smtp.Email
	email, err = b.From("me@example.com").To("you@example.org").Subject("Hi").Text("Hi").Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return client.Send(context.Background(), email)
}

type countingInterceptor struct{ calls atomic.Int32 }

func (c *countingInterceptor) Intercept(ctx context.Context, e *domain.Email, next ports.SendFunc) (*domain.SendResult, error) {
	c.calls.Add(1)
	return next(ctx, e)
}

func TestWithInterceptorsWrapsSend(t *testing.T) {
	srv := smtptest.Start(t)
	var first, second countingInterceptor
	if _, err := sendOne(t, plainConfig(srv), smtp.WithInterceptors(&first, &second)); err != nil {
		t.Fatal(err)
	}
	if first.calls.Load() != 1 || second.calls.Load() != 1 {
		t.Fatalf("interceptor calls = %d, %d; want 1, 1", first.calls.Load(), second.calls.Load())
	}
}

type refusingLimiter struct{ calls atomic.Int32 }

func (l *refusingLimiter) Acquire(context.Context, ports.Quota) error {
	l.calls.Add(1)
	return domain.NewError(domain.KindLocalRateLimit, "rate limit", "no permit")
}

func TestWithRateLimiterDecides(t *testing.T) {
	srv := smtptest.Start(t)
	var l refusingLimiter
	_, err := sendOne(t, plainConfig(srv), smtp.WithRateLimiter(&l))
	if !errors.Is(err, smtp.KindRateLimit) || !smtp.IsTemporary(err) {
		t.Fatalf("err = %v, want a temporary rate-limit error", err)
	}
	if l.calls.Load() == 0 || len(srv.Messages()) != 0 {
		t.Fatalf("limiter calls = %d, messages = %d; want >0 and 0", l.calls.Load(), len(srv.Messages()))
	}
}

func TestWithLoggerLogsTheSend(t *testing.T) {
	srv := smtptest.Start(t)
	core, logs := observer.New(zapcore.InfoLevel)
	if _, err := sendOne(t, plainConfig(srv), smtp.WithLogger(zap.New(core))); err != nil {
		t.Fatal(err)
	}
	if n := logs.FilterMessageSnippet("sent").Len(); n == 0 {
		t.Fatalf("no INFO line about the sent email among %d lines", logs.Len())
	}
}

func TestWithTracerProviderGetsTheSpans(t *testing.T) {
	srv := smtptest.Start(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	if _, err := sendOne(t, plainConfig(srv), smtp.WithTracerProvider(tp)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	if !strings.Contains(" "+strings.Join(names, " ")+" ", " smtp.send ") {
		t.Fatalf("spans %v, want smtp.send among them", names)
	}
}

func TestWithMeterProviderGetsTheMetrics(t *testing.T) {
	srv := smtptest.Start(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	if _, err := sendOne(t, plainConfig(srv), smtp.WithMeterProvider(mp)); err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, m.Name)
			if m.Name == "smtp.emails.sent" {
				return
			}
		}
	}
	t.Fatalf("metrics %v, want smtp.emails.sent among them", names)
}

// tokenProvider hands out XOAUTH2 credentials, as an OAuth2 source would.
type tokenProvider struct{ creds smtp.Credentials }

func (p tokenProvider) Credentials(context.Context) (domain.Credentials, error) { return p.creds, nil }
func (p tokenProvider) Refresh(context.Context) (bool, error)                   { return false, nil }

func TestCredentialProviderAuthenticates(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithTokenAuth("me@example.com", "tok"), smtptest.WithAllowInsecureAuth(true))
	cfg := plainConfig(srv)
	cfg.AllowInsecureAuth = true
	cfg.CredentialProvider = tokenProvider{creds: smtp.XOAuth2Credentials("me@example.com", "tok")}
	if _, err := sendOne(t, cfg); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].Auth != "me@example.com" {
		t.Fatalf("messages %+v, want one sent as me@example.com", got)
	}
}

func TestTLSModes(t *testing.T) {
	tests := []struct {
		name    string
		server  []smtptest.Option
		mode    smtp.TLSMode
		wantTLS bool
		kind    smtp.Kind // the error's category; the zero Kind for success
	}{
		{"opportunistic, offered", []smtptest.Option{smtptest.WithSTARTTLS()}, smtp.TLSStartTLS, true, 0},
		{"opportunistic, not offered", nil, smtp.TLSStartTLS, false, 0},
		{"required, offered", []smtptest.Option{smtptest.WithSTARTTLS()}, smtp.TLSStartTLSRequired, true, 0},
		{"required, not offered", nil, smtp.TLSStartTLSRequired, false, smtp.KindTLS},
		{"implicit", []smtptest.Option{smtptest.WithImplicitTLS()}, smtp.TLSImplicit, true, 0},
		{"none", nil, smtp.TLSNone, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.server...)
			cfg := plainConfig(srv)
			cfg.TLSMode = tt.mode
			cfg.TLS.CAFile = t.TempDir() + "/ca.pem"
			if err := srv.WriteCA(cfg.TLS.CAFile); err != nil {
				t.Fatal(err)
			}
			_, err := sendOne(t, cfg)
			if tt.kind != 0 {
				if !errors.Is(err, tt.kind) || len(srv.Messages()) != 0 {
					t.Fatalf("err = %v, messages = %d; want %s and nothing sent", err, len(srv.Messages()), tt.kind.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Messages(); len(got) != 1 || got[0].TLS != tt.wantTLS {
				t.Fatalf("messages %+v, want one with TLS %v", got, tt.wantTLS)
			}
		})
	}
}

func TestConnectionRefusedIsAConnectionError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	var cfg smtp.Config
	cfg.Host, cfg.Port, cfg.TLSMode, cfg.Retry.MaxAttempts = "127.0.0.1", port, smtp.TLSNone, 1
	res, err := sendOne(t, cfg)
	if res != nil || !errors.Is(err, smtp.KindConnection) || !smtp.IsTemporary(err) {
		t.Fatalf("res = %v, err = %v; want no result and a temporary connection error", res, err)
	}
}

func TestAliasesAreTheLayersTypes(t *testing.T) {
	a, err := smtp.ParseAddress("Ann <ann@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	var d domain.Address = a // an smtp.Address is a domain.Address
	var e *smtp.Error = domain.NewError(domain.KindCredentialsInvalid, "auth", "no")
	var k smtp.Kind = domain.KindCredentialsInvalid
	var cfg bootstrap.Config = smtp.Config{Port: 587} // an smtp.Config is a bootstrap.Config
	if d.Email() != "ann@example.com" || smtp.KindOf(e) != k || !errors.Is(e, smtp.KindAuth) || cfg.Port != 587 {
		t.Fatalf("address %s, kind %s, port %d", d.Email(), smtp.KindOf(e).String(), cfg.Port)
	}
}
