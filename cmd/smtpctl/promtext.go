package main

import (
	"bufio"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// writePromText writes rm in the Prometheus text exposition format (0.0.4)
// as the OpenTelemetry Prometheus exporter names it without scope and
// target info: dots become underscores, the unit "s" adds _seconds and
// "By" _bytes (annotations such as {email} add nothing), a monotonic sum
// is a counter ending in _total, other sums and gauges are gauges, and an
// explicit-bucket histogram has cumulative _bucket series with le="+Inf",
// _sum and _count. Families are sorted by name and series by labels. It is
// written here rather than with the Prometheus client, whose package
// initialisation alone cost every smtpctl run about 10 ms
// (docs/DECISIONS.md); a test holds it to the exporter's output.
func writePromText(w io.Writer, rm metricdata.ResourceMetrics) error {
	var fams []promFamily
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if f, ok := promFamilyOf(m); ok {
				fams = append(fams, f)
			}
		}
	}
	slices.SortFunc(fams, func(a, b promFamily) int { return strings.Compare(a.name, b.name) })
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		slices.SortStableFunc(f.series, func(a, b promSeries) int { return strings.Compare(a.labels, b.labels) })
		bw.WriteString("# HELP " + f.name + " " + escapeHelp(f.help) + "\n# TYPE " + f.name + " " + f.kind + "\n")
		for _, s := range f.series {
			for _, l := range s.lines {
				bw.WriteString(l)
			}
		}
	}
	return bw.Flush()
}

// promFamily is one metric in the text format.
type promFamily struct {
	name, help, kind string
	series           []promSeries
}

// promSeries is the lines of one attribute set, sorted by labels.
type promSeries struct {
	labels string
	lines  []string
}

// promFamilyOf turns one OpenTelemetry metric into a family; false for
// an aggregation the client does not record.
func promFamilyOf(m metricdata.Metrics) (promFamily, bool) {
	f := promFamily{name: promName(m.Name, m.Unit), help: m.Description, kind: "gauge"}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		f.counter(d.IsMonotonic)
		f.series = samples(f.name, d.DataPoints)
	case metricdata.Sum[float64]:
		f.counter(d.IsMonotonic)
		f.series = samples(f.name, d.DataPoints)
	case metricdata.Gauge[int64]:
		f.series = samples(f.name, d.DataPoints)
	case metricdata.Gauge[float64]:
		f.series = samples(f.name, d.DataPoints)
	case metricdata.Histogram[int64]:
		f.kind, f.series = "histogram", histograms(f.name, d.DataPoints)
	case metricdata.Histogram[float64]:
		f.kind, f.series = "histogram", histograms(f.name, d.DataPoints)
	default:
		return f, false
	}
	return f, true
}

// counter makes a monotonic sum a counter ending in _total; other sums
// stay gauges.
func (f *promFamily) counter(monotonic bool) {
	if monotonic {
		f.kind, f.name = "counter", f.name+"_total"
	}
}

// samples is one line a data point.
func samples[N int64 | float64](name string, dps []metricdata.DataPoint[N]) []promSeries {
	out := make([]promSeries, 0, len(dps))
	for _, p := range dps {
		l := promLabels(p.Attributes, "")
		out = append(out, promSeries{labels: l, lines: []string{name + l + " " + promFloat(float64(p.Value)) + "\n"}})
	}
	return out
}

// histograms is the cumulative _bucket lines, _sum and _count of each data
// point.
func histograms[N int64 | float64](name string, dps []metricdata.HistogramDataPoint[N]) []promSeries {
	out := make([]promSeries, 0, len(dps))
	for _, p := range dps {
		s := promSeries{labels: promLabels(p.Attributes, "")}
		var cum uint64
		for i, b := range p.Bounds {
			if i < len(p.BucketCounts) {
				cum += p.BucketCounts[i]
			}
			s.lines = append(s.lines, name+"_bucket"+promLabels(p.Attributes, `le="`+promFloat(b)+`"`)+" "+promFloat(float64(cum))+"\n")
		}
		s.lines = append(s.lines, name+"_bucket"+promLabels(p.Attributes, `le="+Inf"`)+" "+promFloat(float64(p.Count))+"\n",
			name+"_sum"+s.labels+" "+promFloat(float64(p.Sum))+"\n",
			name+"_count"+s.labels+" "+promFloat(float64(p.Count))+"\n")
		out = append(out, s)
	}
	return out
}

// promName is the exporter's name for an instrument and unit.
func promName(name, unit string) string {
	n := sanitize(name)
	suffix := ""
	switch unit {
	case "s":
		suffix = "_seconds"
	case "By":
		suffix = "_bytes"
	}
	if suffix != "" && !strings.HasSuffix(n, suffix) {
		n += suffix
	}
	return n
}

// sanitize replaces what a Prometheus name may not hold with underscores.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == ':' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// promLabels renders set, sorted by key, plus extra (already rendered,
// last), in braces; empty for no labels.
func promLabels(set attribute.Set, extra string) string {
	var parts []string
	for _, kv := range set.ToSlice() { // sorted by key
		parts = append(parts, sanitize(string(kv.Key))+`="`+escapeLabel(kv.Value.Emit())+`"`)
	}
	if extra != "" {
		parts = append(parts, extra)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// promFloat writes a sample value or bound as the text format does (Go's
// shortest %g: 3e+06 for three million, counts included).
func promFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }
