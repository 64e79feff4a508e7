package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
)

// TerminalOptions choose how a verdict is shown in a terminal.
type TerminalOptions struct {
	Color   bool // ANSI colours; the CLI passes true only on a TTY without NO_COLOR
	Verbose bool // every metric, not only gated ones and those that changed
}

// Terminal writes v the way benchstat shows a comparison: the verdict line, what was
// compared, one aligned table of metrics, then the reasons of everything that did not pass,
// why the sides are not comparable, and the warnings.
func Terminal(w io.Writer, v *compare.Verdict, opt TerminalOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", escapeTerminal(v.Suite), paintLevel(strings.ToUpper(string(v.Level)), v.Level, opt.Color))
	if v.Reason != "" {
		b.WriteString(" — " + escapeTerminal(v.Reason))
	}
	b.WriteByte('\n')
	writeFacts(&b, comparedFacts(v))

	// Without a baseline nothing is judged: every measured metric is worth showing.
	rows, omitted := shownRows(verdictRows(v), opt.Verbose || v.Mode == compare.ModeNone)
	if len(rows) > 0 {
		b.WriteByte('\n')
		writeTerminalTable(&b, v, rows, opt.Color)
	}
	if omitted > 0 {
		fmt.Fprintf(&b, "… %s not shown (verbose output shows every metric)\n", plural(omitted, "passing ungated metric", "passing ungated metrics"))
	}
	if v.Mode == compare.ModeNone {
		fmt.Fprintf(&b, "\n%s\n", noBaselineHint)
	} else {
		writeReasons(&b, v, opt.Color)
	}
	writeLines(&b, "", driftLines(rows))
	writeLines(&b, "not comparable: ", v.NotComparable)
	writeLines(&b, "warning: ", v.Warnings)
	_, err := io.WriteString(w, b.String())
	return err
}

// noBaselineHint tells a user with nothing to compare with what to do next.
const noBaselineHint = "no baseline yet, so nothing was compared: these are head's medians. " +
	"Record a baseline with `stackgate baseline update`; later runs are compared with it."

func writeTerminalTable(b *strings.Builder, v *compare.Verdict, rows []verdictRow, color bool) {
	t := table{left: map[int]bool{1: true}}
	if v.Mode == "none" {
		t.add("scenario", "metric", "head", "cv")
		for _, r := range rows {
			c := r.cells(escapeTerminal)
			t.add(c.scenario, c.metric, c.head, c.cv)
		}
		writeTable(b, &t)
		return
	}
	t.left[7] = true
	t.add("scenario", "metric", "baseline", "head", "cv", "change", "p", "verdict")
	for _, r := range rows {
		c := r.cells(escapeTerminal)
		t.add(c.scenario, c.metric, c.baseline, c.head, c.cv, c.change, c.p, levelWord(r.level))
	}
	t.paint = func(row, col int, cell string) string {
		if row == 0 || col != 7 {
			return cell
		}
		return paintLevel(cell, rows[row-1].level, color)
	}
	writeTable(b, &t)
}

// writeReasons lists why every scenario and metric that did not pass got its level: the
// scenario's own reason unless one of its metrics already says the same.
func writeReasons(b *strings.Builder, v *compare.Verdict, color bool) {
	var levels []compare.Level
	t := table{left: map[int]bool{1: true}}
	for _, r := range nonPassReasons(v) {
		levels = append(levels, r.level)
		t.add(levelWord(r.level), escapeTerminal(r.scenario)+": "+escapeTerminal(r.text))
	}
	if len(t.rows) == 0 {
		return
	}
	t.paint = func(row, col int, cell string) string {
		if col != 0 {
			return cell
		}
		return paintLevel(cell, levels[row], color)
	}
	b.WriteByte('\n')
	writeTable(b, &t)
}

// writeTable writes t into b; writing into a strings.Builder cannot fail.
func writeTable(b *strings.Builder, t *table) { _ = t.write(b) }

func writeFacts(b *strings.Builder, facts []fact) {
	if len(facts) == 0 {
		return
	}
	b.WriteByte('\n')
	t := table{left: map[int]bool{1: true}}
	for _, f := range facts {
		t.add(f.label, escapeTerminal(f.text))
	}
	writeTable(b, &t)
}

