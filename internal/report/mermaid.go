package report

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/stackgate/stackgate/internal/compare"
)

// MermaidChart is the overview of v for a PR comment (see changeCharts): one Mermaid
// xychart-beta block per metric with a finding, which GitHub renders natively; "" when
// there is nothing to chart (a pass, nothing compared).
//
// Mermaid's bars all grow from the axis' low end and cannot be coloured one by one, so each
// level is a series of its own, bars of other series have no length, and a series in the
// background colour drawn last hides what lies below 0 of a positive bar, or between the
// axis' low end and a negative one: every bar then spans from 0 to its value. Lines mark
// 0 and the warn and fail tolerances; blank categories at both ends let them run past the
// first and last bar. The chart has a white background of its own, so it reads the same in
// dark mode.
func MermaidChart(v *compare.Verdict) string {
	var b strings.Builder
	for _, c := range changeCharts(v) {
		b.WriteString(mermaidChart(&c))
	}
	return b.String()
}

// Colours of the chart (Okabe–Ito, as the HTML report), in the order of its series.
var mermaidSeries = []struct{ colour string }{
	{"#c0392b"}, // fail
	{"#e69f00"}, // warn
	{"#0072b2"}, // inconclusive
	{"#cc79a7"}, // error
	{"#9e9e9e"}, // passing, worse or unchanged
	{"#009e73"}, // improved
	{"#ffffff"}, // the mask: the background
	{"#1b1b1b"}, // line at 0
	{"#e69f00"}, // warn tolerance
	{"#c0392b"}, // fail tolerance
}

// seriesOf is the series of a bar.
func seriesOf(b changeBar) int {
	switch {
	case b.level == compare.Fail:
		return 0
	case b.level == compare.Warn:
		return 1
	case b.level == compare.Inconclusive:
		return 2
	case b.level == compare.Error:
		return 3
	case b.improved:
		return 5
	}
	return 4
}

const maskSeries = 6

func mermaidChart(c *changeChart) string {
	lo, hi, _ := c.domain()
	n := len(c.bars) + 2 // a blank category at each end
	categories := make([]string, n)
	categories[0], categories[n-1] = `" "`, `"  "`
	series := make([][]float64, maskSeries+1)
	for s := range series {
		series[s] = make([]float64, n)
		for i := range series[s] {
			series[s][i] = lo // no length
		}
	}
	for i, b := range c.bars {
		k := i + 1
		word := ""
		if b.level != compare.Pass {
			word = strings.ToUpper(string(b.level)) + " "
		}
		categories[k] = `"` + word + mermaidName(b.scenario) + " " + mermaidText(b.label) + `"`
		s := seriesOf(b)
		series[s][k], series[maskSeries][k] = max(b.value, 0), min(b.value, 0)
	}
	var palette []string
	for _, s := range mermaidSeries {
		palette = append(palette, s.colour)
	}
	title := c.metric + ": change of head against the " + c.base
	if c.total > len(c.bars) {
		title += " (" + strconv.Itoa(len(c.bars)) + " of " + strconv.Itoa(c.total) + " scenarios)"
	}
	axis := "change, " + c.unit + " (lines: 0, warn " + trimFloat(c.warn, 2) + ", fail " + trimFloat(c.fail, 2) + ")"
	var b strings.Builder
	b.WriteString("```mermaid\n")
	b.WriteString(`%%{init: {"theme": "base", "xyChart": {"width": 720, "height": ` + strconv.Itoa(140+34*n) +
		`}, "themeVariables": {"xyChart": {"backgroundColor": "#ffffff", "titleColor": "#1b1b1b", ` +
		`"xAxisLabelColor": "#1b1b1b", "xAxisTitleColor": "#1b1b1b", "xAxisTickColor": "#6b6b6b", "xAxisLineColor": "#6b6b6b", ` +
		`"yAxisLabelColor": "#1b1b1b", "yAxisTitleColor": "#1b1b1b", "yAxisTickColor": "#6b6b6b", "yAxisLineColor": "#6b6b6b", ` +
		`"plotColorPalette": "` + strings.Join(palette, ", ") + `"}}}}%%` + "\n")
	b.WriteString("xychart-beta horizontal\n")
	b.WriteString(`    title "` + mermaidText(title) + `"` + "\n")
	b.WriteString("    x-axis [" + strings.Join(categories, ", ") + "]\n")
	b.WriteString(`    y-axis "` + mermaidText(axis) + `" ` + mermaidNum(lo) + " --> " + mermaidNum(hi) + "\n")
	for _, s := range series {
		b.WriteString("    bar " + mermaidList(s) + "\n")
	}
	for _, at := range []float64{0, c.warn, c.fail} {
		line := make([]float64, n)
		for i := range line {
			line[i] = at
		}
		b.WriteString("    line " + mermaidList(line) + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

func mermaidList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = mermaidNum(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// mermaidNum writes a number as Mermaid reads it: plain decimals, no exponent.
func mermaidNum(x float64) string { return trimFloat(x, 3) }

// mermaidMaxName is how many characters of a scenario name a chart shows.
const mermaidMaxName = 32

// mermaidName is a scenario name on a chart: safe (mermaidText) and cut to mermaidMaxName
// characters.
func mermaidName(s string) string {
	if r := []rune(s); len(r) > mermaidMaxName {
		s = string(r[:mermaidMaxName-1]) + "…"
	}
	return mermaidText(s)
}

// mermaidText makes a text safe inside a quoted Mermaid string in a Markdown code fence,
// changing as little as it can: a double quote (which ends the string) becomes a single
// one; an invisible zero-width space goes after '#' (so no entity code, "#35;", is
// decoded) and between two '%' (which start a comment); angle brackets (HTML) become
// single guillemets, control characters spaces. A line cannot end the fence from inside a
// string.
func mermaidText(s string) string {
	var b strings.Builder
	prev := rune(0)
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '#':
			b.WriteString("#\u200b")
		case r == '%' && prev == '%':
			b.WriteString("\u200b%")
		case r == '<':
			b.WriteRune('‹')
		case r == '>':
			b.WriteRune('›')
		case isControl(r) || unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}
