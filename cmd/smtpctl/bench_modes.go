package main

import (
	"bytes"
	"context"
	"flag"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// benchMaxConcurrency bounds --concurrency.
const benchMaxConcurrency = 1024

// benchOptions are bench's flags about what to send and how.
type benchOptions struct {
	mode                                   string
	count, size, conns, concurrency, batch int
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
	case o.concurrency < 1 || o.concurrency > benchMaxConcurrency:
		return &usageError{"--concurrency must be between 1 and " + strconv.Itoa(benchMaxConcurrency)}
	case o.batch < 0:
		return &usageError{"--batch must not be negative"}
	}
	if o.mode == benchModeBatch {
		switch {
		case o.conns < 1 || o.conns > benchMaxConnections:
			return &usageError{"--connections must be between 1 and " + strconv.Itoa(benchMaxConnections)}
		case o.conns > o.count:
			return &usageError{"--connections must not exceed --count"}
		}
		return nil
	}
	switch {
	case o.conns < 1 || o.conns > domain.MaxPoolConnections:
		return &usageError{"--connections (the pool size) must be between 1 and " + strconv.Itoa(domain.MaxPoolConnections) + " in --mode " + o.mode}
	case o.batch != 0:
		return &usageError{"--batch applies to --mode batch"}
	}
	return nil
}

// prepare builds (or renders) the messages, which the clock does not
// count, and returns the timed run.
func (o *benchOptions) prepare(cfg domain.Config) (func(context.Context) benchResult, error) {
	if o.mode == benchModeBatch {
		shares, err := benchMessages(o.count, o.conns, o.size, o.from, o.to)
		if err != nil {
			return nil, err
		}
		cfg.Pool.MaxConnections, cfg.Pool.MinIdle = 1, min(cfg.Pool.MinIdle, 1)
		return func(ctx context.Context) benchResult { return benchRun(ctx, cfg, shares, o.batch) }, nil
	}
	cfg.Pool.MaxConnections, cfg.Pool.MinIdle = o.conns, min(cfg.Pool.MinIdle, o.conns)
	if o.mode == benchModeSend {
		emails, err := benchMessages(o.count, 1, o.size, o.from, o.to)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) benchResult {
			return benchConcurrent(ctx, cfg, o.count, o.concurrency, func(ctx context.Context, c benchClient, i int) (*domain.SendResult, error) {
				return c.Send(ctx, emails[0][i])
			})
		}, nil
	}
	from, to, data, err := benchRaw(o.size, o.from, o.to)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) benchResult {
		return benchConcurrent(ctx, cfg, o.count, o.concurrency, func(ctx context.Context, c benchClient, _ int) (*domain.SendResult, error) {
			return c.SendRaw(ctx, from, to, data)
		})
	}, nil
}

// benchRaw renders one bench message for SendRaw.
func benchRaw(size int, from, to string) (domain.Address, []domain.Address, []byte, error) {
	shares, err := benchMessages(1, 1, size, from, to)
	if err != nil {
		return domain.Address{}, nil, nil, err
	}
	e := shares[0][0]
	msg, err := bootstrap.NewEncoder().Prepare(e, ports.EncodeOptions{})
	if err != nil {
		return domain.Address{}, nil, nil, &configError{err}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return domain.Address{}, nil, nil, &configError{err}
	}
	return e.From, e.To, buf.Bytes(), nil
}

// benchClient is what the send and raw modes call.
type benchClient interface {
	Send(ctx context.Context, e *domain.Email) (*domain.SendResult, error)
	SendRaw(ctx context.Context, from domain.Address, to []domain.Address, data []byte) (*domain.SendResult, error)
}

// benchConcurrent makes count calls of call from concurrency goroutines
// sharing one client, timing each.
func benchConcurrent(ctx context.Context, cfg domain.Config, count, concurrency int,
	call func(ctx context.Context, c benchClient, i int) (*domain.SendResult, error)) benchResult {
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		var r benchResult
		r.fail(&configError{err}, count)
		return r
	}
	defer client.Close(context.Background())
	var (
		next  atomic.Int64
		mu    sync.Mutex
		total benchResult
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range min(concurrency, count) {
		wg.Go(func() {
			var r benchResult
			for i := int(next.Add(1) - 1); i < count; i = int(next.Add(1) - 1) {
				t0 := time.Now()
				res, err := call(ctx, client, i)
				if err != nil {
					r.fail(err, 1)
				} else {
					r.succeed(res, time.Since(t0))
				}
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

// benchResult sums the workers.
type benchResult struct {
	ok, failed, sessions int
	bytes                int64
	latencies            []time.Duration // of the successful messages
	errors               map[string]int  // failed messages by kind
	err                  error           // the first failure seen
	elapsed              time.Duration
}

func (r *benchResult) succeed(res *domain.SendResult, d time.Duration) {
	r.ok++
	r.latencies = append(r.latencies, d)
	if res != nil {
		r.bytes += res.Size
	}
}

func (r *benchResult) fail(err error, n int) {
	r.failed += n
	if r.errors == nil {
		r.errors = map[string]int{}
	}
	r.errors[domain.KindOf(err).String()] += n
	if r.err == nil {
		r.err = err
	}
}

func (r *benchResult) merge(o benchResult) {
	r.ok += o.ok
	r.failed += o.failed
	r.sessions += o.sessions
	r.bytes += o.bytes
	r.latencies = append(r.latencies, o.latencies...)
	for k, n := range o.errors {
		if r.errors == nil {
			r.errors = map[string]int{}
		}
		r.errors[k] += n
	}
	if r.err == nil {
		r.err = o.err
	}
}

// benchRun starts one worker per share at once and waits for all of them.
func benchRun(ctx context.Context, cfg domain.Config, shares [][]*domain.Email, batch int) benchResult {
	var (
		mu    sync.Mutex
		total benchResult
		wg    sync.WaitGroup
	)
	start := time.Now()
	for _, share := range shares {
		wg.Go(func() {
			r := benchWorker(ctx, cfg, share, batch)
			mu.Lock()
			defer mu.Unlock()
			total.merge(r)
		})
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}

// benchWorker sends emails with its own client, batch messages per
// SendBatch call (all of them when batch is 0).
func benchWorker(ctx context.Context, cfg domain.Config, emails []*domain.Email, batch int) benchResult {
	var r benchResult
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		r.fail(&configError{err}, len(emails))
		return r
	}
	defer client.Close(context.Background())
	for len(emails) > 0 {
		n := len(emails)
		if batch > 0 && batch < n {
			n = batch
		}
		r.sessions++
		res, err := client.SendBatch(ctx, emails[:n])
		if err != nil { // the batch could not run (cancelled): neither can the rest
			r.fail(err, len(emails))
			return r
		}
		for _, it := range res.Items {
			if it.Err != nil {
				r.fail(it.Err, 1)
			} else {
				r.succeed(it.Result, durationOf(it.Result))
			}
		}
		emails = emails[n:]
	}
	return r
}

func durationOf(res *domain.SendResult) time.Duration {
	if res == nil {
		return 0
	}
	return res.Duration
}
