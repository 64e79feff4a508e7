package doctor

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Render writes the findings as a table, then why and how to fix each bad and warn one.
func Render(w io.Writer, findings []Finding) error {
	counts := map[Status]int{}
	for _, f := range findings {
		counts[f.Status]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "runner: %d ok, %d warn, %d bad, %d unknown\n\n", counts[OK], counts[Warn], counts[Bad], counts[Unknown])
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "status\tcheck\tvalue\twant")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Status, f.Name, f.Value, f.Want)
	}
	tw.Flush()
	for _, status := range []Status{Bad, Warn} {
		for _, f := range findings {
			if f.Status == status && (f.Why != "" || f.Fix != "") {
				fmt.Fprintf(&b, "\n%-5s %s: %s\n", f.Status, f.Name, f.Why)
				if f.Fix != "" {
					fmt.Fprintf(&b, "      fix: %s\n", f.Fix)
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderNoise writes the noise report: how the gate was modelled, a row per scenario and
// metric, and how many runs the target needs.
func RenderNoise(w io.Writer, r *NoiseReport) error {
	var b strings.Builder
	b.WriteString(r.titleLine())
	b.WriteString(r.gateLine())
	fmt.Fprintf(&b, "detects: the smallest regression the gate finds significant in %s of invocations (a seeded\n", percent(r.Power))
	b.WriteString("simulation of " + r.simulated() + ").\n")
	b.WriteString("flags: the smallest it can flag, never below the warn tolerance. tolerance real: the gate\n")
	b.WriteString("detects its warn tolerance; loose: only its fail tolerance; theatre: not even that.\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	noise := "cv"
	if r.Design == DesignAB {
		noise = "cv/pairs"
	}
	fmt.Fprintf(tw, "scenario\tmetric\tmedian\t%s\tdetects\tflags\twarn / fail\ttolerance\truns for target\n", noise)
	for _, sc := range r.Scenarios {
		for _, m := range sc.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sc.Name, m.Metric, formatValue(m.Median, m.Unit), cvText(m.CV), m.gateCells())
		}
	}
	tw.Flush()
	table := trimLines(b.String())
	b.Reset()
	b.WriteString(table)
	b.WriteString("\n" + r.targetLine())
	for _, warning := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warning)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// titleLine says what was measured.
func (r *NoiseReport) titleLine() string {
	if r.Design != DesignAB {
		return fmt.Sprintf("noise floor of suite %s (%s) against a stored baseline: %d runs per scenario, nothing changed between them\n\n", r.Suite, r.Profile, r.Measured)
	}
	how := "taking turns"
	if r.Duet {
		how = "a duet, both at the same time"
	}
	return fmt.Sprintf("noise floor of suite %s (%s) in A/B mode (%s): %d runs per scenario and side, the same code on both sides\n\n", r.Suite, r.Profile, how, r.Measured)
}

// simulated names the test the estimate simulates, and the spread between invocations a
// stored baseline adds.
func (r *NoiseReport) simulated() string {
	switch {
	case r.Design == DesignAB && r.Method != Method:
		return "its signed-rank test on the spread of the pairs' log ratios, cv/pairs"
	case r.Design == DesignAB:
		return "its Mann–Whitney test on the measured noise: too few pairs for the paired test"
	case r.hasSpread():
		return "its Mann–Whitney test on the measured noise, and of the spread between\ninvocations the stored baseline accounts for"
	}
	return "its Mann–Whitney test on the measured noise"
}

func (r *NoiseReport) hasSpread() bool {
	_, ok := r.spread()
	return ok
}

// gateLine says how the gate was modelled.
func (r *NoiseReport) gateLine() string {
	line := fmt.Sprintf("the gate compares %d runs per side at α %g over %d gated metrics: a regression must reach p ≤ %.2g",
		r.Runs, r.Alpha, r.Gated, r.Threshold)
	if r.ConfirmThreshold > 0 {
		return line + fmt.Sprintf(",\nor p ≤ %.2g once confirmation runs are added (up to %d runs)\n", r.ConfirmThreshold, r.MaxRuns)
	}
	return line + "\n(no confirmation stage)\n"
}

// targetLine says how many runs every gated metric's target needs.
func (r *NoiseReport) targetLine() string {
	target := "the warn tolerance"
	if r.Target > 0 {
		target = strconv.FormatFloat(r.Target, 'f', -1, 64) + " % (absolute metrics: the warn tolerance)"
	}
	var b strings.Builder
	switch {
	case r.RunsForTarget > 0 && len(r.OutOfReach) > 0:
		fmt.Fprintf(&b, "runs per side for the other gated metrics to detect %s: %d\n", target, r.RunsForTarget)
	case r.RunsForTarget > 0:
		fmt.Fprintf(&b, "runs per side for every gated metric to detect %s: %d ([gate] runs = %d)\n", target, r.RunsForTarget, r.RunsForTarget)
	}
	if len(r.OutOfReach) > 0 {
		fmt.Fprintf(&b, "out of reach with up to %d runs: %s — quieten the runner (stackgate doctor) or widen the tolerance\n",
			MaxRunsAdvised, strings.Join(r.OutOfReach, ", "))
	}
	return b.String()
}

// gateCells are the gated columns of a row (a note for metrics that are not gated).
func (m NoiseMetric) gateCells() string {
	if !m.Gated {
		return "-\t-\t(not gated)\t\t" // as many cells as gated rows, or the columns break
	}
	if math.IsNaN(m.Detectable) {
		return "-\t-\t" + m.toleranceText() + "\t-\t-"
	}
	return strings.Join([]string{m.amount(m.Detectable), m.amount(m.Flags), m.toleranceText(), m.Assessment, m.runsText()}, "\t")
}

func (m NoiseMetric) toleranceText() string {
	if m.Absolute {
		unit := m.Unit
		if unit == "%" {
			unit = "pt"
		}
		return fmt.Sprintf("%s / %s %s", trimFloat(m.Tolerance.Warn), trimFloat(m.Tolerance.Fail), unit)
	}
	return fmt.Sprintf("%s %% / %s %%", trimFloat(m.Tolerance.Warn), trimFloat(m.Tolerance.Fail))
}

func (m NoiseMetric) runsText() string {
	target := m.amount(m.Target)
	switch {
	case m.RunsNeeded > 0:
		return fmt.Sprintf("%d (%s)", m.RunsNeeded, target)
	case m.Target == 0:
		return "never (" + target + ")"
	}
	return fmt.Sprintf("> %d (%s)", MaxRunsAdvised, target)
}

// amount writes a regression in the tolerance's unit: percent, or points of a percentage,
// or the metric's own unit.
func (m NoiseMetric) amount(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 1):
		return "never"
	case !m.Absolute:
		return fmt.Sprintf("%.1f %%", v)
	case m.Unit == "%":
		return fmt.Sprintf("%.2f pt", v)
	}
	return fmt.Sprintf("%s %s", formatNumber(v), m.Unit)
}

func cvText(cv float64) string {
	if math.IsNaN(cv) {
		return "-"
	}
	return fmt.Sprintf("%.1f %%", 100*cv)
}

// formatValue writes a measured value with its unit.
func formatValue(v float64, unit string) string {
	if unit == "%" {
		return fmt.Sprintf("%.2f %%", v)
	}
	return formatNumber(v) + " " + unit
}

// formatNumber writes v with precision suited to its size.
func formatNumber(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// trimLines drops the spaces tabwriter leaves after the last cell of a line.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRight(line, " ")
	}
	return strings.Join(lines, "\n")
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
