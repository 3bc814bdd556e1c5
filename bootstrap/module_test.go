package bootstrap_test

import (
	"context"
	"testing"

	"github.com/golang/mock/gomock"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/integrations/smtp/adapters/tcp"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

func plainConfig(srv *smtptest.Server) bootstrap.Config {
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port, cfg.TLSMode = srv.Host(), srv.Port(), tcp.TLSNone
	cfg.Retry.MaxAttempts = 1
	return cfg
}

func email(t *testing.T) *domain.Email {
	t.Helper()
	e, err := domain.NewEmail().From("a@example.com").To("b@example.org").Subject("fx").Text("hello").Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestModuleProvidesAWorkingClient(t *testing.T) {
	srv := smtptest.Start(t)
	var client *application.Client
	app := fxtest.New(t,
		fx.Supply(plainConfig(srv)),
		fx.Supply(zap.NewNop()),
		bootstrap.Module,
		fx.Populate(&client),
	)
	app.RequireStart()
	if srv.Connections() != 0 {
		t.Error("OnStart dialled; it must not")
	}
	if _, err := client.Send(context.Background(), email(t)); err != nil {
		t.Fatal(err)
	}
	if len(srv.Messages()) != 1 {
		t.Fatalf("server got %d messages", len(srv.Messages()))
	}
	app.RequireStop()
	if _, err := client.Send(context.Background(), email(t)); domain.KindOf(err) != domain.KindInvalidInput {
		t.Fatalf("Send after stop = %v; want the closed-client error", err)
	}
}

func TestModuleTransportCanBeDecorated(t *testing.T) {
	ctrl := gomock.NewController(t)
	transport := mocks.NewMockTransport(ctrl)
	transport.EXPECT().Open(gomock.Any()).Return(nil, &domain.Error{Kind: domain.KindConnectionRefused, Op: "dial"})
	cfg := bootstrap.Config{}
	cfg.Host, cfg.Port, cfg.TLSMode = "127.0.0.1", 1, tcp.TLSNone
	cfg.Retry.MaxAttempts = 1
	var client *application.Client
	app := fxtest.New(t,
		fx.Supply(cfg),
		bootstrap.Module,
		fx.Decorate(func(ports.Transport) ports.Transport { return transport }),
		fx.Populate(&client),
	)
	app.RequireStart()
	defer app.RequireStop()
	if _, err := client.Send(context.Background(), email(t)); domain.KindOf(err) != domain.KindConnectionRefused {
		t.Fatalf("err = %v; want the decorated transport's error", err)
	}
}

type tagInterceptor struct{ seen *int }

func (i tagInterceptor) Intercept(ctx context.Context, e *domain.Email, next ports.SendFunc) (*domain.SendResult, error) {
	*i.seen++
	return next(ctx, e)
}

func TestModuleCollectsInterceptors(t *testing.T) {
	srv := smtptest.Start(t)
	seen := 0
	var client *application.Client
	app := fxtest.New(t,
		fx.Supply(plainConfig(srv)),
		bootstrap.Module,
		fx.Provide(bootstrap.AsInterceptor(func() tagInterceptor { return tagInterceptor{&seen} })),
		fx.Populate(&client),
	)
	app.RequireStart()
	defer app.RequireStop()
	if _, err := client.Send(context.Background(), email(t)); err != nil || seen != 1 {
		t.Fatalf("Send = %v, interceptor ran %d times", err, seen)
	}
}

func TestNewClientValidatesTheConfig(t *testing.T) {
	cfg := bootstrap.Config{} // no host
	if _, err := bootstrap.NewClient(cfg); domain.KindOf(err) != domain.KindInvalidInput {
		t.Fatalf("err = %v; want invalid input", err)
	}
	cfg.Host, cfg.Port = "smtp.example.com", 587
	cfg.TLS.CAFile = "/nonexistent/ca.pem"
	if _, err := bootstrap.NewTransport(cfg); err == nil {
		t.Fatal("a missing CA file must fail at construction")
	}
}
