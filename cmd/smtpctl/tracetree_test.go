package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestTraceTreeSynthetic prints spans with set times: children under their
// parents, siblings by start time whatever the order they ended in.
func TestTraceTreeSynthetic(t *testing.T) {
	tree := &traceTree{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tree))
	defer tp.Shutdown(context.Background())
	tr := tp.Tracer("test")
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	start := func(ctx context.Context, name string, ms float64) (context.Context, trace.Span) {
		return tr.Start(ctx, name, trace.WithTimestamp(at(ms)))
	}
	ctx, send := start(context.Background(), "smtp.send", 0)
	_, tx := start(ctx, "smtp.transaction", 5)
	actx, acq := start(ctx, "smtp.connection.acquire", 0.1)
	_, conn := start(actx, "smtp.connect", 0.2)
	conn.SetStatus(codes.Error, "smtp dial: connection_refused:\nrefused")
	conn.End(trace.WithTimestamp(at(1.05)))
	acq.End(trace.WithTimestamp(at(4.2)))
	tx.End(trace.WithTimestamp(at(2005)))
	send.End(trace.WithTimestamp(at(2012.3)))
	_, other := start(context.Background(), "smtp.pipeline", 3000) // a second root
	other.End(trace.WithTimestamp(at(3000.5)))

	var b strings.Builder
	tree.write(&b)
	want := "smtp.send 2.01s\n" +
		"  smtp.connection.acquire 4.1ms\n" +
		"    smtp.connect 850µs error: smtp dial: connection_refused:; refused\n" +
		"  smtp.transaction 2.00s\n" +
		"smtp.pipeline 500µs\n"
	if got := b.String(); got != want {
		t.Errorf("tree\n%s\nwant\n%s", got, want)
	}
}

func TestTraceTreeOrphanIsRoot(t *testing.T) {
	tree := &traceTree{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tree))
	defer tp.Shutdown(context.Background())
	ctx, parent := tp.Tracer("test").Start(context.Background(), "never.ended")
	_, child := tp.Tracer("test").Start(ctx, "smtp.data")
	child.End()
	var b strings.Builder
	tree.write(&b)
	if got := b.String(); !strings.HasPrefix(got, "smtp.data ") || strings.Count(got, "\n") != 1 {
		t.Errorf("tree %q, want the child alone as a root", got)
	}
	_ = parent
}

func TestSpanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0µs", 850 * time.Microsecond: "850µs", 12345 * time.Microsecond: "12.3ms",
		999 * time.Millisecond: "999.0ms", 1250 * time.Millisecond: "1.25s",
	} {
		if got := spanDuration(d); got != want {
			t.Errorf("spanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestSendTrace sends through the client stack with --trace: stderr ends
// with the span tree of the send, rooted at smtp.send. It needs the client
// built by bootstrap to trace through the global tracer provider.
func TestSendTrace(t *testing.T) {
	_, conn := tlsServer(t)
	code, _, errOut := runCLI(t, sendArgs(conn, "--trace")...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
	root := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "smtp.send ") {
			root = i
			break
		}
	}
	if root < 0 {
		t.Fatalf("stderr has no smtp.send root span:\n%s", errOut)
	}
	children := map[string]bool{}
	for _, l := range lines[root+1:] {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		children[strings.Fields(l)[0]] = true
	}
	for _, name := range []string{"smtp.connect", "smtp.tls.upgrade", "smtp.auth", "smtp.transaction", "smtp.rcpt_to"} {
		if !children[name] {
			t.Errorf("the tree under smtp.send lacks %s:\n%s", name, errOut)
		}
	}
}

// TestSendWithoutTraceNoTree: without --trace nothing is printed.
func TestSendWithoutTraceNoTree(t *testing.T) {
	_, conn := tlsServer(t)
	code, _, errOut := runCLI(t, sendArgs(conn)...)
	if code != exitOK || strings.Contains(errOut, "smtp.send") {
		t.Errorf("exit %d, stderr %q: want 0 and no tree", code, errOut)
	}
}
