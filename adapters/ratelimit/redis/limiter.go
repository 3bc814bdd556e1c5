package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/integrations/smtp/adapters/ratelimit"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// KeyPrefix starts every key this package writes.
const KeyPrefix = "smtp:ratelimit:"

// defaultKey names the quota when Config.Key is empty
// (bootstrap fills it with the client's account first).
const defaultKey = "default"

var _ ports.RateLimiter = (*Limiter)(nil)

// Limiter is a ports.RateLimiter whose quotas are shared through Redis.
// Make one with New; it is safe for concurrent use. Close it when done.
type Limiter struct {
	client      goredis.UniversalClient
	own         bool // client was made by New: Close closes it
	emails      *quota
	connections *quota // nil when connections are not limited
	onLimit     ratelimit.Behavior
	waitTimeout time.Duration
	policy      FailurePolicy
	timeout     time.Duration
	key         string
	o           options
	token       string // unique to this Limiter: with seq, the members of its permits
	seq         atomic.Uint64
	failOpens   atomic.Uint64
	health      health
}

// quota is the Redis key and the limit of one ports.Quota.
type quota struct {
	name               ports.Quota
	key                string
	max                int
	window             time.Duration
	windowUS, windowMS string // script arguments
}

func newQuota(name ports.Quota, key string, limit int, window time.Duration) *quota {
	ms := max(window.Milliseconds(), 1)
	if window%time.Millisecond != 0 {
		ms++ // the key outlives the window
	}
	return &quota{
		name: name, max: limit, window: window,
		key:      KeyPrefix + "{" + key + "}:" + name.String() + ":" + strconv.FormatInt(window.Milliseconds(), 10),
		windowUS: strconv.FormatInt(max(window.Microseconds(), 1), 10),
		windowMS: strconv.FormatInt(ms, 10),
	}
}

// New returns a Limiter of limits, counted in the Redis of shared under
// shared.Key ("default" when empty): the limits and behaviour of limits,
// shared by every Limiter of the same Redis and Key. It makes a Redis
// client from shared.URL unless WithClient gives one; it does not connect.
// Errors are *domain.Error of KindInvalidInput, and never show the URL's
// password.
func New(limits ratelimit.Config, shared Config, opts ...Option) (*Limiter, error) {
	if err := validate(limits, shared); err != nil {
		return nil, err
	}
	o := options{log: nopLogger{}, telemetry: ports.NopTelemetry{}, recheck: DefaultRecheckInterval}
	for _, opt := range opts {
		opt.apply(&o)
	}
	key := shared.Key
	if key == "" {
		key = defaultKey
	}
	l := &Limiter{
		client: o.client, onLimit: limits.OnLimit, waitTimeout: limits.WaitTimeout,
		policy: shared.OnUnavailable, timeout: shared.EffectiveTimeout(), key: key, o: o, token: newToken(),
		emails: newQuota(ports.QuotaEmails, key, limits.MaxEmails, limits.Window),
	}
	if limits.MaxConnections > 0 {
		l.connections = newQuota(ports.QuotaConnections, key, limits.MaxConnections, limits.Window)
	}
	if l.client == nil {
		c, err := newClient(shared)
		if err != nil {
			return nil, err
		}
		l.client, l.own = c, true
	}
	return l, nil
}

// validate checks limits and shared and reports every problem in one
// *domain.Error of KindInvalidInput.
func validate(limits ratelimit.Config, shared Config) error {
	var problems []string
	if err := shared.Validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if e := domain.AsError(limits.Validate()); e != nil {
		problems = append(problems, e.Message)
	}
	if len(problems) == 0 {
		return nil
	}
	return domain.NewError(domain.KindInvalidInput, op, strings.Join(problems, "; "))
}

// Close closes the Redis client New made; a client given by WithClient
// stays open.
func (l *Limiter) Close() error {
	if l.own {
		return l.client.Close()
	}
	return nil
}

// FailOpens returns how many decisions the fallback made (or granted
// without one) because Redis did not answer and the policy is
// FailOpen.
func (l *Limiter) FailOpens() uint64 { return l.failOpens.Load() }

