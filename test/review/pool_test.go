package review_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/pool"
)

// Many goroutines Get, Put and Discard with contexts that end at random
// while the maintainer keeps MinIdle and checks health: the pool never
// holds more than MaxConnections open sessions, never lends one session to
// two callers at once, its Status stays consistent, and Close leaves no
// session open.
func TestPoolUnderContentionKeepsItsBoundsAndDrains(t *testing.T) {
	tr := &fakeTransport{}
	const size = 3
	p := pool.New(tr, pool.Config{MaxConnections: size, MinIdle: 1,
		HealthCheckInterval: time.Millisecond, AcquireTimeout: 10 * time.Second})
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			st := p.Status()
			if st.Total > size || st.Idle+st.InUse > st.Total || st.InUse < 0 || st.Idle < 0 {
				t.Errorf("inconsistent status %+v", st)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range 300 {
				ctx, cancel := context.WithCancel(context.Background())
				if r.IntN(4) == 0 {
					go cancel()
				}
				s, err := p.Get(ctx)
				if err != nil {
					cancel()
					continue
				}
				_ = s.Noop(ctx)
				switch r.IntN(5) {
				case 0:
					p.Discard(s)
				case 1:
					_ = s.Reset(ctx) // a caller's own RSET
					p.Put(s)
				default:
					p.Put(s)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	close(stop)
	watch.Wait()
	if peak := tr.peak.Load(); peak > size {
		t.Errorf("%d sessions open at once; MaxConnections is %d", peak, size)
	}
	st := p.Status()
	if st.InUse != 0 || st.Pending != 0 || st.Total > size {
		t.Errorf("status after every caller returned: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := tr.open.Load(); n != 0 {
		t.Errorf("%d sessions still open after Close", n)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, s := range tr.all {
		if s.racy.Load() {
			t.Errorf("a session was used by two goroutines at once")
			break
		}
	}
}
