// Package report renders stackgate's models for people and machines: terminal tables,
// Markdown, HTML and JSON. It decides nothing; it shows what it is given.
package report

import (
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// Summary writes the median of every metric per scenario of r as an aligned table, with the
// number of valid runs behind each median, followed by the result's warnings.
func Summary(w io.Writer, r *result.Result) error {
	var t table
	header := []string{"scenario", "runs"}
	for _, m := range metric.All {
		header = append(header, fmt.Sprintf("%s (%s)", m.Name, m.Unit))
	}
	t.add(header...)
	for _, sc := range r.Scenarios {
		row := []string{sc.Name, fmt.Sprint(len(sc.Samples(metric.Throughput)))}
		for _, m := range metric.All {
			row = append(row, FormatValue(Median(sc.Samples(m.Name)), m.Unit))
		}
		t.add(row...)
	}
	if err := t.write(w); err != nil {
		return err
	}
	for _, wn := range r.Warnings {
		if _, err := fmt.Fprintf(w, "warning: %s\n", describeWarning(wn)); err != nil {
			return err
		}
	}
	return nil
}

func describeWarning(w result.Warning) string {
	switch {
	case w.Scenario != "" && w.Run > 0:
		return fmt.Sprintf("%s, run %d: %s", w.Scenario, w.Run, w.Message)
	case w.Scenario != "":
		return fmt.Sprintf("%s: %s", w.Scenario, w.Message)
	}
	return w.Message
}

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

// FormatValue shows a metric value with precision suited to its size.
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
