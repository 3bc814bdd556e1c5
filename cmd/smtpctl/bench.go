package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// Limits that keep a bench bounded in memory and in load.
const (
	benchMaxCount       = 1_000_000
	benchMaxSize        = 50 << 20
	benchMaxConnections = 256
)

// benchOutput is the --json document of bench.
type benchOutput struct {
	Messages    int        `json:"messages"`
	Size        int        `json:"size"`
	Connections int        `json:"connections"`
	Batch       int        `json:"batch"`
	Sessions    int        `json:"sessions"` // SendBatch calls, each one SMTP session
	Succeeded   int        `json:"succeeded"`
	Failed      int        `json:"failed"`
	Seconds     float64    `json:"seconds"`
	PerSecond   float64    `json:"messages_per_second"`
	Error       *errorJSON `json:"error,omitempty"` // the first failure
	ExitCode    int        `json:"exit_code"`
}

// runBench sends --count messages with --size-byte text bodies over
// --connections concurrent connections and reports the throughput. Each
// connection has its own client and sends its share with Client.SendBatch,
// so consecutive messages reuse one SMTP session (and are pipelined where
// the client can). The clock runs from the first dial to the last reply;
// building the messages is not counted, encoding them is.
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	c.register(fs)
	// A bench targets a local sink: plaintext unless asked otherwise.
	c.tlsMode = "none"
	if f := fs.Lookup("tls"); f != nil {
		f.DefValue = "none"
		f.Usage = "TLS `mode`: none (default here), starttls, starttls-required or implicit"
	}
	count := fs.Int("count", 1000, "`number` of messages to send (at most 1000000)")
	size := fs.Int("size", 1024, "text body size in `bytes`, headers not included (as smtp-source -l)")
	conns := fs.Int("connections", 1, "`number` of concurrent connections, each with its own client")
	batch := fs.Int("batch", 0, "messages per SendBatch call, each call one SMTP session; 0 sends all of a connection's messages in one session")
	from := fs.String("from", "bench@example.test", "sender `address`")
	to := fs.String("to", "sink@example.test", "recipient `address`")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sending to `file` (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	out := benchOutput{Messages: *count, Size: *size, Connections: *conns, Batch: *batch}
	finish := func(err error) int {
		code := exitCode(err)
		if err != nil {
			out.Error = newErrorJSON(err)
			fmt.Fprintf(stderr, "smtpctl bench: %s\n", oneLine(err.Error()))
		}
		out.ExitCode = code
		switch {
		case *asJSON && code != exitUsage:
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(out)
		case code != exitUsage:
			fmt.Fprintf(stdout, "bench: %d of %d messages (%d-byte bodies) over %d concurrent connection(s), %d session(s) in all, in %.3fs: %.0f msg/s, %d failed\n",
				out.Succeeded, out.Messages, out.Size, out.Connections, out.Sessions, out.Seconds, out.PerSecond, out.Failed)
		}
		return code
	}
	if err := checkBenchFlags(fs, *count, *size, *conns, *batch); err != nil {
		return finish(err)
	}
	cfg, err := c.config()
	if err != nil {
		return finish(err)
	}
	shares, err := benchMessages(*count, *conns, *size, *from, *to)
	if err != nil {
		return finish(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return finish(&usageError{"--cpuprofile: " + err.Error()})
		}
		defer stop()
	}
	res := benchRun(ctx, cfg, shares, *batch)
	out.Succeeded, out.Failed, out.Sessions = res.ok, res.failed, res.sessions
	out.Seconds = res.elapsed.Seconds()
	if out.Seconds > 0 {
		out.PerSecond = float64(res.ok) / out.Seconds
	}
	return finish(res.err)
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func checkBenchFlags(fs *flag.FlagSet, count, size, conns, batch int) error {
	switch {
	case fs.NArg() > 0:
		return &usageError{"unexpected argument " + quote(fs.Arg(0))}
	case count < 1 || count > benchMaxCount:
		return &usageError{"--count must be between 1 and " + strconv.Itoa(benchMaxCount)}
	case size < 0 || size > benchMaxSize:
		return &usageError{"--size must be between 0 and " + strconv.Itoa(benchMaxSize)}
	case conns < 1 || conns > benchMaxConnections:
		return &usageError{"--connections must be between 1 and " + strconv.Itoa(benchMaxConnections)}
	case conns > count:
		return &usageError{"--connections must not exceed --count"}
	case batch < 0:
		return &usageError{"--batch must not be negative"}
	}
	return nil
}

// benchMessages builds count messages and deals them out to conns
// connections as evenly as possible. The messages share one body string.
func benchMessages(count, conns, size int, from, to string) ([][]*domain.Email, error) {
	body := benchBody(size)
	shares := make([][]*domain.Email, conns)
	for i := range count {
		e, err := domain.NewEmail().From(from).To(to).Subject("bench " + strconv.Itoa(i+1)).Text(body).Build()
		if err != nil {
			return nil, &configError{err}
		}
		shares[i%conns] = append(shares[i%conns], e)
	}
	return shares, nil
}

// benchBody returns size octets of 7-bit text in lines of at most 76
// octets, each ending in LF (the encoder writes CRLF).
func benchBody(size int) string {
	const line = "The quick brown fox jumps over the lazy dog; seven wizards hex jolly kings."
	var b strings.Builder
	b.Grow(size + len(line))
	for b.Len() < size {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	s := b.String()[:size]
	if size > 0 && !strings.HasSuffix(s, "\n") {
		s = s[:size-1] + "\n"
	}
	return s
}

// benchResult sums the workers.
type benchResult struct {
	ok, failed, sessions int
	err                  error // the first failure seen
	elapsed              time.Duration
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
			total.ok += r.ok
			total.failed += r.failed
			total.sessions += r.sessions
			if total.err == nil {
				total.err = r.err
			}
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
		return benchResult{failed: len(emails), err: &configError{err}}
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
			r.failed += len(emails)
			if r.err == nil {
				r.err = err
			}
			return r
		}
		r.ok += res.Succeeded
		r.failed += res.Failed
		for _, it := range res.Items {
			if it.Err != nil && r.err == nil {
				r.err = it.Err
			}
		}
		emails = emails[n:]
	}
	return r
}
