package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/result"
)

// HTMLFile is the HTML report written into the output directory next to the verdict.
const HTMLFile = "stackgate-report.html"

// HTML writes the full report of v as one self-contained page — no scripts, no external
// resources, so it works offline and as a CI artifact: the verdict, what was compared,
// the reasons, the verdict table of every metric, and per scenario inline SVG charts of
// the latency spectrum (baseline vs head), each gated metric's per-run samples with the
// baseline's confidence band, and throughput and p99 second by second of head's runs.
// base may be nil (nothing to compare with); a baseline rebuilt from a baseline file has
// samples but no histograms or series: every chart that lacks its data is replaced by a
// sentence saying so. Every string is escaped by html/template, control characters are
// replaced, and the colours come from a colour-blind-safe palette (Okabe–Ito) with a dark
// variant.
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
	return strings.Map(func(r rune) rune {
		if r != '\n' && isControl(r) {
			return '\uFFFD'
		}
		return r
	}, page)
}

// htmlPage is what the template shows.
type htmlPage struct {
	Suite, Level, LevelClass, Reason, Hint, Tool string
	Facts                                        []htmlFact
	Metrics, AllMetrics                          htmlTable // the gated metrics and all that did not pass; every metric
	Reasons                                      []htmlReason
	NotComparable, Drift, Warnings               []string
	Scenarios                                    []htmlScenario
}

type htmlFact struct{ Label, Text string }

// htmlTable is a verdict table.
type htmlTable struct {
	Compared bool // there is a baseline side: the table has its columns
	BaseName string
	Rows     []htmlRow
}

type htmlRow struct {
	Scenario, Metric, Baseline, Head, CV, Change, P, Level, LevelClass, Reason string
	Gated                                                                      bool
}

type htmlReason struct{ Level, LevelClass, Scenario, Text string }

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
	SVG         template.HTML // written by svgWriter, which escapes every text
	Missing     string
}

func newHTMLPage(v *compare.Verdict, head, base *result.Result) *htmlPage {
	names := sideNamesOf(v)
	p := &htmlPage{
		Suite: v.Suite, Level: levelWord(v.Level), LevelClass: levelClass(v.Level), Reason: v.Reason,
		NotComparable: v.NotComparable, Warnings: v.Warnings,
	}
	for _, f := range comparedFacts(v) {
		p.Facts = append(p.Facts, htmlFact{f.label, f.text})
	}
	if head != nil {
		p.Facts = append(p.Facts, htmlFact{"machine", describeMachine(head.Fingerprint)})
		p.Tool = head.Tool
	}
	if v.Mode == compare.ModeNone {
		p.Hint = noBaselineHint
	}
	rows := verdictRows(v)
	compact, omitted := shownRows(rows, false)
	p.Metrics = newHTMLTable(v, compact, names)
	if omitted > 0 {
		p.AllMetrics = newHTMLTable(v, rows, names)
	}
	for _, r := range nonPassReasons(v) {
		p.Reasons = append(p.Reasons, htmlReason{levelWord(r.level), levelClass(r.level), r.scenario, r.text})
	}
	p.Drift = driftLines(rows)
	for i := range v.Scenarios {
		sc := &v.Scenarios[i]
		s := htmlScenario{
			ID: "scenario-" + strconv.Itoa(i+1), Name: sc.Name, Level: levelWord(sc.Level), LevelClass: levelClass(sc.Level),
			Reason: sc.Reason, RunsNote: runsNote(v, names),
		}
		s.Charts, s.Runs = scenarioCharts(v, sc, head, base, names)
		p.Scenarios = append(p.Scenarios, s)
	}
	return p
}

func newHTMLTable(v *compare.Verdict, rows []verdictRow, names sideNames) htmlTable {
	t := htmlTable{Compared: v.Mode != compare.ModeNone, BaseName: names.base}
	for _, r := range rows {
		t.Rows = append(t.Rows, newHTMLRow(r))
	}
	return t
}

