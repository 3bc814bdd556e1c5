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
	Mode        string         `json:"mode"`
	Messages    int            `json:"messages"`
	Size        int            `json:"size"`
	Connections int            `json:"connections"`
	Concurrency int            `json:"concurrency"`
	Batch       int            `json:"batch"`
	Sessions    int            `json:"sessions,omitempty"` // SendBatch calls (batch mode)
	Succeeded   int            `json:"succeeded"`
	Failed      int            `json:"failed"`
	Bytes       int64          `json:"bytes"` // octets of the messages the server took
	Seconds     float64        `json:"seconds"`
	PerSecond   float64        `json:"messages_per_second"`
	MBPerSecond float64        `json:"mb_per_second"`   // 10^6 octets per second
	Latency     benchLatency   `json:"latency_ms"`      // of the successful messages
	Errors      map[string]int `json:"errors"`          // failed messages by error kind
	Error       *errorJSON     `json:"error,omitempty"` // the first failure
	ExitCode    int            `json:"exit_code"`
}

// The bench modes.
const (
	benchModeSend  = "send"
	benchModeBatch = "batch"
	benchModeRaw   = "raw"
)

// runBench sends --count messages with --size-byte text bodies and reports
// the throughput, per-message latency percentiles and errors by kind.
//
//   - batch (the default): one client per --connections, each sending its
//     share with Client.SendBatch, --batch messages a call, so
//     consecutive messages reuse one SMTP session (pipelined where the
//     client can). A message's latency is its batch item's Duration.
//   - send: one client whose pool holds at most --connections sessions;
//     --concurrency goroutines call Client.Send, one message a call.
//   - raw: as send, but one message rendered before the clock starts goes
//     out --count times through Client.SendRaw.
//
// The clock runs from the first dial to the last reply; building the
// messages is not counted, encoding them is (except in raw mode).
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
	fs.IntVar(&o.conns, "connections", 1, "`number` of connections: in batch mode concurrent clients of one connection each (at most 256), in send and raw modes the pool size (at most 20)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "`number` of goroutines calling Send or SendRaw (send and raw modes; batch mode has one SendBatch caller per connection)")
	fs.IntVar(&o.batch, "batch", 0, "`number` of messages per SendBatch call; 0 sends all of a connection's messages in one call (batch mode)")
	fs.StringVar(&o.from, "from", "bench@example.test", "sender `address`")
	fs.StringVar(&o.to, "to", "sink@example.test", "recipient `address`")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sending to `file` (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	out := benchOutput{Mode: o.mode, Messages: o.count, Size: o.size, Connections: o.conns, Concurrency: o.concurrency, Batch: o.batch, Errors: map[string]int{}}
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
	if o.mode == benchModeBatch {
		out.Concurrency = o.conns // one SendBatch caller per connection
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
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return finish(&usageError{"--cpuprofile: " + err.Error()})
		}
		defer stop()
	}
	res := run(ctx)
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
	fmt.Fprintf(&b, "bench: mode %s, %d of %d messages (%d-byte bodies) in %.3fs, ", out.Mode, out.Succeeded, out.Messages, out.Size, out.Seconds)
	if out.Mode == benchModeBatch {
		fmt.Fprintf(&b, "over %d concurrent connection(s), %d SendBatch call(s) in all\n", out.Connections, out.Sessions)
	} else {
		fmt.Fprintf(&b, "concurrency %d, pool of at most %d connection(s)\n", out.Concurrency, out.Connections)
	}
	fmt.Fprintf(&b, "throughput: %.0f msg/s, %.2f MB/s, %d failed\n", out.PerSecond, out.MBPerSecond, out.Failed)
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
