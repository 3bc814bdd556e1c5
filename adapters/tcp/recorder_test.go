package tcp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

// recorder is a ports.Telemetry that records spans, with their parent (the
// span current in the ctx they started from), attributes, links and ends,
// and the connection lifetimes reported.
type recorder struct {
	ports.NopTelemetry // Retry, RateLimited, ObservePool, ObserveBreaker: not reported by this package

	mu     sync.Mutex
	spans  []*recSpan
	closed []time.Duration
}

type spanKey struct{}

// recSpan is one recorded span.
type recSpan struct {
	r      *recorder
	stage  ports.Stage
	attrs  ports.Attrs
	parent *recSpan
	links  []*recSpan
	ends   int
	err    error
}

func (r *recorder) Start(ctx context.Context, st ports.Stage, a ports.Attrs) (context.Context, ports.Span) {
	parent, _ := ctx.Value(spanKey{}).(*recSpan)
	sp := &recSpan{r: r, stage: st, attrs: a, parent: parent}
	r.mu.Lock()
	r.spans = append(r.spans, sp)
	r.mu.Unlock()
	return context.WithValue(ctx, spanKey{}, sp), sp
}

func (r *recorder) ConnectionClosed(lifetime time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = append(r.closed, lifetime)
}

func (sp *recSpan) Result(*domain.SendResult) {}

func (sp *recSpan) Link(ctx context.Context) {
	to, _ := ctx.Value(spanKey{}).(*recSpan)
	sp.r.mu.Lock()
	defer sp.r.mu.Unlock()
	sp.links = append(sp.links, to)
}

func (sp *recSpan) End(err error) {
	sp.r.mu.Lock()
	defer sp.r.mu.Unlock()
	sp.ends++
	sp.err = err
}

// root starts a span of stage st on a fresh context, as a caller of the
// session would (smtp.send, for one), and returns its context.
func (r *recorder) root(st ports.Stage) context.Context {
	ctx, _ := r.Start(context.Background(), st, ports.Attrs{})
	return ctx
}

// find returns the recorded spans of stage st, in the order they started.
func (r *recorder) find(st ports.Stage) []*recSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*recSpan
	for _, sp := range r.spans {
		if sp.stage == st {
			out = append(out, sp)
		}
	}
	return out
}

// lifetimes returns the connection lifetimes reported.
func (r *recorder) lifetimes() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.closed...)
}

// tree shows the recorded spans, children indented under their parent in
// the order they started, one a line: the span name, the attributes that
// apply to its stage, "-> name" for each link, "! kind" when it ended with
// an error, and "(not ended)" or "(ended n times)" unless it ended once.
func (r *recorder) tree() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	var walk func(parent *recSpan, depth int)
	walk = func(parent *recSpan, depth int) {
		for _, sp := range r.spans {
			if sp.parent == parent {
				b.WriteString(strings.Repeat("  ", depth) + sp.describe() + "\n")
				walk(sp, depth+1)
			}
		}
	}
	walk(nil, 0)
	return b.String()
}

func (sp *recSpan) describe() string {
	s := sp.stage.String()
	a := sp.attrs
	var applies ports.Attrs // the attributes of sp's stage; no other may be set
	switch sp.stage {
	case ports.StageMailFrom:
		s += " " + a.From.Email()
		applies.From = a.From
	case ports.StageRcptTo:
		s += " " + a.Recipient.Email()
		applies.Recipient = a.Recipient
	case ports.StageData:
		s += fmt.Sprintf(" size=%d", a.Size)
		applies.Size = a.Size
	case ports.StageAuth:
		s += " " + a.Mechanism.String()
		applies.Mechanism = a.Mechanism
	case ports.StageTLSUpgrade:
		if a.Implicit {
			s += " implicit"
		}
		applies.Implicit = a.Implicit
	case ports.StagePipeline:
		s += fmt.Sprintf(" n=%d", a.Recipients)
		applies.Recipients = a.Recipients
	}
	if a != applies {
		s += fmt.Sprintf(" (unexpected attributes %+v)", a)
	}
	for _, l := range sp.links {
		if l == nil {
			s += " -> nothing"
		} else {
			s += " -> " + l.stage.String()
		}
	}
	if sp.err != nil {
		s += " ! " + domain.KindOf(sp.err).String()
	}
	switch sp.ends {
	case 0:
		s += " (not ended)"
	case 1:
	default:
		s += fmt.Sprintf(" (ended %d times)", sp.ends)
	}
	return s
}
