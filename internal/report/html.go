package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/result"
)

// HTMLFile is the HTML report written into the output directory next to the verdict.
const HTMLFile = "stackgate-report.html"

// HTML writes the full report of v as one self-contained page — no scripts, no external
// resources, so it works offline and as a CI artifact — most important first: a filled
// badge with the verdict and its headline, the overview charts of what decided it (the same
// as the PR comment's), what did not pass with why, what changed besides, then what was
// compared, the table of metrics and per scenario inline SVG charts of the latency
// spectrum (baseline vs head), each gated metric's per-run samples with the baseline's
// confidence band, and throughput and p99 second by second of head's runs. base may be nil
// (nothing to compare with); a baseline rebuilt from a baseline file has samples but no
// histograms or series: every chart that lacks its data is replaced by a sentence saying
// so. The page fits a phone's width: tables turn into stacked rows, charts scale. Every
// string is escaped by html/template, control characters are replaced, and the colours
// come from a colour-blind-safe palette (Okabe–Ito) with a dark variant; levels are always
// written out, never shown by colour alone.
func HTML(w io.Writer, v *compare.Verdict, head, base *result.Result) error {
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, newHTMLPage(v, head, base)); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	if _, err := io.WriteString(w, withoutControls(buf.String())); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}

// withoutControls replaces the control and bidirectional-override characters that a user
// string may carry (html/template leaves them) with U+FFFD, so that no text on the page
// reads differently from what it is; the page's own line breaks stay.
func withoutControls(page string) string {
	if strings.IndexFunc(page, func(r rune) bool { return r != '\n' && isControl(r) }) < 0 {
		return page
	}
	return strings.Map(func(r rune) rune {
		if r != '\n' && isControl(r) {
			return '\uFFFD'
		}
		return r
	}, page)
}

// htmlPage is what the template shows.
type htmlPage struct {
	Suite, Level, LevelClass, Headline, Detail, Hint, Tool string
	Overview                                               []htmlChart // what decided the verdict
	Findings, AlsoChanged                                  []htmlRow
	Facts                                                  []htmlFact
	Metrics, AllMetrics                                    htmlTable // the important metrics; every metric
	NotComparable, Drift, Warnings                         []string
	Scenarios                                              []htmlScenario
	ScenariosNote                                          string // said once for every scenario
}

type htmlFact struct{ Label, Text string }

// htmlTable is a verdict table.
type htmlTable struct {
	Compared bool // there is a baseline side: the table has its columns
	BaseName string
	Rows     []htmlRow
}

type htmlRow struct {
	Scenario, Metric, Baseline, Head, CV, Change, P, Level, LevelClass, Why, Kind string
	Gated, Improved                                                               bool
}

type htmlScenario struct {
	ID, Name, Level, LevelClass, Reason string
	Charts                              []htmlChart // the latency spectrum, throughput and p99 per second
	Runs                                []htmlChart // a dot chart per gated metric
	RunsNote                            string
}

// htmlChart is a figure: a chart, or the sentence that replaces it when its data is missing.
type htmlChart struct {
	Title, Note string
	Wide        bool
	SVG         template.HTML // written by svgWriter or barsHTML, which escape every text
	Missing     string
	tooShort    bool // a chart over time of a phase too short for one
}

