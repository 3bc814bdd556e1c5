package ports

//go:generate mockgen -source=interceptor.go -destination=../mocks/interceptor_mock.go -package=mocks

import (
	"context"

	"github.com/integrations/smtp/domain"
)

// SendFunc sends one message; the innermost one talks to the server.
type SendFunc func(ctx context.Context, e *domain.Email) (*domain.SendResult, error)

// Interceptor wraps every send, in the order given to the client (the first
// is outermost). It may inspect or change the message, short-circuit, or
// observe the result. Implementations must be safe for concurrent use.
type Interceptor interface {
	Intercept(ctx context.Context, e *domain.Email, next SendFunc) (*domain.SendResult, error)
}

// Logger is the structured logger the application writes to;
// *zap.SugaredLogger satisfies it. Values passed to it are already redacted.
type Logger interface {
	Debugw(msg string, keysAndValues ...any)
	Infow(msg string, keysAndValues ...any)
	Warnw(msg string, keysAndValues ...any)
	Errorw(msg string, keysAndValues ...any)
}