// Acquire implements ports.RateLimiter as the in-memory limiter does, with
// the count kept in Redis. A quota this Limiter does not limit succeeds at
// once; a context that has already ended gets its error and takes no
// permit, nor does a waiter whose context ends. Each round trip lasts at
// most the configured timeout; when it fails the failure policy decides.
// Errors are *domain.Error: KindLocalRateLimit with RetryAfter in
// (0, Window] when refused, KindLocalRateLimit wrapping ErrUnavailable when
// Redis did not answer and the policy is fail-closed, KindCancelled or
// KindTimeout wrapping ctx.Err() when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, q ports.Quota) error {
	qt := l.quota(q)
	if qt == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return ctxError(err)
	}
	var deadline time.Time
	if l.onLimit == ratelimit.WaitWithTimeout {
		deadline = time.Now().Add(l.waitTimeout)
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	waited := false
	for {
		if cause := l.health.skip(); cause != nil {
			return l.unavailable(ctx, q, cause)
		}
		ok, retryAfter, err := l.take(ctx, qt)
		if err != nil {
			if cerr := callerEnded(ctx); cerr != nil {
				return ctxError(cerr)
			}
			l.health.failed(err, l)
			return l.unavailable(ctx, q, err)
		}
		l.health.answered(l)
		if ok {
			return nil
		}
		if !waited {
			l.o.telemetry.RateLimited(ctx, q)
			waited = true
		}
		if l.onLimit == ratelimit.Reject || !deadline.IsZero() && time.Now().Add(retryAfter).After(deadline) {
			return refusal(q, qt.max, qt.window, retryAfter)
		}
		// A little jitter keeps waiters from asking all at once.
		sleep := retryAfter + time.Duration(mrand.Int64N(int64(min(retryAfter/8, 10*time.Millisecond))+1))
		if timer == nil {
			timer = time.NewTimer(sleep)
		} else {
			timer.Reset(sleep)
		}
		select {
		case <-ctx.Done():
			return ctxError(ctx.Err())
		case <-timer.C:
		}
		if err := ctx.Err(); err != nil {
			return ctxError(err)
		}
	}
}

// take runs the script once: a permit, or the time until one frees.
func (l *Limiter) take(ctx context.Context, qt *quota) (bool, time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	token := l.token + strconv.FormatUint(l.seq.Add(1), 36)
	res, err := slidingWindow.Run(rctx, l.client, []string{qt.key}, qt.max, qt.windowUS, qt.windowMS, token).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(res) != 2 {
		return false, 0, errors.New("redis: unexpected reply of the rate-limit script")
	}
	retryAfter := min(max(time.Duration(res[1])*time.Microsecond, time.Microsecond), qt.window)
	return res[0] == 1, retryAfter, nil
}

// unavailable decides a permit of q by the failure policy, Redis having
// failed with cause.
func (l *Limiter) unavailable(ctx context.Context, q ports.Quota, cause error) error {
	if l.policy == FailOpen {
		l.failOpens.Add(1)
		l.o.telemetry.RateLimitFailOpen(ctx, q)
		if l.o.fallback == nil {
			return nil
		}
		return l.o.fallback.Acquire(ctx, q)
	}
	l.o.telemetry.RateLimited(ctx, q)
	return closed(q, l.health.retryAfter(), cause)
}

// quota returns the quota of q, or nil when q is not limited.
func (l *Limiter) quota(q ports.Quota) *quota {
	switch q {
	case ports.QuotaEmails:
		return l.emails
	case ports.QuotaConnections:
		return l.connections
	}
	return nil
}

// newClient makes the Redis client of r: every timeout is the decision's
// timeout, no retries (the failure policy decides at once), and no
// handshake beyond HELLO.
func newClient(r Config) (goredis.UniversalClient, error) {
	opt, err := goredis.ParseURL(r.URL.Reveal())
	if err != nil {
		// The parser's error may quote the URL, password included.
		return nil, domain.NewError(domain.KindInvalidInput, op, "rate limit redis: the url is not a Redis URL")
	}
	t := r.EffectiveTimeout()
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = t, t, t, t
	opt.MaxRetries = -1
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return goredis.NewClient(opt), nil
}

// newToken returns 8 random octets in hex, and a dash.
func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}

// callerEnded returns the caller's context error, also when its deadline
// has passed but the context has not noticed yet: the Redis client sets
// the socket's deadline from ctx's, and its i/o timeout can come first.
func callerEnded(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
