package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/auth"
	"github.com/integrations/smtp/domain"
)

// clock is a fake clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// source is a scripted token endpoint: each fetch returns the next result
// (the last one repeats) and counts the calls.
type source struct {
	clock   *clock
	results []result
	calls   atomic.Int32
}

type result struct {
	token    string
	lifetime time.Duration // expiry = now + lifetime; 0 means no expiry
	err      error
}

func (s *source) fetch(context.Context) (string, time.Time, error) {
	n := int(s.calls.Add(1)) - 1
	r := s.results[min(n, len(s.results)-1)]
	if r.err != nil {
		return "", time.Time{}, r.err
	}
	var expiry time.Time
	if r.lifetime != 0 {
		expiry = s.clock.Now().Add(r.lifetime)
	}
	return r.token, expiry, nil
}

func newProvider(t *testing.T, username string, results ...result) (*auth.TokenProvider, *source, *clock) {
	t.Helper()
	clk := newClock()
	src := &source{clock: clk, results: results}
	return auth.NewTokenProvider(username, src.fetch, auth.WithClock(clk.Now)), src, clk
}

func wantToken(t *testing.T, p *auth.TokenProvider, want string) domain.Credentials {
	t.Helper()
	c, err := p.Credentials(context.Background())
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if got := c.Secret.Reveal(); got != want {
		t.Fatalf("token = %q, want %q", got, want)
	}
	return c
}

func TestTokenProviderCachesAndRefreshesAhead(t *testing.T) {
	p, src, clk := newProvider(t, "alice@example.com", result{token: "t1", lifetime: time.Hour}, result{token: "t2", lifetime: time.Hour})
	c := wantToken(t, p, "t1")
	if c.Type != domain.CredentialXOAuth2 || c.Username != "alice@example.com" {
		t.Errorf("credentials = %v, want xoauth2 for alice@example.com", c)
	}
	wantToken(t, p, "t1")
	clk.Advance(55*time.Minute - time.Second) // 5 min 1 s before expiry
	wantToken(t, p, "t1")
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 while the token is fresh", n)
	}
	clk.Advance(time.Second) // exactly 5 minutes before expiry
	wantToken(t, p, "t2")
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
}

func TestTokenProviderRefreshMargin(t *testing.T) {
	clk := newClock()
	src := &source{clock: clk, results: []result{{token: "t1", lifetime: time.Hour}, {token: "t2", lifetime: time.Hour}}}
	p := auth.NewTokenProvider("alice", src.fetch, auth.WithClock(clk.Now), auth.WithRefreshMargin(-time.Minute))
	wantToken(t, p, "t1")
	clk.Advance(time.Hour - time.Nanosecond)
	wantToken(t, p, "t1") // a negative margin counts as zero
	clk.Advance(time.Nanosecond)
	wantToken(t, p, "t2")
}

func TestTokenProviderNoExpiry(t *testing.T) {
	p, src, clk := newProvider(t, "", result{token: "t1"}, result{token: "t2"})
	c := wantToken(t, p, "t1")
	if c.Type != domain.CredentialOAuthBearer || c.Username != "" {
		t.Errorf("credentials = %v, want oauthbearer without username", c)
	}
	clk.Advance(1000 * time.Hour)
	wantToken(t, p, "t1")
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
}

func TestTokenProviderFailedRefreshAhead(t *testing.T) {
	endpointDown := errors.New("token endpoint: 503")
	p, src, clk := newProvider(t, "alice",
		result{token: token, lifetime: time.Hour}, result{err: endpointDown})
	wantToken(t, p, token)
	clk.Advance(58 * time.Minute) // due, not expired: keep the old token
	wantToken(t, p, token)
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (the refresh was tried)", n)
	}
	clk.Advance(2 * time.Minute) // expired now
	_, err := p.Credentials(context.Background())
	wantKind(t, err, domain.KindCredentialsExpired)
	if !errors.Is(err, endpointDown) {
		t.Errorf("error %v does not wrap the fetch error", err)
	}
	if !errors.Is(err, domain.KindAuth) {
		t.Errorf("error %v is not in the auth category", err)
	}
}

