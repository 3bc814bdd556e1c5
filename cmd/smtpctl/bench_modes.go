package main

import (
	"context"
	"flag"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/application"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// benchMaxConcurrency bounds --concurrency.
const benchMaxConcurrency = 1024

// benchOptions are bench's flags about what to send and how.
type benchOptions struct {
	mode                                   string
	count, size, conns, concurrency, batch int
	attachSize, minIdle                    int
	messageFile                            string
	rawBytes, noPool                       bool
	rawSource                              string // set by prepare in raw mode
	from, to                               string
}

// check reports flag values out of range or for another mode (exit 64).
func (o *benchOptions) check(fs *flag.FlagSet) error {
	switch {
	case fs.NArg() > 0:
		return &usageError{"unexpected argument " + quote(fs.Arg(0))}
	case o.mode != benchModeBatch && o.mode != benchModeSend && o.mode != benchModeRaw:
		return &usageError{"--mode must be send, batch or raw"}
	case o.count < 1 || o.count > benchMaxCount:
		return &usageError{"--count must be between 1 and " + strconv.Itoa(benchMaxCount)}
	case o.size < 0 || o.size > benchMaxSize:
		return &usageError{"--size must be between 0 and " + strconv.Itoa(benchMaxSize)}
	case o.attachSize < 0 || o.attachSize > benchMaxSize:
		return &usageError{"--attach-size must be between 0 and " + strconv.Itoa(benchMaxSize)}
	case o.concurrency < 1 || o.concurrency > benchMaxConcurrency:
		return &usageError{"--concurrency must be between 1 and " + strconv.Itoa(benchMaxConcurrency)}
	case o.conns < 1 || o.conns > pool.MaxConnectionsLimit:
		return &usageError{"--connections (the pool size) must be between 1 and " + strconv.Itoa(pool.MaxConnectionsLimit)}
	case o.minIdle < 0:
		return &usageError{"--min-idle must not be negative"}
	case o.batch < 0:
		return &usageError{"--batch must not be negative"}
	case o.batch != 0 && o.mode != benchModeBatch:
		return &usageError{"--batch applies to --mode batch"}
	case o.attachSize != 0 && o.mode == benchModeRaw:
		return &usageError{"--attach-size applies to --mode send and batch"}
	case o.messageFile != "" && o.mode != benchModeRaw:
		return &usageError{"--message-file applies to --mode raw"}
	case o.rawBytes && o.messageFile == "":
		return &usageError{"--raw-bytes applies to --message-file"}
	}
	return nil
}

// prepare builds (or renders, or opens) the messages, which the clock does
// not count, and returns the timed run.
func (o *benchOptions) prepare(cfg bootstrap.Config) (func(context.Context) benchResult, error) {
	cfg.Pool.MaxConnections, cfg.Pool.MinIdle = o.conns, min(o.minIdle, o.conns)
	if cfg.Pool.MinIdle == 0 {
		cfg.Pool.MinIdle = -1 // --min-idle 0: no session kept warm (a zero pool.Config field means the default, 1)
	}
	// A bench may send messages larger than the default client-side limit:
	// unless --max-size says otherwise, allow the largest.
	if cfg.Limits.MaxMessageSize == 0 {
		cfg.Limits.MaxMessageSize = application.MaxMessageSizeLimit
	}
	var opts []bootstrap.ClientOption
	if o.noPool {
		opts = append(opts, bootstrap.WithoutPool())
	}
	if o.mode == benchModeRaw {
		call, err := o.rawCall()
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) benchResult {
			return benchConcurrent(ctx, cfg, opts, o.count, o.concurrency, call)
		}, nil
	}
	emails, err := benchMessages(o.count, o.size, o.attachSize, o.from, o.to)
	if err != nil {
		return nil, err
	}
	if o.mode == benchModeSend {
		return func(ctx context.Context) benchResult {
			return benchConcurrent(ctx, cfg, opts, o.count, o.concurrency, func(ctx context.Context, c benchClient, i int, r *benchResult) {
				t0 := time.Now()
				res, err := c.Send(ctx, emails[i])
				r.record(res, err, time.Since(t0))
			})
		}, nil
	}
	batches := benchBatches(emails, o.batch, o.concurrency)
	return func(ctx context.Context) benchResult {
		return benchConcurrent(ctx, cfg, opts, len(batches), o.concurrency, func(ctx context.Context, c benchClient, i int, r *benchResult) {
			r.sessions++
			res, err := c.SendBatch(ctx, batches[i])
			if err != nil { // the batch could not run at all (cancelled, closed)
				r.fail(err, len(batches[i]))
				return
			}
			for _, it := range res.Items {
				r.record(it.Result, it.Err, durationOf(it.Result))
			}
		})
	}, nil
}

