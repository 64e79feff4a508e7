package report

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestNiceDomain(t *testing.T) {
	cases := []struct {
		name            string
		lo, hi          float64
		n               int
		wlo, whi, wstep float64
	}{
		{"throughput", 34610, 35820, 5, 34500, 36000, 500},
		{"latency in ms", 1.13, 1.52, 5, 1.1, 1.6, 0.1},
		{"from zero", 0, 9620, 4, 0, 10000, 2500 * 2}, // 9620/4 = 2405 → step 5000
		{"a single value: ±10 %", 35120, 35120, 5, 30000, 40000, 2000},
		{"all zero: 0 … 1, not below zero", 0, 0, 5, 0, 1, 0.2},
		{"reversed bounds", 10, 0, 5, 0, 10, 2},
		{"negative values", -3, 2, 5, -3, 2, 1},
	}
	for _, c := range cases {
		lo, hi, step := niceDomain(c.lo, c.hi, c.n)
		if !close(lo, c.wlo) || !close(hi, c.whi) || !close(step, c.wstep) {
			t.Errorf("%s: niceDomain(%g, %g, %d) = %g, %g, %g; want %g, %g, %g", c.name, c.lo, c.hi, c.n, lo, hi, step, c.wlo, c.whi, c.wstep)
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// Ticks are computed from integers: a step of 0.1 does not drift into 0.30000000000000004.
func TestLinearTicks(t *testing.T) {
	got := linearTicks(0, 0.5, 0.1)
	var labels []string
	for _, v := range got {
		labels = append(labels, num(v))
	}
	if want := "0 0.1 0.2 0.3 0.4 0.5"; strings.Join(labels, " ") != want {
		t.Errorf("ticks %v, want %s", labels, want)
	}
	if got := linearTicks(1.1, 1.6, 0.1); len(got) != 6 || got[2] != 13*0.1 {
		t.Errorf("ticks of 1.1 … 1.6: %v", got)
	}
}

func TestLogDomainAndTicks(t *testing.T) {
	cases := []struct {
		lo, hi   float64
		wlo, whi float64
		ticks    string
	}{
		{0.05, 30, 0.01, 100, "10µs 100µs 1ms 10ms 100ms"},
		{0.3, 8, 0.1, 10, "100µs 200µs 500µs 1ms 2ms 5ms 10ms"},
		{1, 1, 1, 10, "1ms 2ms 5ms 10ms"},            // one value: one decade
		{0, 2, 0.001, 10, "1µs 10µs 100µs 1ms 10ms"}, // a 0 µs latency: from 1 µs
	}
	for _, c := range cases {
		lo, hi := logDomain(c.lo, c.hi)
		if !close(lo, c.wlo) || !close(hi, c.whi) {
			t.Errorf("logDomain(%g, %g) = %g, %g; want %g, %g", c.lo, c.hi, lo, hi, c.wlo, c.whi)
			continue
		}
		var labels []string
		for _, v := range logTicks(lo, hi) {
			labels = append(labels, tickLabel(v, "ms"))
		}
		if got := strings.Join(labels, " "); got != c.ticks {
			t.Errorf("logTicks(%g, %g) = %s, want %s", lo, hi, got, c.ticks)
		}
	}
}

func TestTickLabel(t *testing.T) {
	cases := []struct {
		v          float64
		unit, want string
	}{
		{40000, "req/s", "40k"}, {2500, "req/s", "2.5k"}, {0, "req/s", "0"}, {1, "ms", "1ms"},
		{0.5, "ms", "500µs"}, {2.5, "ms", "2.5ms"}, {0.2, "%", "0.2%"}, {1000, "ms", "1s"},
	}
	for _, c := range cases {
		if got := tickLabel(c.v, c.unit); got != c.want {
			t.Errorf("tickLabel(%g, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

// HdrHistogram's percentile axis: each "nine" is one unit further.
func TestPercentileX(t *testing.T) {
	for _, c := range []struct{ q, x float64 }{{0, 0}, {0.9, 1}, {0.99, 2}, {0.999, 3}, {0.9999, 4}} {
		if got := percentileX(c.q); math.Abs(got-c.x) > 1e-9 {
			t.Errorf("percentileX(%g) = %g, want %g", c.q, got, c.x)
		}
	}
}

func TestSpectrumReach(t *testing.T) {
	for _, c := range []struct {
		count int64
		want  float64
	}{{0, 2}, {50, 2}, {999, 2}, {1000, 3}, {20000, 4}, {10_000_000, 5}} {
		if got := spectrumReach(c.count); got != c.want {
			t.Errorf("spectrumReach(%d) = %g, want %g", c.count, got, c.want)
		}
	}
}

// The spectrum is sampled evenly along the axis up to the reach; a flat stretch keeps
// only its ends.
func TestSpectrumPoints(t *testing.T) {
	var asked []float64
	step := func(qs []float64) []float64 {
		asked = qs
		out := make([]float64, len(qs))
		for i, q := range qs {
			out[i] = 1
			if q >= 99 {
				out[i] = 8
			}
		}
		return out
	}
	pts := spectrumPoints(step, 2)
	if len(asked) != 2*spectrumSteps+1 || asked[0] != 0 || math.Abs(asked[len(asked)-1]-99) > 1e-9 {
		t.Fatalf("asked %d quantiles from %g to %g, want %d from 0 to 99", len(asked), asked[0], asked[len(asked)-1], 2*spectrumSteps+1)
	}
	want := []point{{0, 1}, {1.975, 1}, {2, 8}}
	if len(pts) != len(want) {
		t.Fatalf("points %v, want %v", pts, want)
	}
	for i := range want {
		if !close(pts[i].x, want[i].x) || pts[i].y != want[i].y {
			t.Errorf("point %d = %v, want %v", i, pts[i], want[i])
		}
	}
}

func TestMedianBySecond(t *testing.T) {
	nan := math.NaN()
	got := medianBySecond([][]float64{{1, 2, nan, 4}, {3, nan, nan}, {2, 6}})
	want := []float64{2, 4, nan, 4}
	for i := range want {
		if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("second %d: %g, want %g (all %v)", i+1, got[i], want[i], got)
		}
	}
}

func TestSplitAtGaps(t *testing.T) {
	nan := math.NaN()
	got := splitAtGaps([]point{{1, nan}, {2, 1}, {3, 2}, {4, nan}, {5, 3}, {6, nan}})
	want := [][]point{{{2, 1}, {3, 2}}, {{5, 3}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("splitAtGaps = %v, want %v", got, want)
	}
}

// The charts' SVG text for fixed inputs.
func TestSpectrumChartGolden(t *testing.T) {
	base := []point{{0, 0.21}, {0.5, 0.3}, {1, 0.62}, {2, 1.32}, {3, 2.9}, {3.5, 8.7}}
	head := []point{{0, 0.19}, {0.5, 0.28}, {1, 0.6}, {2, 1.9}, {3, 4.4}, {3.5, 11.2}}
	got := spectrumChart([]curve{{"line-base", "baseline", base}, {"line-head", "head", head}}, 3.5, "latency by percentile, scenario <db>")
	golden(t, "svg_spectrum.golden", []byte(got))
}

func TestStripChartGolden(t *testing.T) {
	got := stripChart(strip{
		unit:  "req/s",
		label: "throughput per run, scenario db",
		band:  &band{median: 9850, lo: 9742, hi: 9958},
		rows: []stripRow{
			{label: "baseline", class: "dot-base", values: []float64{9850, 9790, 9905, 9771, 9930}, titles: []string{"baseline run 1: 9.85k req/s"}, median: 9850},
			{label: "head", class: "dot-head", values: []float64{9790, 9700, 9688, 9802, 9760, 9790}, median: 9775},
		},
	})
	golden(t, "svg_strip.golden", []byte(got))
}

// Without a baseline there is no band, and a band with infinite bounds (too few samples)
// is not shaded.
func TestStripChartWithoutBand(t *testing.T) {
	head := stripRow{label: "head", class: "dot-head", values: []float64{1.3, 1.32, 1.35}, median: 1.32}
	for _, b := range []*band{nil, {median: 1.3, lo: math.Inf(-1), hi: math.Inf(1)}} {
		got := stripChart(strip{unit: "ms", rows: []stripRow{head}, band: b})
		if strings.Contains(got, `class="band"`) {
			t.Errorf("band %v shaded:\n%s", b, got)
		}
		if n := strings.Count(got, "<circle"); n != 3 {
			t.Errorf("%d dots, want 3", n)
		}
		if !strings.Contains(got, `class="mark-head"`) {
			t.Errorf("no head median mark")
		}
	}
}

func TestSeriesChartGolden(t *testing.T) {
	nan := math.NaN()
	runs := [][]float64{
		{7800, 9790, 9820, 9750, 9810, 9800, 9770, 9790},
		{7900, 9700, nan, 9720, nan, 9690, 9740, 9710}, // a second alone between gaps: a dot
		{8100, 9850, 9880, 9860, 9830, 9870, 9840, 9860},
	}
	golden(t, "svg_series.golden", []byte(seriesChart(runs, "req/s", "throughput per second, scenario db")))
}
