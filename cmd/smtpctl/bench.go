package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/integrations/smtp/adapters/pool"
)

// Limits that keep a bench bounded in memory and in load.
const (
	benchMaxCount = 1_000_000
	benchMaxSize  = 50 << 20
)

// benchOutput is the --json document of bench.
type benchOutput struct {
	Mode        string         `json:"mode"`
	Messages    int            `json:"messages"`
	Size        int            `json:"size"`                  // text body octets; in raw mode the message's
	AttachSize  int            `json:"attach_size,omitempty"` // octets of each message's attachment
	RawSource   string         `json:"raw_source,omitempty"`  // raw mode: rendered, file-bytes or file-stream
	Connections int            `json:"connections"`           // the pool size
	Pooled      bool           `json:"pooled"`                // false with --no-pool: a session per message
	Concurrency int            `json:"concurrency"`
	Batch       int            `json:"batch"`
	Sessions    int            `json:"sessions,omitempty"` // SendBatch calls (batch mode)
	Succeeded   int            `json:"succeeded"`
	Failed      int            `json:"failed"`
	Bytes       int64          `json:"bytes"` // octets of the messages the server took
	Seconds     float64        `json:"seconds"`
	PerSecond   float64        `json:"messages_per_second"`
	MBPerSecond float64        `json:"mb_per_second"`      // 10^6 octets per second
	CPUSeconds  float64        `json:"cpu_seconds"`        // user+system CPU of this process during the run
	CPUPerMsgMS float64        `json:"cpu_ms_per_message"` // CPUSeconds per successful message, in ms
	MaxRSSKiB   int64          `json:"max_rss_kib"`        // peak resident set size of the process
	Latency     benchLatency   `json:"latency_ms"`         // of the successful messages
	Errors      map[string]int `json:"errors"`             // failed messages by error kind
	Error       *errorJSON     `json:"error,omitempty"`    // the first failure
	ExitCode    int            `json:"exit_code"`
}

// The bench modes.
const (
	benchModeSend  = "send"
	benchModeBatch = "batch"
	benchModeRaw   = "raw"
)

