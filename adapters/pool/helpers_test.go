package pool

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/mock/gomock"
	"go.uber.org/goleak"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/mocks"
	"github.com/integrations/smtp/ports"
)

// TestMain fails the run when any pool goroutine outlives its test's Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// generous bounds every wait in these tests: far above anything a loaded
// machine needs, only reached when something is broken.
const generous = 10 * time.Second

// clock is a settable clock for the ageing rules.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logger records log lines.
type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) add(level, msg string, kv []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level+" "+msg+" "+fmt.Sprint(kv...))
}

func (l *logger) Debugw(msg string, kv ...any) { l.add("debug", msg, kv) }
func (l *logger) Infow(msg string, kv ...any)  { l.add("info", msg, kv) }
func (l *logger) Warnw(msg string, kv ...any)  { l.add("warn", msg, kv) }
func (l *logger) Errorw(msg string, kv ...any) { l.add("error", msg, kv) }

func (l *logger) has(level, part string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.HasPrefix(s, level+" ") && strings.Contains(s, part) {
			return true
		}
	}
	return false
}

// fixture is a pool over a mock transport, closed at the end of the test
// (before gomock checks its expectations).
type fixture struct {
	ctrl  *gomock.Controller
	tr    *mocks.MockTransport
	clock *clock
	log   *logger
	p     *Pool
}

// newFixture makes a pool of cfg over a mock transport. A zero MinIdle or
// HealthCheckInterval of cfg is taken as negative (off), unlike New's
// defaults, so that no test sees a warm-up dial or a NOOP it did not ask
// for: gomock fails on an unexpected call.
func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	if cfg.MinIdle == 0 {
		cfg.MinIdle = -1
	}
	if cfg.HealthCheckInterval == 0 {
		cfg.HealthCheckInterval = -1
	}
	ctrl := gomock.NewController(t)
	f := &fixture{ctrl: ctrl, tr: mocks.NewMockTransport(ctrl), clock: newClock(), log: &logger{}}
	f.p = New(f.tr, cfg, WithLogger(f.log), withClock(f.clock.now))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), generous)
		defer cancel()
		if err := f.p.Close(ctx); err != nil {
			t.Errorf("Close at cleanup: %v", err)
		}
	})
	return f
}

// session returns a mock session that is Reusable and expects one Close
// (at Put, Discard or the pool's Close).
func (f *fixture) session() *mocks.MockSession {
	s := mocks.NewMockSession(f.ctrl)
	s.EXPECT().Reusable().Return(true).AnyTimes()
	s.EXPECT().Close().Return(nil)
	return s
}

// opens makes the transport return ss, in order, one per Open.
func (f *fixture) opens(ss ...ports.Session) {
	calls := make([]*gomock.Call, len(ss))
	for i, s := range ss {
		calls[i] = f.tr.EXPECT().Open(gomock.Any()).Return(s, nil)
	}
	gomock.InOrder(calls...)
}

// get calls Get and fails the test on an error.
func (f *fixture) get(t *testing.T) ports.Session {
	t.Helper()
	s, err := f.p.Get(context.Background())
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return s
}

// inner returns the pooled session a lent one wraps.
func inner(s ports.Session) ports.Session { return s.(*session).c.s }

// waitStatus polls Status until ok holds, failing after generous.
func waitStatus(t *testing.T, p *Pool, what string, ok func(domain.PoolStatus) bool) {
	t.Helper()
	deadline := time.Now().Add(generous)
	for {
		st := p.Status()
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: status %+v", what, st)
		}
		time.Sleep(time.Millisecond)
	}
}

func wantStatus(t *testing.T, p *Pool, want domain.PoolStatus) {
	t.Helper()
	if got := p.Status(); got != want {
		t.Fatalf("Status() = %+v; want %+v", got, want)
	}
}

func wantKind(t *testing.T, err error, want domain.Kind) {
	t.Helper()
	if got := domain.KindOf(err); got != want {
		t.Fatalf("error %v: kind %v; want %v", err, got, want)
	}
	if domain.AsError(err) == nil {
		t.Fatalf("error %v is not a *domain.Error", err)
	}
}

var (
	env  = ports.Envelope{From: mustAddr("a@example.com"), To: []domain.Address{mustAddr("b@example.com")}}
	body = strings.NewReader("Subject: x\r\n\r\nhi\r\n")
)

func mustAddr(s string) domain.Address {
	a, err := domain.ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}
