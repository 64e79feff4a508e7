package report

import (
	"html"
	"math"
	"strings"
)

// The HTML report's charts are inline SVG drawn by small pure functions: scales map values
// to pixels, ticks pick round values for the axes, and svgWriter writes the elements with
// every number formatted one way, so the same data always gives the same text (the golden
// tests rely on it). Colours are not in the SVG: elements carry classes (line-base,
// dot-head, band, grid…) that the report's style sheet colours for light and dark mode.

// point is a position in data units or in pixels.
type point struct{ x, y float64 }

// linearScale maps the domain [d0, d1] onto the range [r0, r1] (pixels).
type linearScale struct{ d0, d1, r0, r1 float64 }

func (s linearScale) at(v float64) float64 {
	if s.d1 == s.d0 {
		return (s.r0 + s.r1) / 2
	}
	return s.r0 + (v-s.d0)/(s.d1-s.d0)*(s.r1-s.r0)
}

// logScale maps [d0, d1] (both positive) onto a range logarithmically: latency spans
// decades, and a log axis keeps the fast median and the slow tail both readable.
type logScale struct{ lin linearScale }

func newLogScale(d0, d1, r0, r1 float64) logScale {
	return logScale{linearScale{math.Log10(d0), math.Log10(d1), r0, r1}}
}

// at clamps values below the domain (a latency of 0 µs) to its bottom.
func (s logScale) at(v float64) float64 {
	if v <= 0 {
		return s.lin.r0
	}
	return s.lin.at(math.Log10(v))
}

// niceStep is the round step (1, 2 or 5 × 10^k) that cuts span into about n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 || n <= 0 {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// niceDomain widens [lo, hi] to multiples of a round step that cuts it into about n
// intervals. A domain of one value is widened around it, never below zero when the value
// is not negative (an error rate of 0 % gets the axis 0 … 1 %).
func niceDomain(lo, hi float64, n int) (dlo, dhi, step float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if lo == hi {
		pad := math.Abs(lo) / 10
		if pad == 0 {
			pad = 1
		}
		nonNegative := lo >= 0
		lo, hi = lo-pad, hi+pad
		if nonNegative && lo < 0 {
			lo = 0
		}
	}
	step = niceStep(hi-lo, n)
	return math.Floor(lo/step+1e-9) * step, math.Ceil(hi/step-1e-9) * step, step
}

// linearTicks are the multiples of step from lo to hi, computed from integers so that
// rounding errors do not pile up.
func linearTicks(lo, hi, step float64) []float64 {
	var ticks []float64
	for k := math.Round(lo / step); k*step <= hi+step*1e-9; k++ {
		ticks = append(ticks, k*step)
	}
	return ticks
}

// logDomain widens [lo, hi] to whole decades; values that are not positive count as the
// smallest latency worth drawing, 1 µs.
func logDomain(lo, hi float64) (float64, float64) {
	const floor = 0.001 // 1 µs in ms
	lo, hi = math.Max(lo, floor), math.Max(hi, floor)
	dlo := math.Pow(10, math.Floor(math.Log10(lo)+1e-9))
	dhi := math.Pow(10, math.Ceil(math.Log10(hi)-1e-9))
	if dhi <= dlo {
		dhi = dlo * 10
	}
	return dlo, dhi
}

// logTicks are the decades of [lo, hi] (both powers of ten), with 2 and 5 times each
// decade in between when the domain spans at most two decades.
func logTicks(lo, hi float64) []float64 {
	first, last := int(math.Round(math.Log10(lo))), int(math.Round(math.Log10(hi)))
	multiples := []float64{1}
	if last-first <= 2 {
		multiples = []float64{1, 2, 5}
	}
	var ticks []float64
	for e := first; e <= last; e++ {
		for _, m := range multiples {
			if e == last && m > 1 {
				break
			}
			ticks = append(ticks, m*math.Pow(10, float64(e)))
		}
	}
	return ticks
}

