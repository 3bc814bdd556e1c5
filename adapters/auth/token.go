package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

const opToken = "token"

// DefaultRefreshMargin is how long before its expiry a token is replaced
// (specification section 8.3.2).
const DefaultRefreshMargin = 5 * time.Minute

// FetchFunc obtains a new OAuth2 access token and its expiry, typically
// from a token endpoint with a refresh token. A zero expiry means the token
// does not expire by itself. It should return when ctx ends.
type FetchFunc func(ctx context.Context) (token string, expiry time.Time, err error)

// TokenOption configures a TokenProvider.
type TokenOption interface{ apply(*TokenProvider) }

type tokenOptionFunc func(*TokenProvider)

func (f tokenOptionFunc) apply(p *TokenProvider) { f(p) }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) TokenOption {
	return tokenOptionFunc(func(p *TokenProvider) {
		if now != nil {
			p.now = now
		}
	})
}

// WithRefreshMargin sets how long before its expiry a token is replaced;
// DefaultRefreshMargin when not set. A negative margin counts as zero.
func WithRefreshMargin(d time.Duration) TokenOption {
	return tokenOptionFunc(func(p *TokenProvider) { p.margin = max(d, 0) })
}

var _ ports.CredentialProvider = (*TokenProvider)(nil)

// TokenProvider supplies OAuth2 credentials, fetching a token when it has
// none, when the one it has is within the refresh margin of its expiry,
// and when Refresh asks. It is safe for concurrent use: callers that need
// a token while one is being fetched wait for that fetch instead of
// starting their own. The fetch runs on its own goroutine with the values
// of the first caller's context; it is cancelled when every caller waiting
// for it has given up.
//
// The credentials are domain.XOAuth2Credentials (good for XOAUTH2 and
// OAUTHBEARER), or domain.OAuthBearerCredentials without a username.
type TokenProvider struct {
	username string
	fetch    FetchFunc
	now      func() time.Time
	margin   time.Duration

	mu       sync.Mutex
	token    domain.Secret
	expiry   time.Time // zero: no expiry
	inflight *fetchCall
}

// fetchCall is one fetch and the callers waiting for it.
type fetchCall struct {
	done    chan struct{}
	err     error
	waiters int
	cancel  context.CancelFunc
}

// NewTokenProvider returns a provider of credentials for username whose
// tokens come from fetch. It does not fetch until asked.
func NewTokenProvider(username string, fetch FetchFunc, opts ...TokenOption) *TokenProvider {
	p := &TokenProvider{username: username, fetch: fetch, now: time.Now, margin: DefaultRefreshMargin}
	for _, o := range opts {
		o.apply(p)
	}
	return p
}

// Credentials returns credentials with a token that is not within the
// refresh margin of its expiry, fetching one first when needed. When that
// fetch fails while the current token has not yet expired, the current
// token is returned and the next call tries again.
//
// Errors are *domain.Error: KindCredentialsExpired when no usable token
// could be had, KindAuth when the fetch broke its contract (an empty
// token, a panic), KindCancelled or KindTimeout when ctx ended first, and
// KindInvalidInput without a fetch function. A *domain.Error from fetch is
// returned as it is. No error holds a token.
func (p *TokenProvider) Credentials(ctx context.Context) (domain.Credentials, error) {
	p.mu.Lock()
	if p.hasToken() && !p.due() {
		c := p.credentials()
		p.mu.Unlock()
		return c, nil
	}
	call, err := p.join(ctx)
	p.mu.Unlock()
	if err != nil {
		return domain.Credentials{}, err
	}
	err = p.wait(ctx, call)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil && !(p.hasToken() && p.usable()) {
		return domain.Credentials{}, err
	}
	return p.credentials(), nil
}