// benchBatches cuts emails into SendBatch calls of batch messages, or,
// when batch is 0, into one call per caller.
func benchBatches(emails []*domain.Email, batch, callers int) [][]*domain.Email {
	if batch == 0 {
		batch = (len(emails) + callers - 1) / callers
	}
	var out [][]*domain.Email
	for len(emails) > 0 {
		n := min(batch, len(emails))
		out = append(out, emails[:n])
		emails = emails[n:]
	}
	return out
}

// benchClient is what the bench calls.
type benchClient interface {
	Send(ctx context.Context, e *domain.Email) (*domain.SendResult, error)
	SendBatch(ctx context.Context, emails []*domain.Email) (*domain.BatchResult, error)
	SendRaw(ctx context.Context, from domain.Address, to []domain.Address, data []byte) (*domain.SendResult, error)
}

// benchCall makes call number i and records its outcome in r.
type benchCall func(ctx context.Context, c benchClient, i int, r *benchResult)

// benchConcurrent makes calls calls from concurrency goroutines sharing
// one client. The clock runs from the client's creation (before the first
// dial) to the last reply.
func benchConcurrent(ctx context.Context, cfg bootstrap.Config, opts []bootstrap.ClientOption, calls, concurrency int, call benchCall) benchResult {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		total benchResult
		wg    sync.WaitGroup
	)
	start := time.Now()
	client, err := bootstrap.NewClient(cfg, opts...)
	if err != nil {
		total.fail(&configError{err}, calls)
		return total
	}
	defer client.Close(context.Background())
	for range min(concurrency, calls) {
		wg.Go(func() {
			var r benchResult
			for i := int(next.Add(1) - 1); i < calls; i = int(next.Add(1) - 1) {
				call(ctx, client, i, &r)
			}
			mu.Lock()
			defer mu.Unlock()
			total.merge(r)
		})
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}

// benchMessages returns count messages with size-octet text bodies and,
// when attachSize > 0, a binary attachment of that many octets. They are
// one Email, built and validated once with the EmailBuilder, sent count
// times, as smtp-source sends one message -m times: the client stamps each
// send with its own Message-ID and Date and never changes a caller's Email,
// so every message on the wire is distinct, and the bench's own memory
// (which scripts/bench/pool.sh's process clock counts, with the page faults
// and garbage collection it costs) does not grow with count.
func benchMessages(count, size, attachSize int, from, to string) ([]*domain.Email, error) {
	body := benchBody(size)
	var attachment []byte
	if attachSize > 0 {
		attachment = make([]byte, attachSize)
		rng := rand.NewChaCha8([32]byte{'s', 'm', 't', 'p'}) // not compressible, the same every run
		_, _ = rng.Read(attachment)
	}
	b := domain.NewEmail().From(from).To(to).Subject("bench").Text(body)
	if attachment != nil {
		b = b.AttachBytes("bench.bin", "application/octet-stream", attachment)
	}
	first, err := b.Build()
	if err != nil {
		return nil, &configError{err}
	}
	emails := make([]*domain.Email, count)
	for i := range emails {
		emails[i] = first
	}
	return emails, nil
}