// runBench sends --count messages with --size-byte text bodies (and an
// --attach-size attachment) and reports the throughput, the CPU time and
// peak memory of the process, per-message latency percentiles and errors
// by kind. Every mode uses one client whose pool holds at most
// --connections sessions (none with --no-pool: a session per message).
//
//   - batch (the default): --concurrency goroutines call Client.SendBatch,
//     --batch messages a call (0: one call per goroutine); a call spreads
//     its messages over the pooled sessions, pipelined. A message's
//     latency is its batch item's Duration.
//   - send: --concurrency goroutines call Client.Send, one message a call
//     (concurrent calls are coalesced on the pooled sessions).
//   - raw: as send, through Client.SendRaw with one message rendered before
//     the clock starts, or with --message-file: streamed from the file
//     with Client.SendRawReader when the client has it (read into memory
//     before the clock with --raw-bytes, or when it has not).
//
// The clock runs from the client's creation to the last reply; building
// the messages is not counted, encoding them is (except in raw mode).
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
	var o benchOptions
	fs.StringVar(&o.mode, "mode", benchModeBatch, "`mode`: batch (SendBatch per connection), send (Client.Send from --concurrency goroutines) or raw (a prerendered message through Client.SendRaw)")
	fs.IntVar(&o.count, "count", 1000, "`number` of messages to send (at most 1000000)")
	fs.IntVar(&o.size, "size", 1024, "text body size in `bytes`, headers not included (as smtp-source -l)")
	fs.IntVar(&o.conns, "connections", 1, "`number` of pooled connections: the pool size (at most 20)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "`number` of goroutines calling Send, SendRaw or SendBatch")
	fs.IntVar(&o.batch, "batch", 0, "`number` of messages per SendBatch call; 0 gives each goroutine one call (batch mode)")
	fs.IntVar(&o.attachSize, "attach-size", 0, "attach `octets` of random binary data to every message (send and batch modes)")
	fs.StringVar(&o.messageFile, "message-file", "", "send the prebuilt RFC 5322 message in `file` (raw mode; --size is ignored)")
	fs.BoolVar(&o.rawBytes, "raw-bytes", false, "read --message-file into memory and send it with SendRaw even when the client can stream it")
	fs.IntVar(&o.minIdle, "min-idle", pool.Config{}.WithDefaults().MinIdle, "idle sessions the pool keeps open (Config.Pool.MinIdle; at most --connections)")
	fs.BoolVar(&o.noPool, "no-pool", false, "do not pool sessions: every send opens a session (TLS, AUTH) and closes it")
	fs.StringVar(&o.from, "from", "bench@example.test", "sender `address`")
	fs.StringVar(&o.to, "to", "sink@example.test", "recipient `address`")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sending to `file` (go tool pprof)")
	metricsPath := fs.String("metrics", "", metricsUsage)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	out := benchOutput{Mode: o.mode, Messages: o.count, Size: o.size, AttachSize: o.attachSize, Connections: o.conns, Pooled: !o.noPool,
		Concurrency: o.concurrency, Batch: o.batch, Errors: map[string]int{}}
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
			fmt.Fprint(stdout, out.text())
		}
		return code
	}
	if err := o.check(fs); err != nil {
		return finish(err)
	}
	cfg, err := c.config()
	if err != nil {
		return finish(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	run, err := o.prepare(cfg)
	if err != nil {
		return finish(err)
	}
	out.Size, out.RawSource = o.size, o.rawSource
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return finish(&usageError{"--cpuprofile: " + err.Error()})
		}
		defer stop()
	}
	metrics, err := installMetrics(*metricsPath, stdout)
	if err != nil {
		return finish(err)
	}
	before := usageNow()
	res := run(ctx)
	after := usageNow()
	if err := metrics.finish(); err != nil && res.err == nil {
		res.err = err
	}
	out.CPUSeconds, out.MaxRSSKiB = (after.cpu - before.cpu).Seconds(), after.maxRSS
	if res.ok > 0 {
		out.CPUPerMsgMS = out.CPUSeconds * 1000 / float64(res.ok)
	}
	out.Succeeded, out.Failed, out.Sessions, out.Bytes = res.ok, res.failed, res.sessions, res.bytes
	out.Seconds = res.elapsed.Seconds()
	if out.Seconds > 0 {
		out.PerSecond = float64(res.ok) / out.Seconds
		out.MBPerSecond = float64(res.bytes) / 1e6 / out.Seconds
	}
	out.Latency = latencyOf(res.latencies)
	maps.Copy(out.Errors, res.errors)
	return finish(res.err)
}

// text is the human report.
func (out *benchOutput) text() string {
	var b strings.Builder
	what := fmt.Sprintf("%d-byte bodies", out.Size)
	switch {
	case out.RawSource != "":
		what = fmt.Sprintf("%d-byte messages, %s", out.Size, out.RawSource)
	case out.AttachSize > 0:
		what += fmt.Sprintf(", %d-byte attachments", out.AttachSize)
	}
	fmt.Fprintf(&b, "bench: mode %s, %d of %d messages (%s) in %.3fs, concurrency %d, ", out.Mode, out.Succeeded, out.Messages, what, out.Seconds, out.Concurrency)
	if out.Pooled {
		fmt.Fprintf(&b, "pool of at most %d connection(s)", out.Connections)
	} else {
		b.WriteString("no pool (a session per message)")
	}
	if out.Mode == benchModeBatch {
		fmt.Fprintf(&b, ", %d SendBatch call(s)", out.Sessions)
	}
	fmt.Fprintf(&b, "\nthroughput: %.0f msg/s, %.2f MB/s, %d failed\n", out.PerSecond, out.MBPerSecond, out.Failed)
	fmt.Fprintf(&b, "cpu: %.3fs user+system during the run, %.3f ms a message; peak RSS %d KiB\n", out.CPUSeconds, out.CPUPerMsgMS, out.MaxRSSKiB)
	l := out.Latency
	fmt.Fprintf(&b, "latency per message: p50 %.3fms, p90 %.3fms, p99 %.3fms (%d successful)\n", l.P50, l.P90, l.P99, out.Succeeded)
	if len(out.Errors) > 0 {
		kinds := slices.Sorted(maps.Keys(out.Errors))
		for i, k := range kinds {
			kinds[i] = k + " " + strconv.Itoa(out.Errors[k])
		}
		fmt.Fprintf(&b, "errors by kind: %s\n", strings.Join(kinds, ", "))
	}
	return b.String()
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
