package report

import (
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/compare"
)

// overviewFigure is a change chart (see changeCharts) for the HTML report, drawn with
// HTML and CSS rather than SVG so that its text keeps its size on a phone: one row per
// bar — the scenario, a track with the bar from 0 to the change and the lines at 0 and at
// the tolerances, the change written out — and the axis under it.
func overviewFigure(c *changeChart) htmlChart {
	f := htmlChart{Title: c.metric + ": change of head against the " + c.base, Wide: true}
	f.Note = "Bars from 0 to each change, worst first; lines at 0, the warn tolerance (" + signedTol(c.warn, c.unit) +
		") and the fail tolerance (" + signedTol(c.fail, c.unit) + ")."
	if c.total > len(c.bars) {
		f.Note += " " + strconv.Itoa(len(c.bars)) + " of " + strconv.Itoa(c.total) + " scenarios: those that did not pass and the few that moved most the bad way."
	}
	lo, hi, step := c.domain()
	x := func(v float64) string { return num(100 * (v - lo) / (hi - lo)) }
	var b strings.Builder
	b.WriteString(`<div class="bars" role="img" aria-label="` + html.EscapeString(f.Title) + `">` + "\n")
	for _, bar := range c.bars {
		left, right := math.Min(0, bar.value), math.Max(0, bar.value)
		word := ""
		if bar.level != compare.Pass {
			word = `<span class="badge ` + levelClass(bar.level) + `">` + levelWord(bar.level) + `</span> `
		} else if bar.improved {
			word = `<span class="improved">improved</span> `
		}
		b.WriteString(`<div class="bar-row"><span class="bar-label">` + html.EscapeString(bar.scenario) + `</span>` +
			`<span class="track"><span class="tol tol-warn" style="left:` + x(c.warn) + `%"></span>` +
			`<span class="tol tol-fail" style="left:` + x(c.fail) + `%"></span>` +
			`<span class="zero" style="left:` + x(0) + `%"></span>` +
			`<span class="bar ` + barClass(bar) + `" style="left:` + x(left) + `%;width:` + num(100*(right-left)/(hi-lo)) + `%"></span></span>` +
			`<span class="bar-value">` + word + html.EscapeString(bar.label) + "</span></div>\n")
	}
	b.WriteString(`<div class="bar-row bar-axis"><span class="bar-label"></span><span class="track">`)
	for _, t := range linearTicks(lo, hi, step) {
		b.WriteString(`<span class="tick" style="left:` + x(t) + `%">` + html.EscapeString(axisTick(t, c.unit)) + `</span>`)
	}
	b.WriteString(`</span><span class="bar-value"></span></div>` + "\n</div>\n")
	f.SVG = template.HTML(b.String())
	return f
}

// barClass colours a bar by its level, an improvement green.
func barClass(b changeBar) string {
	switch {
	case b.level != compare.Pass:
		return "fill-" + string(b.level)
	case b.improved:
		return "fill-improved"
	}
	return "fill-pass"
}

// signedTol is a tolerance line's position: "−5%", "+10%", "+0pt", "+256 B/req".
func signedTol(v float64, unit string) string {
	s := trimFloat(math.Abs(v), 2)
	if v < 0 {
		s = "−" + s
	} else {
		s = "+" + s
	}
	return s + chartUnit(unit)
}

// axisTick is a value on a change chart's axis.
func axisTick(v float64, unit string) string {
	s := trimFloat(v, 2)
	if v < 0 {
		s = "−" + s[1:]
	} else if v > 0 {
		s = "+" + s
	}
	return s + chartUnit(unit)
}

// chartUnit follows a change on a chart, by the one spacing rule of FormatQuantity.
func chartUnit(unit string) string {
	if unit == "%" || unit == "pt" {
		return unit
	}
	return " " + unit
}