// Refresh fetches a new token, whatever the expiry of the current one (the
// server refused it), or waits for the fetch under way. It reports whether
// the token changed. Errors are those of Credentials.
func (p *TokenProvider) Refresh(ctx context.Context) (bool, error) {
	p.mu.Lock()
	old, had := p.token, p.hasToken()
	call, err := p.join(ctx)
	p.mu.Unlock()
	if err != nil {
		return false, err
	}
	if err := p.wait(ctx, call); err != nil {
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return !had || p.token.Reveal() != old.Reveal(), nil
}

// hasToken, due, usable and credentials need p.mu.
func (p *TokenProvider) hasToken() bool { return !p.token.IsEmpty() }

func (p *TokenProvider) due() bool {
	return !p.expiry.IsZero() && !p.now().Before(p.expiry.Add(-p.margin))
}

func (p *TokenProvider) usable() bool { return p.expiry.IsZero() || p.now().Before(p.expiry) }

func (p *TokenProvider) credentials() domain.Credentials {
	if p.username == "" {
		return domain.Credentials{Type: domain.CredentialOAuthBearer, Secret: p.token}
	}
	return domain.Credentials{Type: domain.CredentialXOAuth2, Username: p.username, Secret: p.token}
}

// join returns the fetch under way, or starts one; it needs p.mu.
func (p *TokenProvider) join(ctx context.Context) (*fetchCall, error) {
	if p.fetch == nil {
		return nil, domain.NewError(domain.KindInvalidInput, opToken, "token provider without a fetch function")
	}
	if c := p.inflight; c != nil {
		c.waiters++
		return c, nil
	}
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &fetchCall{done: make(chan struct{}), waiters: 1, cancel: cancel}
	p.inflight = c
	go p.run(fctx, c)
	return c, nil
}

// run fetches, stores the token unless every waiter has left, and wakes
// the waiters.
func (p *TokenProvider) run(ctx context.Context, c *fetchCall) {
	token, expiry, err := p.safeFetch(ctx)
	c.cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	defer close(c.done)
	if p.inflight != c { // abandoned: a newer fetch may already be under way
		c.err = domain.NewError(domain.KindCancelled, opToken, "token fetch abandoned")
		return
	}
	p.inflight = nil
	switch {
	case err != nil:
		c.err = fetchError(err)
	case token == "":
		c.err = domain.NewError(domain.KindAuth, opToken, "the token source returned an empty token")
	case !expiry.IsZero() && !p.now().Before(expiry):
		c.err = domain.NewError(domain.KindCredentialsExpired, opToken, "the token source returned a token that has already expired")
	default:
		p.token, p.expiry = domain.NewSecret(token), expiry
	}
}

// safeFetch calls fetch and turns a panic into an error: the fetch runs on
// a goroutine of its own, where no caller could recover it.
func (p *TokenProvider) safeFetch(ctx context.Context) (token string, expiry time.Time, err error) {
	defer func() {
		if r := recover(); r != nil {
			token, expiry = "", time.Time{}
			err = domain.NewError(domain.KindAuth, opToken, fmt.Sprintf("the token source panicked (%T)", r))
		}
	}()
	return p.fetch(ctx)
}

// wait waits for c or for ctx; the last waiter to give up cancels the
// fetch and detaches it, so that later callers start afresh.
func (p *TokenProvider) wait(ctx context.Context, c *fetchCall) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-c.done: // finished meanwhile: take the result
		return c.err
	default:
	}
	c.waiters--
	if c.waiters == 0 {
		c.cancel()
		if p.inflight == c {
			p.inflight = nil
		}
	}
	return &domain.Error{Kind: domain.KindOf(ctx.Err()), Op: opToken, Message: "gave up waiting for an access token", Err: ctx.Err()}
}

// fetchError classifies a fetch failure; the token source's own
// *domain.Error passes unchanged.
func fetchError(err error) error {
	if domain.AsError(err) != nil {
		return err
	}
	kind := domain.KindCredentialsExpired
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		kind = domain.KindOf(err)
	}
	return &domain.Error{Kind: kind, Op: opToken, Message: "could not obtain an access token", Err: err}
}
