package ports

//go:generate mockgen -source=pool.go -destination=../mocks/pool_mock.go -package=mocks

import (
	"context"

	"github.com/integrations/smtp/domain"
)

// Pool lends sessions and takes them back. Implementations must be safe for
// concurrent use.
type Pool interface {
	// Get returns an idle healthy session or opens a new one within the
	// pool's limit, waiting until ctx ends. Errors are *domain.Error
	// (KindPoolExhausted, KindAcquireTimeout, or the Transport's error).
	Get(ctx context.Context) (Session, error)
	// Put gives s back; a session that is not Reusable is closed instead.
	Put(s Session)
	// Status returns a snapshot of the pool.
	Status() domain.PoolStatus
	// Close closes idle sessions, waits for lent ones until ctx ends, and
	// refuses further Gets.
	Close(ctx context.Context) error
}