// writeLines writes a paragraph of lines, each with prefix.
func writeLines(b *strings.Builder, prefix string, lines []string) {
	if len(lines) == 0 {
		return
	}
	b.WriteByte('\n')
	for _, l := range lines {
		fmt.Fprintf(b, "%s%s\n", prefix, escapeTerminal(l))
	}
}

// ANSI colours of the level words: only the words are coloured, so the table stays
// readable when colours are lost.
var levelColors = map[compare.Level]string{
	compare.Pass:         "\x1b[32m", // green
	compare.Warn:         "\x1b[33m", // yellow
	compare.Fail:         "\x1b[31m", // red
	compare.Inconclusive: "\x1b[94m", // bright blue
	compare.Error:        "\x1b[35m", // magenta
}

const ansiReset = "\x1b[0m"

func paintLevel(word string, l compare.Level, color bool) string {
	c, ok := levelColors[l]
	if !color || !ok {
		return word
	}
	return c + word + ansiReset
}

// levelWord is how a level reads in a table: loud for the levels that need action.
func levelWord(l compare.Level) string {
	switch l {
	case compare.Fail, compare.Warn:
		return strings.ToUpper(string(l))
	case "":
		return "-"
	}
	return string(l)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// The rest of this file is shared by the terminal and the Markdown renderers: which rows a
// verdict table has and how its cells read.

// verdictRow is one line of a verdict table: a metric of a scenario, or a scenario that
// has no metrics at all (it could not be measured).
type verdictRow struct {
	scenario string
	metric   *compare.MetricVerdict // nil: the scenario has no metrics
	level    compare.Level
	reason   string
	markdown string // the row's cells in a Markdown table, once rendered
}

func verdictRows(v *compare.Verdict) []verdictRow {
	var rows []verdictRow
	for i := range v.Scenarios {
		sc := &v.Scenarios[i]
		if len(sc.Metrics) == 0 {
			rows = append(rows, verdictRow{scenario: sc.Name, level: sc.Level, reason: sc.Reason})
		}
		for j := range sc.Metrics {
			m := &sc.Metrics[j]
			rows = append(rows, verdictRow{scenario: sc.Name, metric: m, level: m.Level, reason: m.Reason})
		}
	}
	return rows
}

// important rows are shown even when the table is short: gated metrics, anything that
// did not pass, and scenarios without metrics.
func (r verdictRow) important() bool {
	return r.metric == nil || r.metric.Gated || r.level != compare.Pass
}

// shownRows keeps the important rows unless verbose, and says how many it left out.
func shownRows(rows []verdictRow, verbose bool) ([]verdictRow, int) {
	if verbose {
		return rows, 0
	}
	var shown []verdictRow
	for _, r := range rows {
		if r.important() {
			shown = append(shown, r)
		}
	}
	return shown, len(rows) - len(shown)
}

// rowCells are the texts of a verdict row, escaped for the output.
type rowCells struct {
	scenario, metric, baseline, head, cv, change, p string
}

func (r verdictRow) cells(escape func(string) string) rowCells {
	c := rowCells{scenario: escape(r.scenario), metric: "-", baseline: "-", head: "-", cv: "-", change: "-", p: "-"}
	m := r.metric
	if m == nil {
		return c
	}
	c.metric = escape(m.Metric)
	c.baseline = escape(formatSummary(m.Baseline, m.Unit, m.Absolute))
	c.head = escape(formatSummary(m.Head, m.Unit, m.Absolute))
	if m.Head.N > 1 {
		c.cv = fmt.Sprintf("%.1f%%", 100*m.Head.CV)
	}
	if m.Baseline.N > 0 && m.Head.N > 0 {
		c.change = escape(formatChange(m.Change, m.Absolute))
		c.p = escape(formatP(m.P))
	}
	return c
}

// formatSummary shows a median with its confidence interval as ±, like benchstat:
// "35.1k ±2%", "1.32ms ±8%", "0.52% ±0.1pt" ("-" when there are no samples).
func formatSummary(s compare.Summary, unit string, absolute bool) string {
	if s.N == 0 || math.IsNaN(s.Median) {
		return "-"
	}
	return formatQuantity(s.Median, unit) + " ±" + formatSpread(s, absolute)
}

// formatSpread is the half-width of the confidence interval: in percent of the median, or
// in points for metrics that are themselves percentages. An infinite interval (too few
// samples) reads "∞"; one that crosses zero cannot be a percentage and reads "?".
func formatSpread(s compare.Summary, absolute bool) string {
	lo, hi, med := s.Lo, s.Hi, s.Median
	switch {
	case math.IsInf(lo, 0) || math.IsInf(hi, 0):
		return "∞"
	case math.IsNaN(lo) || math.IsNaN(hi):
		return "?"
	case absolute:
		return trimFloat(math.Max(hi-med, med-lo), 2) + "pt"
	case sign(lo) != sign(med) || sign(hi) != sign(med):
		return "?"
	case med == 0:
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*math.Max(hi/med-1, 1-lo/med))
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// formatQuantity shows a value with three significant digits in a unit that suits its
// size: "35.1k" requests per second, "850µs" / "1.32ms" / "2.05s", "0.52%".
func formatQuantity(v float64, unit string) string {
	if math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	switch unit {
	case "ms":
		return formatMillis(v)
	case "%":
		return trimFloat(v, 2) + "%"
	case "req/s", "":
		return formatSI(v)
	}
	return formatSI(v) + " " + unit
}

func formatMillis(ms float64) string {
	r := roundSignificant(ms, 3)
	switch a := math.Abs(r); {
	case a >= 1000:
		return formatSignificant(r/1000) + "s"
	case a >= 1 || a == 0:
		return formatSignificant(r) + "ms"
	}
	return formatSignificant(roundSignificant(r*1000, 3)) + "µs"
}

func formatSI(v float64) string {
	r := roundSignificant(v, 3)
	for _, p := range []struct {
		scale  float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(r) >= p.scale {
			return formatSignificant(r/p.scale) + p.suffix
		}
	}
	return formatSignificant(r)
}

// formatSignificant writes v with three significant digits (v already rounded to them).
func formatSignificant(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func roundSignificant(v float64, digits int) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// trimFloat writes v with at most decimals decimals and no trailing zeros.
func trimFloat(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// formatChange shows head against baseline: "+18.2%" / "−3.1%", or in points for metrics
// with an absolute tolerance ("+0.52pt").
func formatChange(change float64, absolute bool) string {
	switch {
	case math.IsNaN(change):
		return "-"
	case math.IsInf(change, 0):
		return signed(change, "∞")
	case absolute:
		return signed(change, strconv.FormatFloat(math.Abs(change), 'f', 2, 64)) + "pt"
	}
	return signed(change, strconv.FormatFloat(math.Abs(100*change), 'f', 1, 64)) + "%"
}

// signed puts a plus or a minus sign (U+2212, as benchstat does) before the digits of
// x's magnitude, none when they round to zero.
func signed(x float64, digits string) string {
	if strings.Trim(digits, "0.") == "" {
		return digits
	}
	if x < 0 {
		return "−" + digits
	}
	return "+" + digits
}

// formatP shows a p-value with two significant digits.
func formatP(p float64) string {
	switch {
	case math.IsNaN(p) || p < 0:
		return "-"
	case p < 0.0001:
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// fact is one line of "what was compared".
type fact struct{ label, text string }

// comparedFacts says what was compared with what: revisions, dates, run counts, the mode,
// the family-wise α, and the confirmation stage.
func comparedFacts(v *compare.Verdict) []fact {
	var facts []fact
	switch {
	case v.Mode == "ab" && v.Baseline != nil:
		facts = append(facts, fact{"base", describeSide(v.Baseline, false, sideRuns(v, false))})
	case v.Baseline != nil:
		facts = append(facts, fact{"baseline", describeSide(v.Baseline, true, sideRuns(v, false))})
	}
	facts = append(facts, fact{"head", describeSide(&v.Head, false, sideRuns(v, true))})
	facts = append(facts, fact{"compared", describeMode(v)})
	if c := v.Confirmation; c != nil {
		facts = append(facts, fact{"confirmation", fmt.Sprintf("%s of %s, α %g per stage",
			plural(c.AddedRuns, "more head run", "more head runs"), strings.Join(c.Scenarios, ", "), c.StageAlpha)})
	}
	return facts
}

func describeSide(s *compare.Side, withDate bool, runs string) string {
	parts := []string{revisionLabel(s.Revision, s.Dirty)}
	if withDate && !s.Started.IsZero() {
		parts = append(parts, "recorded "+s.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if runs != "" {
		parts = append(parts, runs)
	}
	return strings.Join(parts, ", ")
}

// revisionLabel abbreviates a git revision the way git does.
func revisionLabel(rev string, dirty bool) string {
	if rev == "" {
		return "no git revision"
	}
	if r := []rune(rev); len(r) > 12 {
		rev = string(r[:12])
	}
	if dirty {
		rev += " (dirty)"
	}
	return rev
}

// sideRuns says how many runs are behind one side's summaries: "10 runs", or a range when
// scenarios differ (confirmation runs add runs to some of them).
func sideRuns(v *compare.Verdict, head bool) string {
	lo, hi := math.MaxInt, 0
	for _, sc := range v.Scenarios {
		for _, m := range sc.Metrics {
			n := m.Baseline.N
			if head {
				n = m.Head.N
			}
			if n > 0 {
				lo, hi = min(lo, n), max(hi, n)
			}
		}
	}
	switch {
	case hi == 0:
		return ""
	case lo == hi:
		return plural(hi, "run", "runs")
	}
	return fmt.Sprintf("%d–%d runs", lo, hi)
}

func describeMode(v *compare.Verdict) string {
	var what string
	switch v.Mode {
	case "baseline":
		what = "with the stored baseline"
	case "ab":
		what = "A/B: both revisions measured in this invocation, runs interleaved"
	case "none":
		return "nothing: there is no baseline yet"
	default:
		what = "mode " + v.Mode
	}
	if v.Alpha > 0 {
		what += fmt.Sprintf("; α %g", v.Alpha)
		if v.Gated > 0 {
			what += " shared by " + plural(v.Gated, "gated metric", "gated metrics") + " (Holm)"
		}
	}
	return what
}

// reasonLine is the explanation of a scenario's or a metric's level.
type reasonLine struct {
	level          compare.Level
	scenario, text string
}

// nonPassReasons lists, per scenario that did not pass, why: the reasons of its metrics
// that did not pass, one line per distinct reason, and the scenario's own reason unless a
// metric already gives it. A reason is prefixed with the metrics it concerns unless it
// names its one metric itself ("p99 +18.2 % …") or is the scenario's reason.
func nonPassReasons(v *compare.Verdict) []reasonLine {
	var lines []reasonLine
	for _, sc := range v.Scenarios {
		if sc.Level == compare.Pass {
			continue
		}
		groups := groupReasons(sc.Metrics)
		covered := false
		for _, g := range groups {
			covered = covered || g.text == sc.Reason
		}
		if sc.Reason != "" && !covered {
			lines = append(lines, reasonLine{sc.Level, sc.Name, sc.Reason})
		}
		for _, g := range groups {
			text := g.text
			namesItself := len(g.metrics) == 1 && strings.HasPrefix(text, g.metrics[0]+" ")
			if !namesItself && (text != sc.Reason || len(g.metrics) == 1) {
				text = strings.Join(g.metrics, ", ") + ": " + text
			}
			lines = append(lines, reasonLine{g.level, sc.Name, text})
		}
	}
	return lines
}

// reasonGroup is one reason shared by metrics of a scenario at the same level.
type reasonGroup struct {
	level   compare.Level
	text    string
	metrics []string
}

func groupReasons(metrics []compare.MetricVerdict) []reasonGroup {
	var groups []reasonGroup
	index := map[reasonLine]int{}
	for _, m := range metrics {
		if m.Level == compare.Pass || m.Reason == "" {
			continue
		}
		key := reasonLine{level: m.Level, text: m.Reason}
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, reasonGroup{level: m.Level, text: m.Reason})
		}
		groups[i].metrics = append(groups[i].metrics, m.Metric)
	}
	return groups
}

// driftLines describe the slow creep of the rows' metrics since the oldest kept baseline:
// the gated metrics that drifted beyond their warn tolerance.
func driftLines(rows []verdictRow) []string {
	var lines []string
	for _, r := range rows {
		if r.metric == nil || r.metric.Drift == nil || !r.metric.Drift.Creep {
			continue
		}
		d := r.metric.Drift
		var since []string
		if d.Revision != "" {
			since = append(since, revisionLabel(d.Revision, false))
		}
		if !d.Since.IsZero() {
			since = append(since, d.Since.UTC().Format(time.DateOnly))
		}
		if d.Baselines > 0 {
			since = append(since, plural(d.Baselines, "baseline", "baselines"))
		}
		lines = append(lines, fmt.Sprintf("drift of %s %s since the oldest kept baseline (%s): %s",
			r.scenario, r.metric.Metric, strings.Join(since, ", "), formatChange(d.Change, r.metric.Absolute)))
	}
	return lines
}