func newHTMLPage(v *compare.Verdict, head, base *result.Result) *htmlPage {
	names := sideNamesOf(v)
	attention := attentionRows(v)
	p := &htmlPage{
		Suite: v.Suite, Level: strings.ToUpper(string(v.Level)), LevelClass: levelClass(v.Level),
		Headline: headline(v, attention), NotComparable: v.NotComparable, Warnings: v.Warnings,
	}
	if len(attention) == 0 || attention[0].level != compare.Error {
		p.Detail = errorDetail(v)
	}
	for _, c := range changeCharts(v) {
		p.Overview = append(p.Overview, overviewFigure(&c))
	}
	for _, r := range attention {
		p.Findings = append(p.Findings, newHTMLRow(r))
	}
	for _, r := range alsoChangedRows(v) {
		p.AlsoChanged = append(p.AlsoChanged, newHTMLRow(r))
	}
	for _, f := range comparedFacts(v) {
		p.Facts = append(p.Facts, htmlFact{f.label, f.text})
	}
	if head != nil {
		p.Facts = append(p.Facts, htmlFact{"machine", describeMachine(head.Fingerprint)})
		p.Tool = head.Tool
	}
	if showsHint(v) {
		p.Hint = noBaselineHint
	}
	rows := verdictRows(v)
	compact, omitted := shownRows(rows, false)
	p.Metrics = newHTMLTable(v, compact, names)
	if omitted > 0 {
		p.AllMetrics = newHTMLTable(v, rows, names)
	}
	p.Drift = driftLines(rows)
	p.Scenarios = make([]htmlScenario, len(v.Scenarios))
	// The scenarios' charts are most of a large report's cost (decoding histograms): they
	// are drawn on every CPU the process may use, each into its own place.
	forEach(len(v.Scenarios), func(i int) {
		sc := &v.Scenarios[i]
		s := htmlScenario{
			ID: "scenario-" + strconv.Itoa(i+1), Name: sc.Name, Level: levelWord(sc.Level), LevelClass: levelClass(sc.Level),
			Reason: sc.Reason, RunsNote: runsNote(v, names),
		}
		s.Charts, s.Runs = scenarioCharts(v, sc, head, base, names)
		p.Scenarios[i] = s
	})
	p.ScenariosNote = dropTooShort(p.Scenarios)
	return p
}

