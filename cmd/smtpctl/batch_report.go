package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/integrations/smtp/domain"
)

// batchReport is the --json line of one email of a batch.
type batchReport struct {
	Type       string         `json:"type"` // "result"
	Line       int            `json:"line"`
	MessageID  string         `json:"message_id"`
	Accepted   []string       `json:"accepted"`
	Rejected   []rejectedJSON `json:"rejected"`
	Error      string         `json:"error,omitempty"`
	ErrorKind  string         `json:"error_kind,omitempty"`
	DurationMS int64          `json:"duration_ms"`
	ExitCode   int            `json:"exit_code"`
}

// batchSummary is the last --json line of a batch. Sent, Partial, Failed
// and DeliveryUnknown add up to Total.
type batchSummary struct {
	Type            string         `json:"type"`    // "summary"
	Total           int            `json:"total"`   // emails (lines) in the batch
	Sent            int            `json:"sent"`    // accepted for every recipient
	Partial         int            `json:"partial"` // accepted for some recipients only
	Failed          int            `json:"failed"`  // not delivered (bad lines included)
	DeliveryUnknown int            `json:"delivery_unknown"`
	Errors          map[string]int `json:"errors"` // emails with an error, by error kind
	Seconds         float64        `json:"seconds"`
	PerSecond       float64        `json:"messages_per_second"` // emails taken (sent and partial) per second
	ExitCode        int            `json:"exit_code"`
}

func newBatchReport(o batchOutcome) batchReport {
	r := batchReport{Type: "result", Line: o.line, Accepted: []string{}, Rejected: []rejectedJSON{},
		DurationMS: o.duration.Milliseconds(), ExitCode: o.exitCode()}
	if o.res != nil {
		r.MessageID = o.res.MessageID
		r.Accepted = append(r.Accepted, o.res.Accepted...)
		for _, x := range o.res.Rejected {
			r.Rejected = append(r.Rejected, rejectedJSON{x.Address, x.Code, x.Enhanced.String(), oneLine(x.Message)})
		}
	}
	if o.err != nil {
		r.Error, r.ErrorKind = oneLine(o.err.Error()), domain.KindOf(o.err).String()
	}
	return r
}

// add counts one outcome.
func (s *batchSummary) add(o batchOutcome) {
	s.Total++
	accepted := o.res != nil && len(o.res.Accepted) > 0
	switch {
	case domain.IsDeliveryUnknown(o.err):
		s.DeliveryUnknown++
	case accepted && (o.err != nil || len(o.res.Rejected) > 0):
		s.Partial++
	case accepted:
		s.Sent++
	default:
		s.Failed++
	}
	if o.err != nil {
		s.Errors[domain.KindOf(o.err).String()]++
	}
	s.ExitCode = worseExit(s.ExitCode, o.exitCode())
}

// finish sets the timing.
func (s *batchSummary) finish(elapsed time.Duration) {
	s.Seconds = elapsed.Seconds()
	if s.Seconds > 0 {
		s.PerSecond = float64(s.Sent+s.Partial) / s.Seconds
	}
}

// text is the human summary.
func (s *batchSummary) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "batch: %d emails in %.3fs (%.1f msg/s): %d sent, %d partly delivered, %d failed, %d delivery unknown\n",
		s.Total, s.Seconds, s.PerSecond, s.Sent, s.Partial, s.Failed, s.DeliveryUnknown)
	if len(s.Errors) > 0 {
		kinds := make([]string, 0, len(s.Errors))
		for k := range s.Errors {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for i, k := range kinds {
			kinds[i] = k + " " + strconv.Itoa(s.Errors[k])
		}
		fmt.Fprintf(&b, "errors by kind: %s\n", strings.Join(kinds, ", "))
	}
	return b.String()
}

// batchSink receives the outcomes one at a time: it counts them, writes
// the --json lines, tells stderr about failures and moves the progress.
type batchSink struct {
	json     *json.Encoder // nil without --json
	progress progress
	sum      batchSummary
}

func newBatchSink(stdout io.Writer, asJSON bool, p progress) *batchSink {
	k := &batchSink{progress: p, sum: batchSummary{Type: "summary", Errors: map[string]int{}}}
	if asJSON {
		k.json = json.NewEncoder(stdout)
	}
	return k
}

// record takes one outcome; it is not safe for concurrent use.
func (k *batchSink) record(o batchOutcome) {
	k.sum.add(o)
	if k.json != nil {
		_ = k.json.Encode(newBatchReport(o))
	}
	prefix := "smtpctl batch: line " + strconv.Itoa(o.line) + ": "
	if o.err != nil {
		k.progress.println(prefix + oneLine(o.err.Error()))
	}
	if o.res != nil {
		for _, r := range o.res.Rejected {
			k.progress.println(fmt.Sprintf("%srejected %s: %d %s %s", prefix, oneLine(r.Address), r.Code, r.Enhanced.String(), oneLine(r.Message)))
		}
	}
	k.progress.add(1)
}