func newHTMLRow(r verdictRow) htmlRow {
	c := r.cells(func(s string) string { return s })
	return htmlRow{
		Scenario: c.scenario, Metric: c.metric, Baseline: c.baseline, Head: c.head, CV: c.cv, Change: c.change, P: c.p,
		Level: levelWord(r.level), LevelClass: levelClass(r.level), Reason: r.reason, Gated: r.metric != nil && r.metric.Gated,
	}
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

// betterNote says a metric's unit and which way is better.
func betterNote(m *compare.MetricVerdict) string {
	parts := []string{}
	if m.Unit != "" {
		parts = append(parts, m.Unit)
	}
	if better, ok := map[string]string{"higher": "higher is better", "lower": "lower is better"}[m.Better]; ok {
		parts = append(parts, better)
	}
	return strings.Join(parts, ", ")
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
		row.titles = append(row.titles, fmt.Sprintf("%s run %d: %s", label, r.Run, formatQuantity(v, unit)))
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
		c.Missing = "The throughput phase lasted one second: too short to show over time."
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
		c.Missing = "The latency phase lasted one second: too short to show over time."
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
// sides differ by colour (blue and orange, safe for colour-blind readers) and by dash or
// fill, and levels are always written out, never shown by colour alone.
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
  --base: #0072b2; --head: #d55e00; --band: rgba(0, 114, 178, 0.16);
  --pass: #009e73; --warn: #e69f00; --fail: #d55e00; --inconclusive: #56b4e9; --error: #cc79a7;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #16181c; --fg: #e8e8e8; --muted: #b8b8b8; --line: #3a3f47; --stripe: #1e2126;
    --grid: #2d3138; --axis: #8d939c;
    --base: #56b4e9; --head: #e69f00; --band: rgba(86, 180, 233, 0.2);
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 26px; margin: 4px 0 8px; }
h2 { font-size: 20px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.tool, .note, figcaption, footer, .hint { color: var(--muted); }
.tool { margin: 0; font-size: 13px; letter-spacing: .04em; text-transform: uppercase; }
.reason { font-size: 17px; margin: 0 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 8px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 8px; border: 2px solid var(--c, var(--line)); border-left-width: 8px; border-radius: 4px; font-weight: 700; white-space: nowrap; }
.lvl-pass { --c: var(--pass); } .lvl-warn { --c: var(--warn); } .lvl-fail { --c: var(--fail); }
.lvl-inconclusive { --c: var(--inconclusive); } .lvl-error { --c: var(--error); }
ul { padding-left: 20px; }
li { margin: 2px 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 14px; min-width: 100%; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { position: sticky; top: 0; background: var(--bg); }
tbody tr:nth-child(even) { background: var(--stripe); }
th.text, td.text { text-align: left; }
td.why { white-space: normal; min-width: 16em; text-align: left; color: var(--muted); }
tr.gated td.metric { font-weight: 700; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
a { color: inherit; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px 24px; }
.charts.runs { grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); }
h3 { font-size: 16px; margin: 20px 0 4px; }
figure { margin: 0; min-width: 0; }
figure.wide { grid-column: 1 / -1; max-width: 860px; }
details { margin-top: 12px; }
summary { cursor: pointer; font-weight: 600; }
figcaption { font-size: 13px; margin-bottom: 4px; }
figcaption strong { color: var(--fg); font-size: 15px; display: block; }
.missing { font-style: italic; color: var(--muted); border: 1px dashed var(--line); padding: 12px; margin: 0; }
footer { margin-top: 32px; padding-bottom: 24px; font-size: 13px; }
svg.chart { display: block; width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg.chart text { fill: var(--muted); }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis { stroke: var(--axis); stroke-width: 1; }
svg.chart .line-base { fill: none; stroke: var(--base); stroke-width: 2; stroke-dasharray: 7 4; }
svg.chart .line-head { fill: none; stroke: var(--head); stroke-width: 2.5; }
svg.chart .line-run { fill: none; stroke: var(--head); stroke-width: 1; opacity: .4; }
svg.chart .pt-head { fill: var(--head); }
svg.chart .pt-run { fill: var(--head); opacity: .4; }
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
{{with .Reason}}<p class="reason">{{.}}</p>
{{end}}{{if .Facts}}<dl class="facts">
{{range .Facts}}<dt>{{.Label}}</dt><dd>{{.Text}}</dd>
{{end}}</dl>
{{end}}{{with .Hint}}<p class="hint">{{.}}</p>
{{end}}{{if .Scenarios}}<nav aria-label="scenarios"><ul>
{{range .Scenarios}}<li><a href="#{{.ID}}">{{.Name}}</a> <span class="badge {{.LevelClass}}">{{.Level}}</span></li>
{{end}}</ul></nav>
{{end}}</header>
<main>
{{if .Reasons}}<section>
<h2>Why</h2>
<ul>
{{range .Reasons}}<li><span class="badge {{.LevelClass}}">{{.Level}}</span> {{.Scenario}}: {{.Text}}</li>
{{end}}</ul>
</section>
{{end}}{{if .NotComparable}}<section>
<h2>Not comparable</h2>
<ul>
{{range .NotComparable}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}{{if .Metrics.Rows}}<section>
<h2>Metrics</h2>
<p class="note">The gated metrics and every metric that did not pass; gated metrics in bold. ± is the half-width of the median's 95 % confidence interval, cv the run-to-run variation.</p>
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
{{end}}{{if .Warnings}}<section>
<h2>Warnings</h2>
<ul>
{{range .Warnings}}<li>{{.}}</li>
{{end}}</ul>
</section>
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
{{define "table"}}<div class="scroll"><table>
<thead><tr><th class="text">scenario</th><th class="text">metric</th>{{if .Compared}}<th>{{.BaseName}}</th>{{end}}<th>head</th><th>cv</th>{{if .Compared}}<th>change</th><th>p</th><th class="text">verdict</th>{{end}}<th class="text">reason</th></tr></thead>
<tbody>
{{$compared := .Compared}}{{range .Rows}}<tr{{if .Gated}} class="gated"{{end}}><td class="text">{{.Scenario}}</td><td class="text metric">{{.Metric}}</td>{{if $compared}}<td>{{.Baseline}}</td>{{end}}<td>{{.Head}}</td><td>{{.CV}}</td>{{if $compared}}<td>{{.Change}}</td><td>{{.P}}</td><td class="text"><span class="badge {{.LevelClass}}">{{.Level}}</span></td>{{end}}<td class="why">{{.Reason}}</td></tr>
{{end}}</tbody>
</table></div>{{end}}
`
