package bootstrap_test

import (
	"context"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/ports"
	"github.com/integrations/smtp/smtptest"
)

// The module's spans go to the TracerProvider in the graph.
func TestModuleUsesTheGraphsTracerProvider(t *testing.T) {
	srv := smtptest.Start(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	var client *application.Client
	app := fxtest.New(t,
		fx.Supply(plainConfig(srv)),
		fx.Provide(func() trace.TracerProvider { return tp }),
		bootstrap.Module,
		fx.Populate(&client),
	)
	app.RequireStart()
	if _, err := client.Send(context.Background(), email(t)); err != nil {
		t.Fatal(err)
	}
	app.RequireStop()
	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
	}
	for _, want := range []string{"smtp.send", "smtp.connect", "smtp.transaction"} {
		if !names[want] {
			t.Errorf("no %s span in the graph's provider; got %v", want, names)
		}
	}
}

// startCounter counts the stages started, for a Telemetry in the graph.
type startCounter struct {
	ports.NopTelemetry
	mu     sync.Mutex
	stages map[ports.Stage]int
}

func (c *startCounter) Start(ctx context.Context, s ports.Stage, a ports.Attrs) (context.Context, ports.Span) {
	c.mu.Lock()
	c.stages[s]++
	c.mu.Unlock()
	return c.NopTelemetry.Start(ctx, s, a)
}

// A ports.Telemetry in the graph replaces OpenTelemetry, in the client
// and in the transport the module builds.
func TestModuleUsesTheGraphsTelemetry(t *testing.T) {
	srv := smtptest.Start(t)
	tel := &startCounter{stages: map[ports.Stage]int{}}
	var client *application.Client
	app := fxtest.New(t,
		fx.Supply(plainConfig(srv)),
		fx.Provide(func() ports.Telemetry { return tel }),
		bootstrap.Module,
		fx.Populate(&client),
	)
	app.RequireStart()
	if _, err := client.Send(context.Background(), email(t)); err != nil {
		t.Fatal(err)
	}
	app.RequireStop()
	tel.mu.Lock()
	defer tel.mu.Unlock()
	if tel.stages[ports.StageSend] != 1 || tel.stages[ports.StageConnect] == 0 {
		t.Errorf("stages started %v; want one smtp.send (client) and an smtp.connect (transport)", tel.stages)
	}
}
