package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/result"
)

// explain is a metric's reason: its change and, in brackets, the evidence.
func explain(mv *MetricVerdict, detail string) string {
	return fmt.Sprintf("%s %s (%s%s)", mv.Metric, changeText(mv), sampleDetail(mv), detail)
}

// notSignificant explains a change beyond a tolerance that the data cannot confirm.
func notSignificant(mv *MetricVerdict, which string, tolerance float64) string {
	return fmt.Sprintf("%s %s beyond the %s tolerance %s but not significant (%sp=%s, needed ≤ %s)",
		mv.Metric, changeText(mv), which, tolText(mv, tolerance), sampleDetail(mv), formatP(mv.P), formatP(mv.Threshold))
}

// changeText is the change of the median: "+18.2 %", "−3.1 %", "+0.52 points" (of a
// percentage), "+310 B/req" (of another metric with an absolute tolerance), or "from 0 to
// 3.20 ms" when the baseline's median is 0.
func changeText(mv *MetricVerdict) string {
	switch {
	case mv.Absolute && !inPoints(mv):
		return signedValue(mv.Change) + " " + mv.Unit
	case mv.Absolute:
		return signed(mv.Change, 2) + " points"
	case math.IsInf(mv.Change, 0):
		return "from 0 to " + valueText(mv.Head.Median, mv.Unit)
	}
	return signed(mv.Change*100, 1) + " %"
}

// sampleDetail says what a change was measured on where its value alone does not: both
// medians of a metric with an absolute tolerance, whose change hides where it started
// ("0.00 % → 0.52 %, "), or the number of run pairs of a paired one ("12 pairs, ").
func sampleDetail(mv *MetricVerdict) string {
	switch {
	case mv.Pairs > 0:
		return fmt.Sprintf("%d pairs, ", mv.Pairs)
	case mv.Spread != nil && mv.Spread.P >= mv.P:
		return spreadDetail(mv.Spread)
	case mv.Pooled != nil:
		c := mv.Pooled
		return fmt.Sprintf("%s %s → %s %s of all requests, %d of %d → %d of %d, ",
			ratePercent(c.Base), mv.Unit, ratePercent(c.Head), mv.Unit, c.Base.Errors, c.Base.Requests, c.Head.Errors, c.Head.Requests)
	case !mv.Absolute:
		return ""
	}
	return fmt.Sprintf("%.2f %s → %.2f %s, ", mv.Baseline.Median, mv.Unit, mv.Head.Median, mv.Unit)
}

// ratePercent writes a pooled error rate with enough digits that a few errors in a
// million requests do not read as 0.00.
func ratePercent(c result.Counts) string {
	r := rate(c)
	if r != 0 && r < 0.01 {
		return strconv.FormatFloat(r, 'g', 2, 64)
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

// signed formats v with prec decimals and an explicit sign (a true minus sign).
func signed(v float64, prec int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	if v < 0 && strings.Trim(s, "0.") != "" {
		return "−" + s
	}
	return "+" + s
}

// inPoints: the metric is a percentage with an absolute tolerance, whose changes are in
// percentage points (the error rate); other absolute metrics change in their own unit.
func inPoints(mv *MetricVerdict) bool { return mv.Unit == "%" || mv.Unit == "" }

// signedValue is valueText with an explicit sign.
func signedValue(v float64) string {
	s := valueText(math.Abs(v), "")
	if v < 0 && strings.Trim(s, "0.") != "" {
		return "−" + s
	}
	return "+" + s
}

// tolText is a tolerance in its unit: "10 %", "0 points", "256 B/req".
func tolText(mv *MetricVerdict, t float64) string {
	n := strconv.FormatFloat(t, 'g', -1, 64)
	switch {
	case !mv.Absolute:
		return n + " %"
	case !inPoints(mv):
		return n + " " + mv.Unit
	case t == 1:
		return n + " point"
	}
	return n + " points"
}

// formatP writes a p-value (or threshold) with two significant digits and no exponent:
// "0.002", "0.00067", "0.0000054", "1".
func formatP(p float64) string {
	rounded, err := strconv.ParseFloat(strconv.FormatFloat(p, 'e', 1, 64), 64)
	if err != nil {
		return strconv.FormatFloat(p, 'g', 2, 64)
	}
	return strconv.FormatFloat(rounded, 'f', -1, 64)
}

// valueText writes a measured value with three significant digits and its unit.
func valueText(v float64, unit string) string {
	decimals := 0
	if a := math.Abs(v); a > 0 && a < 100 {
		decimals = min(4, 2-int(math.Floor(math.Log10(a))))
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// plural is "1 regression", "2 regressions".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// spreadDetail names the spread between invocations that decided a stored-baseline
// comparison's p-value.
func spreadDetail(s *Spread) string {
	if s.Recordings == 0 {
		return fmt.Sprintf("drift ±%.1f %% between invocations assumed (gate.drift), ", s.SD)
	}
	return fmt.Sprintf("drift ±%.1f %% between %d recordings of the baseline, ", s.SD, s.Recordings)
}
