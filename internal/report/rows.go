package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
)

// What every renderer shows of a verdict, decided once here: which rows a table has, which
// need the reader's attention and in what order, which changed besides, the headline, and
// what was compared.

// verdictRow is one line of a verdict table: a metric of a scenario, or a scenario whose
// level its metrics do not explain (it could not be measured or compared).
type verdictRow struct {
	scenario string
	metric   *compare.MetricVerdict // nil: the row is the scenario's
	level    compare.Level
	reason   string
}

// verdictRows is every metric of every scenario, and a row for each scenario without metrics.
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
// did not pass or changed significantly, and scenarios without metrics.
func (r verdictRow) important() bool {
	return r.metric == nil || r.metric.Gated || r.level != compare.Pass || changed(r.metric)
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

// attentionRows are what a reader must look at, worst first: every metric that did not
// pass, and every scenario whose metrics do not explain its level (not measured, not
// comparable), scenarios with the same level and reason in one row. Within a level the
// metrics furthest beyond their fail tolerance come first. Without a baseline nothing was
// judged: only what could not be measured needs attention.
func attentionRows(v *compare.Verdict) []verdictRow {
	var rows []verdictRow
	merged := map[[2]string]int{} // level, reason → index of a scenario row
	for i := range v.Scenarios {
		sc := &v.Scenarios[i]
		if sc.Level == compare.Pass || (v.Mode == compare.ModeNone && sc.Level != compare.Error) {
			continue
		}
		if len(sc.Metrics) > 0 && sc.ExplainedByMetrics() {
			for j := range sc.Metrics {
				if m := &sc.Metrics[j]; m.Level != compare.Pass {
					rows = append(rows, verdictRow{scenario: sc.Name, metric: m, level: m.Level, reason: m.Reason})
				}
			}
			continue
		}
		if len(v.NotComparable) > 0 && strings.HasPrefix(sc.Reason, "not comparable") {
			continue // the verdict's own list says why, once
		}
		key := [2]string{string(sc.Level), sc.Reason}
		if k, ok := merged[key]; ok {
			rows[k].scenario += ", " + sc.Name
			continue
		}
		merged[key] = len(rows)
		rows = append(rows, verdictRow{scenario: sc.Name, level: sc.Level, reason: sc.Reason})
	}
	slices.SortStableFunc(rows, func(a, b verdictRow) int {
		if c := cmp.Compare(severity(b.level), severity(a.level)); c != 0 {
			return c
		}
		return cmp.Compare(badness(b.metric), badness(a.metric))
	})
	return rows
}

// severity orders levels for the reader: error, fail, warn, inconclusive, pass.
func severity(l compare.Level) int {
	return map[compare.Level]int{compare.Error: 4, compare.Fail: 3, compare.Warn: 2, compare.Inconclusive: 1}[l]
}

// worseBy is a metric's change in its bad direction, in the unit of its tolerance (percent,
// or the metric's unit for an absolute one): positive is worse. Info metrics have none.
func worseBy(m *compare.MetricVerdict) float64 {
	w := m.Change
	switch m.Better {
	case compare.BetterHigher:
		w = -w
	case compare.BetterLower:
	default:
		return 0
	}
	if !m.Absolute {
		w *= 100
	}
	if math.IsNaN(w) {
		return 0
	}
	return w
}

// badness ranks rows of one level: how many fail tolerances a metric moved the bad way
// (any bad move beyond a tolerance of 0 is worst); a scenario row ranks first.
func badness(m *compare.MetricVerdict) float64 {
	if m == nil {
		return math.Inf(1)
	}
	w := worseBy(m)
	if m.Tolerance.Fail > 0 {
		return w / m.Tolerance.Fail
	}
	if w > 0 {
		return math.MaxFloat64 / 2
	}
	return w
}

// changed: a metric that passed but changed significantly — worse within its tolerance or
// not gated, better (improved), or an info metric that moved.
func changed(m *compare.MetricVerdict) bool {
	return m != nil && m.Level == compare.Pass && (m.Improved || m.Significant)
}

// alsoChangedRows are the significant changes that did not decide the verdict: worse
// first (furthest beyond the tolerance first), then the improvements.
func alsoChangedRows(v *compare.Verdict) []verdictRow {
	var rows []verdictRow
	for _, r := range verdictRows(v) {
		if changed(r.metric) {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b verdictRow) int {
		if a.metric.Improved != b.metric.Improved {
			return map[bool]int{false: -1, true: 1}[a.metric.Improved]
		}
		return cmp.Compare(badness(b.metric), badness(a.metric))
	})
	return rows
}

// changeKind says how an "also changed" metric changed.
func changeKind(m *compare.MetricVerdict) string {
	switch {
	case m.Improved:
		return "improved"
	case m.Better == compare.BetterInfo:
		return "changed (not judged)"
	case m.Gated:
		return "worse, within tolerance"
	}
	return "worse, not gated"
}

// rowCells are the texts of a verdict row.
type rowCells struct {
	scenario, metric, baseline, head, cv, change, p string
}

func (r verdictRow) cells() rowCells {
	c := rowCells{scenario: r.scenario, metric: "-", baseline: "-", head: "-", cv: "-", change: "-", p: "-"}
	m := r.metric
	if m == nil {
		return c
	}
	c.metric = m.Metric
	c.baseline = formatSummary(m.Baseline, m.Unit, m.Absolute)
	c.head = formatSummary(m.Head, m.Unit, m.Absolute)
	if m.Head.N > 1 {
		c.cv = fmt.Sprintf("%.1f%%", 100*m.Head.CV)
	}
	if m.Baseline.N > 0 && m.Head.N > 0 {
		c.change = formatChange(m)
		c.p = formatP(shownP(m))
	}
	return c
}

// why is the row's reason without what its cells already show: a metric's reason
// "p99 +18.2 % (p=0.0004, fail tolerance 10 %)" becomes "p=0.0004, fail tolerance 10 %",
// "p99 not measured in the head runs" becomes "not measured in the head runs".
func (r verdictRow) why() string {
	if r.metric == nil {
		return r.reason
	}
	rest, ok := strings.CutPrefix(r.reason, r.metric.Metric+" ")
	if !ok {
		return r.reason
	}
	if i := strings.IndexByte(rest, '('); i >= 0 && strings.HasSuffix(rest, ")") && !strings.Contains(rest[:i], " but ") &&
		!strings.Contains(rest[:i], " beyond ") {
		return rest[i+1 : len(rest)-1] // "+18.2 % (…)": the change is in the cells
	}
	if f := strings.Fields(rest); len(f) > 2 && (f[1] == "%" || f[1] == "points" || f[1] == r.metric.Unit) {
		return strings.Join(f[2:], " ") // "+15.0 % beyond … but not significant (…)"
	}
	return rest
}

// headline is the verdict in a line, after its level and suite: the worst finding and how
// many more there are, or the verdict's own reason when no row explains it (no baseline,
// not comparable, not measured, pass). Only the first line of a reason is used.
func headline(v *compare.Verdict, rows []verdictRow) string {
	firstLine := func(s string) string { line, _, _ := strings.Cut(s, "\n"); return strings.TrimSpace(line) }
	switch {
	case v.Level == compare.Inconclusive && len(v.NotComparable) > 0 && (len(rows) == 0 || rows[0].level == compare.Inconclusive):
		s := "not comparable with the " + baseName(v) + ": " + v.NotComparable[0]
		if n := len(v.NotComparable) - 1; n > 0 {
			s += " and " + plural(n, "more difference", "more differences")
		}
		return s
	case v.Level == compare.Pass, len(rows) == 0, v.Mode == compare.ModeNone,
		v.Level == compare.Error && rows[0].level != compare.Error:
		return firstLine(v.Reason)
	}
	s := rowSummary(rows[0], firstLine)
	counts := map[string]int{}
	for _, r := range rows[1:] {
		counts[kindOf(r.level)]++
	}
	var more []string
	for _, k := range []string{"regression", "error", "inconclusive"} {
		if n := counts[k]; n > 0 {
			word := k
			if n > 1 && k != "inconclusive" {
				word += "s"
			}
			if k == kindOf(rows[0].level) {
				word = "more " + word
			}
			more = append(more, strconv.Itoa(n)+" "+word)
		}
	}
	if len(more) > 0 {
		s += " and " + strings.Join(more, ", ")
	}
	return s
}

// rowSummary is a row in a few words: "db p99 +18.2%", "update could not be measured",
// "json, db: not comparable: …".
func rowSummary(r verdictRow, firstLine func(string) string) string {
	switch m := r.metric; {
	case m == nil && r.level == compare.Error:
		return r.scenario + " could not be measured"
	case m == nil:
		return r.scenario + ": " + firstLine(r.reason)
	case m.Baseline.N == 0 || m.Head.N == 0:
		return r.scenario + " " + firstLine(r.reason)
	default:
		return r.scenario + " " + m.Metric + " " + formatChange(m)
	}
}

// Headline is the verdict in one line, for a command's closing message: its worst finding
// and how many more there are, or its reason.
func Headline(v *compare.Verdict) string { return headline(v, attentionRows(v)) }

// kindOf groups levels for counting: warn and fail are both regressions.
func kindOf(l compare.Level) string {
	switch l {
	case compare.Error:
		return "error"
	case compare.Warn, compare.Fail:
		return "regression"
	case compare.Inconclusive:
		return "inconclusive"
	}
	return ""
}

// errorDetail is what a verdict's reason says beyond its first line (the log of a process
// that failed), "" when it has one line only.
func errorDetail(v *compare.Verdict) string {
	_, rest, _ := strings.Cut(v.Reason, "\n")
	return strings.Trim(rest, "\n")
}

// showsHint: a verdict without a baseline whose head was measured invites recording one.
func showsHint(v *compare.Verdict) bool {
	return v.Mode == compare.ModeNone && v.Level != compare.Error
}

// noBaselineHint tells a user with nothing to compare with what to do next.
const noBaselineHint = "no baseline yet, so nothing was compared: these are head's medians. " +
	"Record a baseline with `stackgate baseline update`; later runs are compared with it."

// fact is one line of "what was compared".
type fact struct{ label, text string }

// comparedFacts says what was compared with what: revisions, dates, run counts, the mode,
// the family-wise α, and the confirmation stage.
func comparedFacts(v *compare.Verdict) []fact {
	var facts []fact
	switch {
	case v.Mode == compare.ModeAB && v.Baseline != nil:
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
	switch {
	case v.Mode == compare.ModeBaseline:
		what = "with the stored baseline"
	case v.Mode == compare.ModeAB && v.Duet:
		what = "A/B duet: both revisions' stacks run at the same time, run by run"
	case v.Mode == compare.ModeAB:
		what = "A/B: both revisions measured in this invocation, runs interleaved"
	case v.Mode == compare.ModeNone:
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

// baseName is how the side compared with is called: the stored baseline, or in A/B mode
// the base revision measured beside the head.
func baseName(v *compare.Verdict) string {
	if v.Mode == compare.ModeAB {
		return "base"
	}
	return "baseline"
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
		shown := *r.metric
		shown.Change = d.Change
		lines = append(lines, fmt.Sprintf("drift of %s %s since the oldest kept baseline (%s): %s",
			r.scenario, r.metric.Metric, strings.Join(since, ", "), formatChange(&shown)))
	}
	return lines
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
