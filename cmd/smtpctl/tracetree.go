package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// traceTree is a span processor that keeps the ended spans, to print them
// as a tree when the command ends.
type traceTree struct {
	mu    sync.Mutex
	spans []treeSpan
}

// treeSpan is what the tree shows of a span.
type treeSpan struct {
	name       string
	id, parent trace.SpanID
	start, end time.Time
	failed     string // the status description of a failed span
}

// OnStart does nothing: a span is kept when it ends.
func (*traceTree) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps s.
func (t *traceTree) OnEnd(s sdktrace.ReadOnlySpan) {
	ts := treeSpan{name: s.Name(), id: s.SpanContext().SpanID(), parent: s.Parent().SpanID(), start: s.StartTime(), end: s.EndTime()}
	if st := s.Status(); st.Code == codes.Error {
		ts.failed = st.Description
		if ts.failed == "" {
			ts.failed = "failed"
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spans = append(t.spans, ts)
}

// Shutdown does nothing.
func (*traceTree) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing: spans are kept as they end.
func (*traceTree) ForceFlush(context.Context) error { return nil }

// write prints the spans as a tree, two spaces of indent a level,
// siblings by start time, each with its duration: "smtp.send 12.3ms". A
// span whose parent was not kept (or that has none) is a root.
func (t *traceTree) write(w io.Writer) {
	t.mu.Lock()
	spans := slices.Clone(t.spans)
	t.mu.Unlock()
	slices.SortStableFunc(spans, func(a, b treeSpan) int { return a.start.Compare(b.start) })
	known := make(map[trace.SpanID]bool, len(spans))
	for _, s := range spans {
		known[s.id] = true
	}
	children := map[trace.SpanID][]treeSpan{}
	var roots []treeSpan
	for _, s := range spans {
		if s.parent.IsValid() && known[s.parent] && s.parent != s.id {
			children[s.parent] = append(children[s.parent], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(s treeSpan, depth int)
	walk = func(s treeSpan, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(oneLine(s.name))
		b.WriteByte(' ')
		b.WriteString(spanDuration(s.end.Sub(s.start)))
		if s.failed != "" {
			b.WriteString(" error: ")
			b.WriteString(oneLine(s.failed))
		}
		b.WriteByte('\n')
		for _, c := range children[s.id] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	_, _ = io.WriteString(w, b.String())
}

// spanDuration formats d for the tree: "850µs", "12.3ms", "1.25s".
func spanDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// installTrace installs, as the global tracer provider, an SDK provider
// that samples every span and keeps it for the tree; clients built after
// it trace into it. done prints the tree to w and uninstalls it.
func installTrace(w io.Writer) (done func()) {
	tree := &traceTree{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(tree))
	otel.SetTracerProvider(tp)
	return func() {
		_ = tp.Shutdown(context.Background())
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		tree.write(w)
	}
}