// forEach calls f(0) … f(n−1) on as many goroutines as the process may use CPUs.
func forEach(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// dropTooShort says once, instead of in every scenario, that the phases were too short for
// charts over time (a quick run): when no scenario has such a chart, their boxes go.
func dropTooShort(scenarios []htmlScenario) string {
	short := 0
	for _, s := range scenarios {
		for _, c := range s.Charts {
			if c.tooShort {
				short++
			} else if c.Missing == "" && !c.Wide {
				return "" // some scenario has a chart over time: say it where it is missing
			}
		}
	}
	if short == 0 {
		return ""
	}
	for i := range scenarios {
		scenarios[i].Charts = slices.DeleteFunc(scenarios[i].Charts, func(c htmlChart) bool { return c.tooShort })
	}
	return "The measured phases lasted about a second (a quick run), too short to show throughput and latency over time: " +
		"the charts below are of the whole phases."
}

func newHTMLTable(v *compare.Verdict, rows []verdictRow, names sideNames) htmlTable {
	t := htmlTable{Compared: v.Mode != compare.ModeNone, BaseName: names.base}
	for _, r := range rows {
		t.Rows = append(t.Rows, newHTMLRow(r))
	}
	return t
}

func newHTMLRow(r verdictRow) htmlRow {
	c := r.cells()
	row := htmlRow{
		Scenario: c.scenario, Metric: c.metric, Baseline: c.baseline, Head: c.head, CV: c.cv, Change: c.change, P: c.p,
		Level: levelWord(r.level), LevelClass: levelClass(r.level), Why: r.why(),
	}
	if m := r.metric; m != nil {
		row.Gated, row.Improved = m.Gated, m.Improved
		if changed(m) {
			row.Kind = changeKind(m)
		}
	}
	return row
}

// levelClass is the style of a level's badge; an unknown level gets a neutral one.
func levelClass(l compare.Level) string {
	switch l {
	case compare.Pass, compare.Warn, compare.Fail, compare.Inconclusive, compare.Error:
		return "lvl-" + string(l)
	}
	return "lvl-unknown"
}

func describeMachine(f result.Fingerprint) string {
	s := fmt.Sprintf("%s, %d logical CPUs", f.CPUModel, f.LogicalCPUs)
	if f.MemoryBytes > 0 {
		s += fmt.Sprintf(", %.1f GiB", float64(f.MemoryBytes)/(1<<30))
	}
	if f.Runner != "" {
		s += ", runner " + f.Runner
	}
	return s
}

// sideNames say how the sides are called: the stored baseline, or in A/B mode the base
// revision measured beside the head.
type sideNames struct{ base string }

func sideNamesOf(v *compare.Verdict) sideNames {
	if v.Mode == compare.ModeAB {
		return sideNames{base: "base"}
	}
	return sideNames{base: "baseline"}
}

// scenarioCharts are one scenario's figures: the latency spectrum, throughput and p99 per
// second; and a dot chart of the runs of each gated metric.
func scenarioCharts(v *compare.Verdict, sc *compare.ScenarioVerdict, head, base *result.Result, names sideNames) (charts, runs []htmlChart) {
	hs, bs := scenarioOf(head, sc.Name), scenarioOf(base, sc.Name)
	if v.Mode == compare.ModeNone {
		bs = nil
	}
	charts = []htmlChart{
		spectrumFigure(sc.Name, hs, bs, base != nil && v.Mode != compare.ModeNone, names),
		throughputFigure(sc.Name, hs), p99Figure(sc.Name, hs),
	}
	for i := range sc.Metrics {
		if m := &sc.Metrics[i]; m.Gated {
			runs = append(runs, dotsFigure(sc.Name, m, hs, bs, v.Mode != compare.ModeNone, names))
		}
	}
	return charts, runs
}

func scenarioOf(r *result.Result, name string) *result.Scenario {
	if r == nil {
		return nil
	}
	return r.Scenario(name)
}

// mergedLatency merges the latency-phase histograms of the scenario's valid runs; it is
// nil when none has one.
func mergedLatency(sc *result.Scenario) (merged *hdrhistogram.Histogram, runs int, err error) {
	if sc == nil {
		return nil, 0, nil
	}
	var encoded []string
	var numbers []int
	for _, r := range sc.Runs {
		if r.Latency.Histogram != "" && len(r.Invalid) == 0 {
			encoded = append(encoded, r.Latency.Histogram)
			numbers = append(numbers, r.Run)
		}
	}
	merged, err = result.MergeHistograms(encoded)
	var he *result.HistogramError
	if errors.As(err, &he) {
		return nil, 0, fmt.Errorf("run %d: %w", numbers[he.Index], he.Err)
	}
	if err != nil {
		return nil, 0, err
	}
	return merged, len(encoded), nil
}

func spectrumFigure(name string, head, base *result.Scenario, hasBase bool, names sideNames) htmlChart {
	c := htmlChart{Title: "Latency by percentile", Wide: true}
	hh, hn, err := mergedLatency(head)
	switch {
	case err != nil:
		c.Missing = "The head's latency histograms could not be read (" + err.Error() + "), so there is no latency spectrum."
		return c
	case hh == nil:
		c.Missing = "The head's runs carry no latency histograms, so there is no latency spectrum."
		return c
	}
	c.Note = fmt.Sprintf("Latency of the latency phase%s, all valid runs of a side merged (head: %s", rateText(head), plural(hn, "run", "runs"))
	var curves []curve
	count := hh.TotalCount()
	bh, bn, berr := mergedLatency(base)
	switch {
	case bh != nil:
		c.Note += fmt.Sprintf(", %s: %s", names.base, plural(bn, "run", "runs"))
		count = max(count, bh.TotalCount())
	case berr != nil:
		c.Note += "; the " + names.base + "'s histograms could not be read (" + berr.Error() + "), so only head is drawn"
	case hasBase:
		c.Note += "; the " + names.base + " holds per-run samples only (its histograms are in the baseline's raw sidecar), so only head is drawn"
	}
	c.Note += "). Both axes are logarithmic: the tail gets as much room as the median."
	reach := spectrumReach(count)
	// The dashed baseline goes over head: where they agree both stay visible.
	curves = append(curves, curve{"line-head", "head", spectrumPoints(quantilesMillis(hh), reach)})
	if bh != nil {
		curves = append(curves, curve{"line-base", names.base, spectrumPoints(quantilesMillis(bh), reach)})
	}
	c.SVG = template.HTML(spectrumChart(curves, reach, "latency by percentile, scenario "+name))
	return c
}

// quantilesMillis reads a histogram of µs as a quantile function in ms, answering many
// quantiles (0..100) in one pass over the buckets.
func quantilesMillis(h *hdrhistogram.Histogram) func([]float64) []float64 {
	return func(qs []float64) []float64 {
		out := make([]float64, len(qs))
		for i, v := range h.ValueAtPercentilesSlice(qs) {
			out[i] = float64(v) / 1000
		}
		return out
	}
}

// rateText describes the latency phase's fixed rate, from the first run that has one.
func rateText(sc *result.Scenario) string {
	for _, r := range sc.Runs {
		if r.Latency.Rate > 0 {
			return " (open loop at " + formatSI(r.Latency.Rate) + " req/s)"
		}
	}
	return " (open loop)"
}

func dotsFigure(name string, m *compare.MetricVerdict, head, base *result.Scenario, compared bool, names sideNames) htmlChart {
	c := htmlChart{Title: m.Metric + " per run", Note: betterNote(m)}
	s := strip{unit: m.Unit, label: m.Metric + " per run, scenario " + name}
	if compared {
		if row, ok := samplesRow(base, m.Metric, m.Unit, names.base, "dot-base", m.Baseline); ok {
			s.rows = append(s.rows, row)
		}
		if m.Baseline.N > 0 {
			s.band = &band{median: m.Baseline.Median, lo: m.Baseline.Lo, hi: m.Baseline.Hi}
		}
	}
	if row, ok := samplesRow(head, m.Metric, m.Unit, "head", "dot-head", m.Head); ok {
		s.rows = append(s.rows, row)
	}
	if len(s.rows) == 0 {
		c.Missing = "There are no per-run samples of " + m.Metric + "."
		return c
	}
	c.SVG = template.HTML(stripChart(s))
	return c
}

// betterNote says which way is better.
func betterNote(m *compare.MetricVerdict) string {
	return map[string]string{compare.BetterHigher: "higher is better", compare.BetterLower: "lower is better"}[m.Better]
}

// runsNote explains the dot charts once per scenario.
func runsNote(v *compare.Verdict, names sideNames) string {
	if v.Mode == compare.ModeNone {
		return "Each dot is one valid run of head; the short mark is the median."
	}
	return "Each dot is one valid run. The shaded band is the " + names.base + "'s median with its 95 % confidence interval, " +
		"the dashed line its median; the short mark is head's median."
}

// samplesRow is one side's samples of a metric, in run order, with each run's number.
func samplesRow(sc *result.Scenario, name, unit, label, class string, sum compare.Summary) (stripRow, bool) {
	row := stripRow{label: label, class: class, median: math.NaN()}
	if sc == nil {
		return row, false
	}
	for _, r := range sc.Runs {
		v, ok := r.Metrics[name]
		if !ok || len(r.Invalid) > 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		row.values = append(row.values, v)
		row.titles = append(row.titles, fmt.Sprintf("%s run %d: %s", label, r.Run, FormatQuantity(v, unit)))
	}
	if sum.N > 0 {
		row.median = sum.Median
	}
	return row, len(row.values) > 0
}

func throughputFigure(name string, sc *result.Scenario) htmlChart {
	c := htmlChart{Title: "Throughput per second"}
	runs := perSecond(sc, func(r *result.Run) *result.Phase { return &r.Throughput }, func(s result.Second) float64 { return float64(s.Requests) })
	if len(runs) == 0 {
		c.Missing = "The head's runs carry no per-second series, so there is no throughput over time."
		return c
	}
	if longest(runs) < minSeriesSeconds {
		c.Missing, c.tooShort = "The throughput phase lasted one second: too short to show over time.", true
		return c
	}
	c.Note = "Requests completed in each second of the throughput phase (closed loop" + connectionsText(sc) + "), " + plural(len(runs), "head run", "head runs") + "."
	c.SVG = template.HTML(seriesChart(runs, "req/s", "throughput per second, scenario "+name))
	return c
}

func p99Figure(name string, sc *result.Scenario) htmlChart {
	c := htmlChart{Title: "p99 per second"}
	runs := perSecond(sc, func(r *result.Run) *result.Phase { return &r.Latency }, func(s result.Second) float64 {
		if s.P99 > 0 {
			return s.P99
		}
		return math.NaN() // no answer completed in this second
	})
	if len(runs) == 0 {
		c.Missing = "The head's runs carry no per-second p99, so there is no latency over time."
		return c
	}
	if longest(runs) < minSeriesSeconds {
		c.Missing, c.tooShort = "The latency phase lasted one second: too short to show over time.", true
		return c
	}
	c.Note = "99th percentile latency of the answers completed in each second of the latency phase" + rateText(sc) + ", " + plural(len(runs), "head run", "head runs") + "."
	c.SVG = template.HTML(seriesChart(runs, "ms", "p99 per second, scenario "+name))
	return c
}

// minSeriesSeconds is the shortest phase worth a chart over time.
const minSeriesSeconds = 2

func longest(runs [][]float64) int {
	n := 0
	for _, r := range runs {
		n = max(n, len(r))
	}
	return n
}

func connectionsText(sc *result.Scenario) string {
	for _, r := range sc.Runs {
		if r.Throughput.Connections > 0 {
			return ", " + plural(r.Throughput.Connections, "connection", "connections")
		}
	}
	return ""
}

// perSecond is, for every run that has any, the values of one phase's seconds (NaN for
// a second without one).
func perSecond(sc *result.Scenario, phase func(*result.Run) *result.Phase, value func(result.Second) float64) [][]float64 {
	if sc == nil {
		return nil
	}
	var runs [][]float64
	for i := range sc.Runs {
		series := phase(&sc.Runs[i]).Series
		values := make([]float64, len(series))
		has := false
		for j, s := range series {
			values[j] = value(s)
			has = has || !math.IsNaN(values[j])
		}
		if has {
			runs = append(runs, values)
		}
	}
	return runs
}

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// htmlSource is the page. Light and dark colours are CSS variables; the charts' elements
// carry classes that take them. Text colours meet WCAG AA on their backgrounds; the
// sides differ by colour (blue and the text colour, neither a level's) and by dash or
// fill, and levels are always written out, never shown by colour alone. Under 700 px a
// table's rows become stacked blocks, so change and verdict stay in view without a
// sideways scroll of the page.
const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>stackgate {{.Level}} · {{.Suite}}</title>
<style>
:root {
  --bg: #ffffff; --fg: #1b1b1b; --muted: #4d4d4d; --line: #d0d0d0; --stripe: #f4f5f7;
  --grid: #e4e4e4; --axis: #6b6b6b;
  --base: #0072b2; --head: #3d3d3d; --band: rgba(0, 114, 178, 0.16);
  --pass: #00734f; --warn: #e69f00; --fail: #c62828; --inconclusive: #0072b2; --error: #8e2d6b; --improved: #009e73;
  --on-pass: #ffffff; --on-warn: #1b1b1b; --on-fail: #ffffff; --on-inconclusive: #ffffff; --on-error: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181c; --fg: #e8e8e8; --muted: #b8b8b8; --line: #3a3f47; --stripe: #1e2126;
    --grid: #2d3138; --axis: #8d939c;
    --base: #56b4e9; --head: #e8e8e8; --band: rgba(86, 180, 233, 0.2);
    --pass: #2e9d74; --fail: #e5534b; --inconclusive: #3d8fd1; --error: #b5548e;
    --on-pass: #0b0b0b; --on-fail: #0b0b0b; --on-inconclusive: #0b0b0b; --on-error: #0b0b0b;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
@media (max-width: 700px) { header, main, footer { padding: 0 12px; } }
header { padding-top: 20px; }
h1 { font-size: 26px; margin: 4px 0 8px; line-height: 1.3; }
h2 { font-size: 20px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.tool, .note, figcaption, footer, .hint { color: var(--muted); }
.tool { margin: 0; font-size: 13px; letter-spacing: .04em; text-transform: uppercase; }
.headline { font-size: 19px; margin: 0 0 12px; }
pre.detail { white-space: pre-wrap; font-size: 13px; background: var(--stripe); padding: 8px 12px; border-left: 4px solid var(--error); }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 16px; margin: 0 0 8px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 4px; font-weight: 700; white-space: nowrap; background: var(--c, var(--line)); color: var(--on, var(--fg)); }
.lvl-pass { --c: var(--pass); --on: var(--on-pass); } .lvl-warn { --c: var(--warn); --on: var(--on-warn); }
.lvl-fail { --c: var(--fail); --on: var(--on-fail); } .lvl-inconclusive { --c: var(--inconclusive); --on: var(--on-inconclusive); }
.lvl-error { --c: var(--error); --on: var(--on-error); }
h1 .badge { font-size: 30px; padding: 2px 16px; margin-right: 8px; letter-spacing: .03em; }
.improved { color: var(--improved); font-weight: 700; }
ul { padding-left: 20px; }
li { margin: 2px 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--bg); }
tbody tr:nth-child(even) { background: var(--stripe); }
th.text, td.text { text-align: left; }
td.why { white-space: normal; min-width: 14em; text-align: left; color: var(--muted); }
tr.gated td.metric { font-weight: 700; }
@media (max-width: 700px) {
  table.rows thead { display: none; }
  table.rows, table.rows tbody { display: block; }
  table.rows tr { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content; gap: 0 10px; padding: 6px 4px; border-bottom: 1px solid var(--line); }
  table.rows td { display: block; border: 0; padding: 0; text-align: left; white-space: normal; grid-column: 1 / -1; }
  table.rows td.scenario { grid-column: 1; grid-row: 1; font-weight: 600; }
  table.rows td.metric { grid-column: 2; grid-row: 1; }
  table.rows td.verdict { grid-column: 3; grid-row: 1; text-align: right; }
  table.rows td.change { font-size: 17px; font-weight: 700; }
  table.rows td[data-label]::before { content: attr(data-label) " "; color: var(--muted); font-weight: 400; font-size: 13px; }
  table.rows td.metric::before { content: none; }
  td.why { min-width: 0; }
  .tick:nth-child(even) { display: none; }
}
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
a { color: inherit; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(480px, 100%), 1fr)); gap: 16px 24px; }
.charts.runs { grid-template-columns: repeat(auto-fill, minmax(min(340px, 100%), 1fr)); }
h3 { font-size: 16px; margin: 20px 0 4px; }
figure { margin: 0; min-width: 0; }
figure.wide { grid-column: 1 / -1; max-width: 860px; }
section.overview figure { margin: 0 0 20px; max-width: 980px; }
details { margin-top: 12px; }
summary { cursor: pointer; font-weight: 600; }
figcaption { font-size: 13px; margin-bottom: 4px; }
figcaption strong { color: var(--fg); font-size: 15px; display: block; }
.missing { font-style: italic; color: var(--muted); border: 1px dashed var(--line); padding: 12px; margin: 0; }
footer { margin-top: 32px; padding-bottom: 24px; font-size: 13px; }
.bars { font-size: 13px; display: grid; grid-template-columns: minmax(4em, max-content) minmax(0, 1fr) max-content; gap: 0 10px; align-items: center; }
.bar-row { display: contents; }
.bar-label { max-width: 14em; }
.bar-label { text-align: right; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-value { white-space: nowrap; font-variant-numeric: tabular-nums; }
.track { position: relative; height: 26px; }
.bar { position: absolute; top: 5px; height: 16px; border-radius: 2px; }
.zero, .tol { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px solid var(--axis); }
.tol-warn { border-left: 2px dashed var(--warn); }
.tol-fail { border-left: 2px dashed var(--fail); }
.fill-fail { background: var(--fail); } .fill-warn { background: var(--warn); } .fill-inconclusive { background: var(--inconclusive); }
.fill-error { background: var(--error); } .fill-pass { background: var(--axis); opacity: .55; } .fill-improved { background: var(--improved); }
.bar-axis .track { height: 18px; border-top: 1px solid var(--axis); }
.tick { position: absolute; transform: translateX(-50%); font-size: 11px; color: var(--muted); white-space: nowrap; }
@media (max-width: 700px) { .bar-label { max-width: 7em; } }
svg.chart { display: block; width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg.chart text { fill: var(--muted); }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis { stroke: var(--axis); stroke-width: 1; }
svg.chart .line-base { fill: none; stroke: var(--base); stroke-width: 2; stroke-dasharray: 7 4; }
svg.chart .line-head { fill: none; stroke: var(--head); stroke-width: 2.5; }
svg.chart .line-run { fill: none; stroke: var(--head); stroke-width: 1; opacity: .35; }
svg.chart .pt-head { fill: var(--head); }
svg.chart .pt-run { fill: var(--head); opacity: .35; }
svg.chart .pt-base { fill: var(--base); }
svg.chart .band { fill: var(--band); }
svg.chart .mark-base { stroke: var(--base); stroke-width: 2; stroke-dasharray: 4 3; }
svg.chart .mark-head { stroke: var(--head); stroke-width: 3; }
svg.chart .dot-base { fill: var(--bg); stroke: var(--base); stroke-width: 2; }
svg.chart .dot-head { fill: var(--head); stroke: var(--bg); stroke-width: 1; }
</style>
</head>
<body>
<header>
<p class="tool">stackgate report</p>
<h1><span class="badge {{.LevelClass}}">{{.Level}}</span> {{.Suite}}</h1>
{{with .Headline}}<p class="headline">{{.}}</p>
{{end}}{{with .Detail}}<pre class="detail">{{.}}</pre>
{{end}}{{with .Hint}}<p class="hint">{{.}}</p>
{{end}}</header>
<main>
{{if .Overview}}<section class="overview">
<h2>What decided the verdict</h2>
{{range .Overview}}<figure>
<figcaption><strong>{{.Title}}</strong>{{.Note}}</figcaption>
{{.SVG}}</figure>
{{end}}</section>
{{end}}{{if .Findings}}<section>
<h2>Findings</h2>
<div class="scroll"><table class="rows">
<thead><tr><th class="text">verdict</th><th class="text">scenario</th><th class="text">metric</th><th>{{.Metrics.BaseName}}</th><th>head</th><th>change</th><th class="text">why</th></tr></thead>
<tbody>
{{range .Findings}}<tr><td class="text verdict"><span class="badge {{.LevelClass}}">{{.Level}}</span></td><td class="text scenario">{{.Scenario}}</td><td class="text metric" data-label="metric">{{.Metric}}</td><td data-label="{{$.Metrics.BaseName}}">{{.Baseline}}</td><td data-label="head">{{.Head}}</td><td class="change" data-label="change">{{.Change}}</td><td class="why">{{.Why}}</td></tr>
{{end}}</tbody>
</table></div>
</section>
{{end}}{{if .AlsoChanged}}<section>
<h2>Also changed</h2>
<p class="note">Significant changes that did not decide the verdict: metrics that are not gated, changes within the tolerance, and improvements.</p>
<div class="scroll"><table class="rows">
<thead><tr><th class="text">scenario</th><th class="text">metric</th><th>{{.Metrics.BaseName}}</th><th>head</th><th>change</th><th>p</th><th class="text">how</th></tr></thead>
<tbody>
{{range .AlsoChanged}}<tr><td class="text scenario">{{.Scenario}}</td><td class="text metric" data-label="metric">{{.Metric}}</td><td data-label="{{$.Metrics.BaseName}}">{{.Baseline}}</td><td data-label="head">{{.Head}}</td><td class="change" data-label="change">{{.Change}}</td><td data-label="p">{{.P}}</td><td class="text verdict">{{if .Improved}}<span class="improved">{{.Kind}}</span>{{else}}{{.Kind}}{{end}}</td></tr>
{{end}}</tbody>
</table></div>
</section>
{{end}}{{if .NotComparable}}<section>
<h2>Not comparable</h2>
<ul>
{{range .NotComparable}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}{{if .Warnings}}<section>
<h2>Warnings</h2>
<ul>
{{range .Warnings}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}<section>
<h2>What was compared</h2>
{{if .Facts}}<dl class="facts">
{{range .Facts}}<dt>{{.Label}}</dt><dd>{{.Text}}</dd>
{{end}}</dl>
{{end}}{{if .Scenarios}}<nav aria-label="scenarios"><ul>
{{range .Scenarios}}<li><a href="#{{.ID}}">{{.Name}}</a> <span class="badge {{.LevelClass}}">{{.Level}}</span></li>
{{end}}</ul></nav>
{{end}}</section>
{{if .Metrics.Rows}}<section>
<h2>Metrics</h2>
<p class="note">The gated metrics and every metric that did not pass or changed; gated metrics in bold. ± is the half-width of the median's 95 % confidence interval, cv the run-to-run variation, p that of the change shown.</p>
{{template "table" .Metrics}}
{{with .AllMetrics.Rows}}<details>
<summary>All {{len .}} metrics</summary>
{{template "table" $.AllMetrics}}
</details>
{{end}}</section>
{{end}}{{if .Drift}}<section>
<h2>Drift</h2>
<ul>
{{range .Drift}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}{{with .ScenariosNote}}<p class="note">{{.}}</p>
{{end}}{{range .Scenarios}}<section id="{{.ID}}">
<h2>{{.Name}} <span class="badge {{.LevelClass}}">{{.Level}}</span></h2>
{{with .Reason}}<p>{{.}}</p>
{{end}}<div class="charts">
{{range .Charts}}<figure{{if .Wide}} class="wide"{{end}}>
<figcaption><strong>{{.Title}}</strong>{{.Note}}</figcaption>
{{if .SVG}}{{.SVG}}{{else}}<p class="missing">{{.Missing}}</p>
{{end}}</figure>
{{end}}</div>
{{if .Runs}}<h3>Gated metrics per run</h3>
<p class="note">{{.RunsNote}}</p>
<div class="charts runs">
{{range .Runs}}<figure>
<figcaption><strong>{{.Title}}</strong>{{.Note}}</figcaption>
{{if .SVG}}{{.SVG}}{{else}}<p class="missing">{{.Missing}}</p>
{{end}}</figure>
{{end}}</div>
{{end}}</section>
{{end}}</main>
<footer>
<p>{{with .Tool}}Written by {{.}}. {{end}}One self-contained file: no scripts, no external resources.</p>
</footer>
</body>
</html>
{{define "table"}}<div class="scroll"><table class="rows">
<thead><tr><th class="text">scenario</th><th class="text">metric</th>{{if .Compared}}<th>{{.BaseName}}</th>{{end}}<th>head</th><th>cv</th>{{if .Compared}}<th>change</th><th>p</th><th class="text">verdict</th>{{end}}</tr></thead>
<tbody>
{{$compared := .Compared}}{{$base := .BaseName}}{{range .Rows}}<tr{{if .Gated}} class="gated"{{end}}><td class="text scenario">{{.Scenario}}</td><td class="text metric" data-label="metric">{{.Metric}}</td>{{if $compared}}<td data-label="{{$base}}">{{.Baseline}}</td>{{end}}<td data-label="head">{{.Head}}</td><td data-label="cv">{{.CV}}</td>{{if $compared}}<td class="change" data-label="change">{{.Change}}{{if .Improved}} <span class="improved">improved</span>{{end}}</td><td data-label="p">{{.P}}</td><td class="text verdict"><span class="badge {{.LevelClass}}">{{.Level}}</span></td>{{end}}</tr>
{{end}}</tbody>
</table></div>{{end}}
`
