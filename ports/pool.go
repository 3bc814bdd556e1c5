package ports

//go:generate mockgen -source=pool.go -destination=../mocks/pool_mock.go -package=mocks

import (
	"context"
	"errors"

	"github.com/integrations/smtp/domain"
)

// ErrClosed is in the chain of the error of an operation refused because
// its pool or client was closed.
var ErrClosed = errors.New("closed")

// Pool lends sessions and takes them back. Implementations must be safe for
// concurrent use.
type Pool interface {
	// Get returns an idle healthy session or opens a new one within the
	// pool's limit, waiting until ctx ends. Callers are served first in,
	// first out. Errors are *domain.Error (KindAcquireTimeout, KindPool
	// wrapping ErrClosed after Close, or the Transport's error).
	Get(ctx context.Context) (Session, error)
	// Put gives s back; a session that is not Reusable is closed instead.
	Put(s Session)
	// Discard gives s back to be closed (QUIT) instead of kept, off the
	// caller's path: a retried send wants a fresh session.
	Discard(s Session)
	// Status returns a snapshot of the pool.
	Status() domain.PoolStatus
	// Close closes idle sessions, waits for lent ones until ctx ends, and
	// refuses further Gets.
	Close(ctx context.Context) error
}
