package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/integrations/smtp/adapters/pool"
	"github.com/integrations/smtp/bootstrap"
	"github.com/integrations/smtp/domain"
)

// runBatch sends the emails of a JSON-lines file, one object a line with
// the names of send's message flags, through one client from --connections
// workers, each calling Client.Send (the client pools connections and may
// coalesce concurrent sends). Bad lines are reported by line number and the
// rest is sent. The exit code is the worst of the emails' (see exitRank).
func runBatch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c connFlags
	var rl rateLimitFlags
	c.register(fs)
	rl.register(fs)
	if f := fs.Lookup("timeout"); f != nil {
		f.Usage = "`duration` limit for each email, a rate-limit wait included"
	}
	file := fs.String("file", "", "read the emails from `file`, one JSON object a line (- for stdin)")
	asJSON := fs.Bool("json", false, "print a JSON report line per email, then a summary object, on stdout")
	conns := fs.Int("connections", 0, "`number` of concurrent sends, and the most pooled connections (1 to 20; default the pool's default, 5)")
	eightBit := fs.Bool("8bit", true, "send text as 8bit when the server has 8BITMIME (a line's \"8bit\" must agree)")
	metricsPath := fs.String("metrics", "", metricsUsage)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	tty := isTerminal(stderr)
	cfg, err := batchConfig(fs, &c, &rl, *file, *conns)
	if err != nil {
		return fail(stderr, "batch", err)
	}
	cfg.Allow8BitMIME = *eightBit
	// A server may quote the secret back into a reply.
	stdout, stderr = scrub(stdout, cfg.Credentials), scrub(stderr, cfg.Credentials)
	jobs, err := readBatchFile(*file, *eightBit)
	if err != nil {
		return fail(stderr, "batch", err)
	}
	metrics, err := installMetrics(*metricsPath, stdout)
	if err != nil {
		return fail(stderr, "batch", err)
	}
	client, err := bootstrap.NewClient(cfg)
	if err != nil {
		_ = metrics.finish()
		return fail(stderr, "batch", &configError{err})
	}
	defer client.Close(context.Background())

	// An interrupt stops starting emails; those on the wire finish.
	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	p := newProgress(stderr, len(jobs), tty)
	sink := newBatchSink(stdout, *asJSON, p)
	start := time.Now()
	sendBatch(stop, client, jobs, cfg.Pool.MaxConnections, c.timeout, sink.record)
	p.finish()
	sink.sum.finish(time.Since(start))
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(sink.sum)
		fmt.Fprint(stderr, sink.sum.text())
	} else {
		fmt.Fprint(stdout, sink.sum.text())
	}
	if err := metrics.finish(); err != nil { // the pool is still open: its gauge is read live
		return worseExit(sink.sum.ExitCode, fail(stderr, "batch", err))
	}
	return sink.sum.ExitCode
}

// batchConfig checks the flags and builds the client configuration:
// --connections sets the pool size, --rate-limit the rate limit.
func batchConfig(fs *flag.FlagSet, c *connFlags, rl *rateLimitFlags, file string, conns int) (bootstrap.Config, error) {
	switch {
	case fs.NArg() > 0:
		return bootstrap.Config{}, &usageError{"unexpected argument " + quote(fs.Arg(0))}
	case file == "":
		return bootstrap.Config{}, &usageError{"--file is required (- reads stdin)"}
	case conns < 0 || conns > pool.MaxConnectionsLimit:
		return bootstrap.Config{}, &usageError{"--connections must be between 1 and " + strconv.Itoa(pool.MaxConnectionsLimit)}
	}
	connsSet := false
	fs.Visit(func(f *flag.Flag) { connsSet = connsSet || f.Name == "connections" })
	if connsSet && conns == 0 {
		return bootstrap.Config{}, &usageError{"--connections must be between 1 and " + strconv.Itoa(pool.MaxConnectionsLimit)}
	}
	cfg, err := c.config()
	if err != nil {
		return cfg, err
	}
	if err := rl.apply(&cfg); err != nil {
		return cfg, err
	}
	if conns > 0 {
		cfg.Pool.MaxConnections = conns
		cfg.Pool.MinIdle = min(cfg.Pool.MinIdle, conns)
	}
	if cfg.Pool.MaxConnections <= 0 {
		cfg.Pool.MaxConnections = pool.Config{}.WithDefaults().MaxConnections
	}
	return cfg, nil
}

// readBatchFile reads the batch from path, or from stdin for "-". A file
// that cannot be read is a *domain.Error of KindInvalidInput (exit 65).
func readBatchFile(path string, eightBit bool) ([]batchJob, error) {
	if path == "-" {
		return readBatch(os.Stdin, eightBit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &domain.Error{Kind: domain.KindInvalidInput, Op: "read batch", Message: "cannot read " + quote(path), Err: err}
	}
	defer f.Close()
	return readBatch(f, eightBit)
}
