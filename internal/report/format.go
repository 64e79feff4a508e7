// Package report renders stackgate's models for people and machines: terminal tables,
// Markdown, HTML and JSON. It decides nothing; it shows what it is given.
package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/compare"
)

// Median of xs (NaN for none); xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// FormatValue shows a metric value with precision suited to its size (the columns of
// `baseline update`, whose headers carry the units).
func FormatValue(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case unit == "%":
		return fmt.Sprintf("%.2f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// FormatQuantity shows a measured value the way every report and the progress lines do:
// three significant digits in a unit that suits its size. One spacing rule: times and
// percentages stick to the number, as in benchstat's tables ("850µs", "1.32ms", "2.05s",
// "0.52%"); every other unit follows a space ("35.1k req/s", "17.4 MB", "310 B/req",
// "9 threads"); counts that are whole are written whole.
func FormatQuantity(v float64, unit string) string {
	return formatNumber(v, unit) + unitSuffix(unit)
}

// cellValue is a value in a table cell, whose row names the metric: the units a metric's
// name already says (req/s of the throughput, the words of counts) are left out.
func cellValue(v float64, unit string) string {
	if unit == "req/s" || isWord(unit) {
		return formatNumber(v, unit)
	}
	return FormatQuantity(v, unit)
}

// formatNumber is the number of FormatQuantity, with the unit of times and percentages
// (which it scales: µs, ms, s).
func formatNumber(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 0):
		return signed(v, "∞")
	case unit == "ms":
		return formatMillis(v)
	case unit == "µs":
		return formatMillis(v / 1000)
	case unit == "%":
		return trimFloat(v, 2) + "%"
	case isWord(unit) && v == math.Trunc(v) && math.Abs(v) < 1e6:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return formatSI(v)
}

// unitSuffix is what follows the number of FormatQuantity.
func unitSuffix(unit string) string {
	switch unit {
	case "", "ms", "µs", "%":
		return ""
	}
	return " " + unit
}

// isWord tells the units that are words (what a count counts) from symbols.
func isWord(unit string) bool {
	return unit != "" && strings.IndexFunc(unit, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
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

// formatSummary shows a median with its confidence interval as ±, like benchstat:
// "35.1k ±2%", "1.32ms ±8%", "0.52% ±0.1pt" ("-" when there are no samples).
func formatSummary(s compare.Summary, unit string, absolute bool) string {
	if s.N == 0 || math.IsNaN(s.Median) {
		return "-"
	}
	return cellValue(s.Median, unit) + " ±" + formatSpread(s, unit, absolute)
}

// formatSpread is the half-width of the confidence interval: in percent of the median, or
// for metrics with an absolute tolerance in their own unit (points for a percentage). An
// infinite interval (too few samples) reads "∞"; one that crosses zero cannot be a
// percentage and reads "?".
func formatSpread(s compare.Summary, unit string, absolute bool) string {
	lo, hi, med := s.Lo, s.Hi, s.Median
	switch {
	case math.IsInf(lo, 0) || math.IsInf(hi, 0):
		return "∞"
	case math.IsNaN(lo) || math.IsNaN(hi):
		return "?"
	case absolute && inPoints(unit):
		return trimFloat(math.Max(hi-med, med-lo), 2) + "pt"
	case absolute:
		return formatSI(math.Max(hi-med, med-lo))
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

// formatChange shows head against baseline: "+18.2%" / "−3.1%", or for metrics with an
// absolute tolerance their difference: in points for a percentage ("+0.52pt"), else in
// the metric's unit ("+310 B/req").
func formatChange(m *compare.MetricVerdict) string {
	c := m.Change
	switch {
	case math.IsNaN(c):
		return "-"
	case math.IsInf(c, 0):
		return signed(c, "∞")
	case m.Absolute && inPoints(m.Unit):
		return signed(c, strconv.FormatFloat(math.Abs(c), 'f', 2, 64)) + "pt"
	case m.Absolute:
		return signed(c, formatNumber(math.Abs(c), m.Unit)) + unitSuffix(m.Unit)
	}
	return signed(c, strconv.FormatFloat(math.Abs(100*c), 'f', 1, 64)) + "%"
}

// inPoints: a metric with an absolute tolerance that is a percentage changes in points.
func inPoints(unit string) bool { return unit == "%" || unit == "" }

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

// shownP is the p-value of the change a table shows: of "head is better" when the median
// moved in the good direction, else of "head is worse" (two-sided for info metrics).
func shownP(m *compare.MetricVerdict) float64 {
	if m.PImproved > 0 {
		return m.PImproved
	}
	return m.P
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