// percentileX is the classic HdrHistogram axis: x = −log10(1 − q), on which 90 %, 99 %,
// 99.9 % and 99.99 % are equally far apart, so the tail gets as much room as the median.
func percentileX(q float64) float64 { return -math.Log10(1 - q) }

// percentileTicks label the percentile axis.
var percentileTicks = []struct {
	q     float64
	label string
}{
	{0, "0%"}, {0.5, "50%"}, {0.9, "90%"}, {0.99, "99%"}, {0.999, "99.9%"}, {0.9999, "99.99%"}, {0.99999, "99.999%"},
}

// Spectrum reach: how far along the percentile axis the latency spectrum goes.
const (
	minSpectrumReach = 2 // 99 %
	maxSpectrumReach = 5 // 99.999 %
	spectrumSteps    = 40
)

// spectrumReach is how far the percentile axis goes for count recorded latencies: a
// percentile beyond 1 − 1/count is only the maximum again. It is between 99 % and
// 99.999 %.
func spectrumReach(count int64) float64 {
	if count <= 0 {
		return minSpectrumReach
	}
	return math.Min(maxSpectrumReach, math.Max(minSpectrumReach, math.Floor(math.Log10(float64(count))+1e-9)))
}

// spectrumPoints samples a latency quantile function (quantiles in 0..100 → ms, asked all
// at once) evenly along the percentile axis up to reach, spectrumSteps points per decade;
// runs of equal values are reduced to their ends, so a flat tail costs two points.
func spectrumPoints(valuesAt func(quantiles []float64) []float64, reach float64) []point {
	n := int(math.Round(reach * spectrumSteps))
	xs, qs := make([]float64, n+1), make([]float64, n+1)
	for i := range xs {
		xs[i] = reach * float64(i) / float64(n)
		qs[i] = 100 * (1 - math.Pow(10, -xs[i]))
	}
	var pts []point
	for i, y := range valuesAt(qs) {
		p := point{xs[i], y}
		if k := len(pts); k >= 2 && pts[k-1].y == p.y && pts[k-2].y == p.y {
			pts[k-1] = p
			continue
		}
		pts = append(pts, p)
	}
	return pts
}

// num formats a coordinate: one decimal at most, no trailing zeros.
func num(v float64) string { return trimFloat(v, 1) }

// frame is a chart's size and the margins around its plot area, in pixels.
type frame struct{ width, height, left, right, top, bottom float64 }

func (f frame) x0() float64 { return f.left }
func (f frame) x1() float64 { return f.width - f.right }
func (f frame) y0() float64 { return f.height - f.bottom } // the plot's bottom edge
func (f frame) y1() float64 { return f.top }

// svgWriter writes one SVG element tree. Every text it is given is escaped.
type svgWriter struct{ b strings.Builder }

// newSVG opens a chart; label is its accessible name.
func newSVG(f frame, label string) *svgWriter {
	w := &svgWriter{}
	w.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ` + num(f.width) + " " + num(f.height) +
		`" role="img" aria-label="` + html.EscapeString(label) + "\">\n")
	return w
}

func (w *svgWriter) String() string { return w.b.String() + "</svg>\n" }

func (w *svgWriter) line(class string, a, b point) {
	w.b.WriteString(`<line class="` + class + `" x1="` + num(a.x) + `" y1="` + num(a.y) + `" x2="` + num(b.x) + `" y2="` + num(b.y) + "\"/>\n")
}

// text writes s at (x, y); anchor is "start", "middle" or "end".
func (w *svgWriter) text(x, y float64, anchor, s string) {
	w.b.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `" text-anchor="` + anchor + `">` + html.EscapeString(s) + "</text>\n")
}

func (w *svgWriter) rect(class string, x, y, width, height float64) {
	w.b.WriteString(`<rect class="` + class + `" x="` + num(x) + `" y="` + num(y) + `" width="` + num(width) + `" height="` + num(height) + "\"/>\n")
}