func TestTokenProviderErrors(t *testing.T) {
	own := domain.NewError(domain.KindCredentialsInvalid, "token", "refresh token revoked")
	tests := []struct {
		name  string
		give  result
		fetch auth.FetchFunc
		want  domain.Kind
	}{
		{name: "fetch error", give: result{err: errors.New("boom")}, want: domain.KindCredentialsExpired},
		{name: "fetch domain error kept", give: result{err: own}, want: domain.KindCredentialsInvalid},
		{name: "fetch timeout", give: result{err: fmt.Errorf("post: %w", context.DeadlineExceeded)}, want: domain.KindTimeout},
		{name: "empty token", give: result{token: ""}, want: domain.KindAuth},
		{name: "already expired", give: result{token: token, lifetime: -time.Second}, want: domain.KindCredentialsExpired},
		{name: "expires now", give: result{token: token, lifetime: 0}, fetch: func(context.Context) (string, time.Time, error) {
			return token, newClock().Now(), nil
		}, want: domain.KindCredentialsExpired},
		{name: "panicking fetch", fetch: func(context.Context) (string, time.Time, error) { panic("token source bug " + token) },
			want: domain.KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			fetch := tt.fetch
			if fetch == nil {
				fetch = (&source{clock: clk, results: []result{tt.give}}).fetch
			}
			p := auth.NewTokenProvider("alice", fetch, auth.WithClock(clk.Now))
			c, err := p.Credentials(context.Background())
			if !c.IsZero() {
				t.Errorf("credentials %v returned with error", c)
			}
			wantKind(t, err, tt.want)
			changed, err := p.Refresh(context.Background())
			if changed {
				t.Error("Refresh reports a change after a failure")
			}
			wantKind(t, err, tt.want)
		})
	}
}

func TestTokenProviderWithoutFetch(t *testing.T) {
	for name, p := range map[string]*auth.TokenProvider{
		"nil fetch":  auth.NewTokenProvider("alice", nil, auth.WithClock(nil)),
		"zero value": {},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Credentials(context.Background())
			wantKind(t, err, domain.KindInvalidInput)
			_, err = p.Refresh(context.Background())
			wantKind(t, err, domain.KindInvalidInput)
		})
	}
}

func TestTokenProviderRefresh(t *testing.T) {
	p, src, _ := newProvider(t, "alice",
		result{token: "t1", lifetime: time.Hour}, result{token: "t2", lifetime: time.Hour}, result{token: "t2", lifetime: time.Hour})
	wantToken(t, p, "t1")
	changed, err := p.Refresh(context.Background())
	if err != nil || !changed {
		t.Fatalf("Refresh = %v, %v; want a change", changed, err)
	}
	wantToken(t, p, "t2")
	changed, err = p.Refresh(context.Background())
	if err != nil || changed {
		t.Fatalf("Refresh = %v, %v; want no change (same token)", changed, err)
	}
	if n := src.calls.Load(); n != 3 {
		t.Fatalf("fetches = %d, want 3", n)
	}
}

func TestTokenProviderRefreshFirst(t *testing.T) {
	p, _, _ := newProvider(t, "alice", result{token: "t1", lifetime: time.Hour})
	changed, err := p.Refresh(context.Background())
	if err != nil || !changed {
		t.Fatalf("Refresh without a token = %v, %v; want a change", changed, err)
	}
	wantToken(t, p, "t1")
}

// gate is a fetch that blocks until released, counting its calls and
// reporting each start.
type gate struct {
	calls     atomic.Int32
	active    atomic.Int32 // fetches running now
	maxActive atomic.Int32 // most fetches ever running at once
	started   chan context.Context
	release   chan struct{}
	token     string
}

func newGate(tok string) *gate {
	return &gate{started: make(chan context.Context, 64), release: make(chan struct{}), token: tok}
}

