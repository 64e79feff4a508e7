package report

import (
	"math"
	"slices"

	"github.com/stackgate/stackgate/internal/compare"
)

// The overview chart of the PR comment (Mermaid) and of the HTML report (SVG) shows what
// decided the verdict: per gated metric with a finding, the change of every scenario that
// did not pass and of the few that moved worst besides, as bars from 0, worst first, each
// labelled with its value, against the metric's warn and fail tolerances. One chart per
// metric keeps one unit on an axis and the tolerances straight lines.

// Chart limits.
const (
	chartMaxBars   = 15 // bars of one chart; the rest are in the tables
	chartOthers    = 3  // passing scenarios shown besides the findings, for scale
	chartMaxCharts = 4  // charts of one report
)

// changeChart is the overview of one metric.
type changeChart struct {
	metric   string
	unit     string // "%" for relative changes, "pt" for percentage points, or the metric's unit
	base     string // "baseline" or "base"
	warn     float64
	fail     float64 // the tolerances, signed in the bad direction (−5 for throughput)
	bars     []changeBar
	findings int // bars that did not pass
	total    int // scenarios with a change of the metric
}

// changeBar is one scenario's change.
type changeBar struct {
	scenario string
	level    compare.Level
	improved bool
	value    float64 // the change, in the chart's unit
	label    string  // the change as the tables write it
}

// changeCharts are the overview charts of v: one per gated metric with a finding that is a
// change (not a scenario that could not be compared), the metric of the worst finding first.
func changeCharts(v *compare.Verdict) []changeChart {
	var charts []changeChart
	index := map[string]int{}
	for _, r := range attentionRows(v) {
		m := r.metric
		if m == nil || !m.Gated || !chartable(m) {
			continue
		}
		i, ok := index[m.Metric]
		if !ok {
			if len(charts) == chartMaxCharts {
				continue
			}
			i = len(charts)
			index[m.Metric] = i
			charts = append(charts, newChangeChart(v, m))
		}
		c := &charts[i]
		c.findings++
		if len(c.bars) < chartMaxBars {
			c.bars = append(c.bars, newChangeBar(r))
		}
	}
	for i := range charts {
		addOthers(v, &charts[i])
	}
	return charts
}

// chartable: a metric with a finite change measured on both sides.
func chartable(m *compare.MetricVerdict) bool {
	return m.Baseline.N > 0 && m.Head.N > 0 && !math.IsNaN(m.Change) && !math.IsInf(m.Change, 0)
}

func newChangeChart(v *compare.Verdict, m *compare.MetricVerdict) changeChart {
	c := changeChart{metric: m.Metric, unit: "%", base: baseName(v)}
	switch {
	case m.Absolute && inPoints(m.Unit):
		c.unit = "pt"
	case m.Absolute:
		c.unit = m.Unit
	}
	bad := 1.0
	if m.Better == compare.BetterHigher {
		bad = -1
	}
	c.warn, c.fail = bad*m.Tolerance.Warn, bad*m.Tolerance.Fail
	return c
}

func newChangeBar(r verdictRow) changeBar {
	m := r.metric
	value := m.Change
	if !m.Absolute {
		value *= 100
	}
	return changeBar{scenario: r.scenario, level: r.level, improved: m.Improved, value: value, label: formatChange(m)}
}

// addOthers adds the passing scenarios of the chart's metric that moved worst, up to
// chartOthers and the chart's limit, and counts every scenario with a change.
func addOthers(v *compare.Verdict, c *changeChart) {
	var others []verdictRow
	for _, r := range verdictRows(v) {
		if r.metric == nil || r.metric.Metric != c.metric || !chartable(r.metric) {
			continue
		}
		c.total++
		if r.level == compare.Pass {
			others = append(others, r)
		}
	}
	slices.SortStableFunc(others, func(a, b verdictRow) int {
		switch wa, wb := worseBy(a.metric), worseBy(b.metric); {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return 0
	})
	for _, r := range others[:min(len(others), chartOthers, chartMaxBars-len(c.bars))] {
		c.bars = append(c.bars, newChangeBar(r))
	}
}

// domain is the value axis: 0, every bar and both tolerances, with a margin, on round
// numbers.
func (c *changeChart) domain() (lo, hi, step float64) {
	lo, hi = math.Min(0, math.Min(c.warn, c.fail)), math.Max(0, math.Max(c.warn, c.fail))
	for _, b := range c.bars {
		lo, hi = math.Min(lo, b.value), math.Max(hi, b.value)
	}
	pad := (hi - lo) * 0.08
	if pad == 0 {
		pad = 1
	}
	if lo < 0 {
		lo -= pad
	}
	if hi > 0 {
		hi += pad
	}
	return niceDomain(lo, hi, 6)
}