// circle writes a dot with its tooltip ("" = none).
func (w *svgWriter) circle(class string, c point, r float64, title string) {
	w.b.WriteString(`<circle class="` + class + `" cx="` + num(c.x) + `" cy="` + num(c.y) + `" r="` + num(r) + `"`)
	if title == "" {
		w.b.WriteString("/>\n")
		return
	}
	w.b.WriteString("><title>" + html.EscapeString(title) + "</title></circle>\n")
}

// polylines draws pts (pixels) as lines, broken where a point is missing (NaN); a point
// alone between gaps is drawn as a dot (class pt-… for line-…).
func (w *svgWriter) polylines(class string, pts []point) {
	for _, part := range splitAtGaps(pts) {
		if len(part) == 1 {
			w.circle("pt-"+strings.TrimPrefix(class, "line-"), part[0], 2, "")
			continue
		}
		coords := make([]string, len(part))
		for i, p := range part {
			coords[i] = num(p.x) + "," + num(p.y)
		}
		w.b.WriteString(`<polyline class="` + class + `" points="` + strings.Join(coords, " ") + "\"/>\n")
	}
}

// splitAtGaps cuts pts into the runs of points whose y is a number.
func splitAtGaps(pts []point) [][]point {
	var parts [][]point
	var cur []point
	for _, p := range pts {
		if math.IsNaN(p.y) {
			if len(cur) > 0 {
				parts = append(parts, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, p)
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

// tick is a labelled position on an axis, in pixels.
type tick struct {
	at    float64
	label string
}

// yGrid draws a horizontal grid line and a label left of the plot at every tick.
func (w *svgWriter) yGrid(f frame, ticks []tick) {
	for _, t := range ticks {
		w.line("grid", point{f.x0(), t.at}, point{f.x1(), t.at})
		w.text(f.x0()-6, t.at+4, "end", t.label)
	}
}

// xGrid draws a vertical grid line and a label under the plot at every tick.
func (w *svgWriter) xGrid(f frame, ticks []tick) {
	for _, t := range ticks {
		w.line("grid", point{t.at, f.y1()}, point{t.at, f.y0()})
		w.text(t.at, f.y0()+16, "middle", t.label)
	}
}

// axes draws the plot's left and bottom edges and the x axis's title under its labels.
func (w *svgWriter) axes(f frame, xTitle string) {
	w.line("axis", point{f.x0(), f.y1()}, point{f.x0(), f.y0()})
	w.line("axis", point{f.x0(), f.y0()}, point{f.x1(), f.y0()})
	if xTitle != "" {
		w.text((f.x0()+f.x1())/2, f.height-4, "middle", xTitle)
	}
}

// legendEntry is a line sample and its label.
type legendEntry struct{ class, label string }

// legend writes the entries in a row above the top right of the plot, clear of the data.
func (w *svgWriter) legend(f frame, entries []legendEntry) {
	const sample, gap, charWidth = 22.0, 14.0, 6.5
	x := f.x1()
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		x -= float64(len([]rune(e.label)))*charWidth + sample + 4
		y := f.y1() - 10
		w.line(e.class, point{x, y - 4}, point{x + sample, y - 4})
		w.text(x+sample+4, y, "start", e.label)
		x -= gap
	}
}

// Chart sizes.
var (
	spectrumFrame = frame{width: 860, height: 320, left: 64, right: 36, top: 28, bottom: 40}
	seriesFrame   = frame{width: 600, height: 240, left: 56, right: 24, top: 28, bottom: 40}
	stripWidth    = 380.0
)

// curve is one line of a chart, in data units (a NaN y is a gap).
type curve struct {
	class  string // line-base, line-head, line-run…
	label  string // legend text ("" = not in the legend)
	points []point
}

// spectrumChart draws latency (ms, log scale) against percentile on HdrHistogram's axis up
// to reach (see percentileX), one line per curve.
func spectrumChart(curves []curve, reach float64, label string) string {
	f := spectrumFrame
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, p := range c.points {
			if p.y > 0 {
				lo = math.Min(lo, p.y)
			}
			hi = math.Max(hi, p.y)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 1, 1
	}
	dlo, dhi := logDomain(lo, hi)
	xs := linearScale{0, reach, f.x0(), f.x1()}
	ys := newLogScale(dlo, dhi, f.y0(), f.y1())

	w := newSVG(f, label)
	var yt []tick
	for _, v := range logTicks(dlo, dhi) {
		yt = append(yt, tick{ys.at(v), tickLabel(v, "ms")})
	}
	w.yGrid(f, yt)
	var xt []tick
	for _, t := range percentileTicks {
		if x := percentileX(t.q); x <= reach+1e-9 {
			xt = append(xt, tick{xs.at(x), t.label})
		}
	}
	w.xGrid(f, xt)
	w.axes(f, "percentile")
	var legend []legendEntry
	for _, c := range curves {
		pts := make([]point, len(c.points))
		for i, p := range c.points {
			pts[i] = point{xs.at(p.x), ys.at(p.y)}
		}
		w.polylines(c.class, pts)
		if c.label != "" {
			legend = append(legend, legendEntry{c.class, c.label})
		}
	}
	w.legend(f, legend)
	return w.String()
}

// stripRow is one side's per-run samples in a dot chart.
type stripRow struct {
	label  string // "baseline", "head"
	class  string // dot-base, dot-head
	values []float64
	titles []string // each dot's tooltip
	median float64  // marked on the row (NaN = not marked)
}

// band is the shaded median ± confidence interval of a dot chart (infinite bounds, from
// too few samples, are not shaded).
type band struct{ median, lo, hi float64 }

// strip is a per-run dot chart: one row of dots per side on a shared value axis.
type strip struct {
	unit  string
	rows  []stripRow
	band  *band // nil: none
	label string
}

// Dot chart layout.
const (
	stripRowHeight = 30.0
	stripTop       = 8.0
	stripBottom    = 36.0
	stripLeft      = 72.0
	stripRight     = 24.0
	dotRadius      = 4.0
)

// stripDomain covers every sample, the rows' medians and the band's finite bounds.
func stripDomain(s strip) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	see := func(v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	for _, r := range s.rows {
		for _, v := range r.values {
			see(v)
		}
		see(r.median)
	}
	if s.band != nil {
		see(s.band.lo)
		see(s.band.median)
		see(s.band.hi)
	}
	if math.IsInf(lo, 1) {
		return 0, 0
	}
	return lo, hi
}

// jitter spreads the dots of a row vertically, the same way every time, so equal values
// stay visible as several dots.
func jitter(i int) float64 { return float64(i%5-2) * 3.5 }

// stripChart draws s: the band across all rows, then each row's median mark and dots.
func stripChart(s strip) string {
	f := frame{width: stripWidth, height: stripTop + stripRowHeight*float64(len(s.rows)) + stripBottom, left: stripLeft, right: stripRight, top: stripTop, bottom: stripBottom}
	lo, hi := stripDomain(s)
	dlo, dhi, step := niceDomain(lo, hi, 5)
	xs := linearScale{dlo, dhi, f.x0(), f.x1()}
	w := newSVG(f, s.label)
	var xt []tick
	for _, v := range linearTicks(dlo, dhi, step) {
		xt = append(xt, tick{xs.at(v), tickLabel(v, s.unit)})
	}
	w.xGrid(f, xt)
	if b := s.band; b != nil {
		if !math.IsInf(b.lo, 0) && !math.IsInf(b.hi, 0) && !math.IsNaN(b.lo) && !math.IsNaN(b.hi) {
			w.rect("band", xs.at(b.lo), f.y1(), xs.at(b.hi)-xs.at(b.lo), f.y0()-f.y1())
		}
		if !math.IsNaN(b.median) {
			w.line("mark-base", point{xs.at(b.median), f.y1()}, point{xs.at(b.median), f.y0()})
		}
	}
	w.axes(f, axisUnit(s.unit))
	for i, r := range s.rows {
		y := f.y1() + stripRowHeight*(float64(i)+0.5)
		w.text(f.x0()-8, y+4, "end", r.label)
		if !math.IsNaN(r.median) && (s.band == nil || r.class != "dot-base") {
			w.line(markClass(r.class), point{xs.at(r.median), y - 11}, point{xs.at(r.median), y + 11})
		}
		for j, v := range r.values {
			title := ""
			if j < len(r.titles) {
				title = r.titles[j]
			}
			w.circle(r.class, point{xs.at(v), y + jitter(j)}, dotRadius, title)
		}
	}
	return w.String()
}

// markClass is the class of a row's median mark: the dots' colour.
func markClass(dotClass string) string { return "mark-" + strings.TrimPrefix(dotClass, "dot-") }

// seriesChart draws per-second values of several runs: each run a light line, the median
// of the runs second by second a bold one. A missing second (NaN) breaks a line. yUnit
// labels the value axis ("req/s", "ms").
func seriesChart(runs [][]float64, yUnit, label string) string {
	f := seriesFrame
	seconds, hi := 0, 0.0
	for _, r := range runs {
		seconds = max(seconds, len(r))
		for _, v := range r {
			if !math.IsNaN(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	_, dhi, ystep := niceDomain(0, hi, 4)
	xlo, xhi, xstep := niceDomain(0, float64(seconds), 6)
	xs := linearScale{xlo, xhi, f.x0(), f.x1()}
	ys := linearScale{0, dhi, f.y0(), f.y1()}

	w := newSVG(f, label)
	var yt []tick
	for _, v := range linearTicks(0, dhi, ystep) {
		yt = append(yt, tick{ys.at(v), tickLabel(v, yUnit)})
	}
	w.yGrid(f, yt)
	var xt []tick
	for _, v := range linearTicks(xlo, xhi, xstep) {
		xt = append(xt, tick{xs.at(v), trimFloat(v, 1) + " s"})
	}
	w.xGrid(f, xt)
	w.axes(f, "second of the phase")
	w.text(f.x0()-6, f.y1()-10, "end", yUnit)
	toPixels := func(values []float64) []point {
		pts := make([]point, len(values))
		for i, v := range values {
			pts[i] = point{xs.at(float64(i + 1)), math.NaN()}
			if !math.IsNaN(v) {
				pts[i].y = ys.at(v)
			}
		}
		return pts
	}
	for _, r := range runs {
		w.polylines("line-run", toPixels(r))
	}
	legend := []legendEntry{{"line-run", "each run"}}
	if len(runs) > 1 {
		w.polylines("line-head", toPixels(medianBySecond(runs)))
		legend = append(legend, legendEntry{"line-head", "median of the runs"})
	}
	w.legend(f, legend)
	return w.String()
}

// medianBySecond is, for every second, the median of the runs that have a value for it
// (NaN where none has).
func medianBySecond(runs [][]float64) []float64 {
	seconds := 0
	for _, r := range runs {
		seconds = max(seconds, len(r))
	}
	out := make([]float64, seconds)
	for i := range out {
		var vs []float64
		for _, r := range runs {
			if i < len(r) && !math.IsNaN(r[i]) {
				vs = append(vs, r[i])
			}
		}
		out[i] = Median(vs)
	}
	return out
}

// tickLabel is a quantity on an axis: like the tables' values, without trailing zeros
// and without a unit the axis' title gives (axisUnit): "40k", "1ms", "2.5ms", "0.2%", "9".
func tickLabel(v float64, unit string) string {
	s := formatNumber(v, unit)
	end := strings.IndexFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.' || r == '-') })
	if end < 0 {
		end = len(s)
	}
	digits, suffix := s[:end], s[end:]
	if strings.Contains(digits, ".") {
		digits = strings.TrimRight(strings.TrimRight(digits, "0"), ".")
	}
	return digits + suffix
}

// axisUnit titles an axis whose tick labels do not carry their unit ("" when they do:
// times and percentages).
func axisUnit(unit string) string { return strings.TrimSpace(unitSuffix(unit)) }