func (g *gate) fetch(ctx context.Context) (string, time.Time, error) {
	g.calls.Add(1)
	now := g.active.Add(1)
	defer g.active.Add(-1)
	for {
		m := g.maxActive.Load()
		if now <= m || g.maxActive.CompareAndSwap(m, now) {
			break
		}
	}
	g.started <- ctx
	select {
	case <-g.release:
		return g.token, time.Time{}, nil
	case <-ctx.Done():
		return "", time.Time{}, ctx.Err()
	}
}

func TestTokenProviderSharesOneFetch(t *testing.T) {
	g := newGate("shared")
	p := auth.NewTokenProvider("alice", g.fetch)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				c, err := p.Credentials(context.Background())
				if err == nil && c.Secret.Reveal() != "shared" {
					err = fmt.Errorf("token %q", c.Secret.Reveal())
				}
				errs <- err
				return
			}
			_, err := p.Refresh(context.Background())
			errs <- err
		}()
	}
	<-g.started // one fetch under way; the others join it or find its token
	close(g.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// Credentials callers that come after the fetch find a fresh token;
	// Refresh callers that come after it start a new one. What is certain:
	// no two fetches ever ran at once.
	if got := g.maxActive.Load(); got != 1 {
		t.Errorf("%d fetches ran at once, want 1", got)
	}
}

func TestTokenProviderConcurrentCredentials(t *testing.T) {
	g := newGate("shared")
	p := auth.NewTokenProvider("alice", g.fetch)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := p.Credentials(context.Background()); err != nil || c.Secret.Reveal() != "shared" {
				t.Errorf("Credentials = %v, %v", c, err)
			}
		}()
	}
	<-g.started
	close(g.release)
	wg.Wait()
	if got := g.calls.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1 shared by every caller", got)
	}
}

func TestTokenProviderCallerGivesUp(t *testing.T) {
	g := newGate("late")
	p := auth.NewTokenProvider("alice", g.fetch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Credentials(ctx)
		done <- err
	}()
	fetchCtx := <-g.started
	cancel()
	wantKind(t, <-done, domain.KindCancelled)
	<-fetchCtx.Done() // the last waiter left: the fetch is cancelled
	// A later caller starts afresh instead of joining the abandoned fetch.
	go func() {
		_, err := p.Credentials(context.Background())
		done <- err
	}()
	<-g.started
	close(g.release)
	if err := <-done; err != nil {
		t.Fatalf("Credentials after an abandoned fetch: %v", err)
	}
	if got := g.calls.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}

func TestTokenProviderOneOfTwoGivesUp(t *testing.T) {
	g := newGate("kept")
	p := auth.NewTokenProvider("alice", g.fetch)
	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error, 1)
	stayer := make(chan error, 1)
	go func() {
		_, err := p.Credentials(ctx)
		quitter <- err
	}()
	fetchCtx := <-g.started
	go func() {
		_, err := p.Refresh(context.Background())
		stayer <- err
	}()
	// Whether the second caller joins the fetch before the first gives up
	// depends on scheduling; either way it must be served. The last waiter
	// to leave cancels the fetch before its call returns, so once the first
	// has returned, a cancelled fetch context means the second came later
	// and started a fetch of its own.
	cancel()
	wantKind(t, <-quitter, domain.KindCancelled)
	select {
	case <-fetchCtx.Done():
		// The stayer arrived after the quitter left and started its own.
		<-g.started
	default:
	}
	close(g.release)
	if err := <-stayer; err != nil {
		t.Fatalf("the caller that stayed: %v", err)
	}
}

func TestTokenProviderCancelledWhileFresh(t *testing.T) {
	p, _, _ := newProvider(t, "alice", result{token: "t1", lifetime: time.Hour})
	wantToken(t, p, "t1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c, err := p.Credentials(ctx); err != nil || c.Secret.Reveal() != "t1" {
		t.Fatalf("cached Credentials with a cancelled context = %v, %v", c, err)
	}
}

func TestTokenProviderDeadline(t *testing.T) {
	g := newGate("never")
	p := auth.NewTokenProvider("alice", g.fetch)
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel()
	_, err := p.Refresh(ctx)
	wantKind(t, err, domain.KindTimeout)
}
