package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// The results below are synthetic but shaped like real ones, and agree with the verdict
// they are rendered with: every run has its metric samples spread around the verdict's
// medians, a latency histogram (a log-normal body with the side's p50 and p99 and a slow
// tail) and per-second series. Everything is computed, nothing is random, so the report is
// the same every time.

// spread places the samples of a side around its median, in half-widths of its interval.
var spread = []float64{0, -0.6, 0.5, -0.2, 0.9, -1.1, 0.3, 0.7, -0.4, 1.3, -0.8, 0.1, -1.4, 0.6, -0.1, 1.0}

// sample is the i-th run's value of a metric summarised by s.
func sample(s compare.Summary, i int) float64 {
	half := 0.03 * s.Median // too few samples for an interval
	if !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
		half = 1.5 * (s.Hi - s.Lo) / 2
	}
	return math.Max(0, s.Median+spread[i%len(spread)]*half)
}

// shape is how one side of a scenario behaves, from the verdict's medians.
type shape struct {
	throughput, p50, p99 float64 // req/s, ms, ms
	p99Series            bool    // the per-second series carry p99
}

func shapeOf(sc compare.ScenarioVerdict, side func(compare.MetricVerdict) compare.Summary) shape {
	s := shape{throughput: 1000, p50: 1, p99: 4, p99Series: true}
	for _, m := range sc.Metrics {
		if sum := side(m); sum.N > 0 {
			switch m.Metric {
			case metric.Throughput:
				s.throughput = sum.Median
			case metric.P50:
				s.p50 = sum.Median
			case metric.P99:
				s.p99 = sum.Median
			}
		}
	}
	return s
}

// histograms caches the encoded histograms of the fixtures: encoding is what makes them slow.
var histograms sync.Map // histogramKey → string

type histogramKey struct {
	p50, p99 float64
	run      int
}

// latencyHistogram records a log-normal body with the shape's p50 and p99 and a tail up
// to three times p99 beyond the 99th percentile, shifted a little per run.
func latencyHistogram(t testing.TB, s shape, run int) string {
	key := histogramKey{s.p50, s.p99, run}
	if enc, ok := histograms.Load(key); ok {
		return enc.(string)
	}
	h := hdrhistogram.New(1, 100_000_000, 3)
	const points = 4000
	sigma := math.Log(s.p99/s.p50) / 2.326
	shift := 1 + 0.02*math.Sin(float64(run))
	for i := range points {
		u := (float64(i) + 0.5) / points
		ms := s.p50 * shift * math.Exp(sigma*math.Sqrt2*math.Erfinv(2*u-1))
		if u > 0.99 {
			ms *= 1 + 2*(u-0.99)/0.01
		}
		if err := h.RecordValues(int64(ms*1000), 5); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := result.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	histograms.Store(key, enc)
	return enc
}

// seconds of a synthetic phase: a slower first second, then a plateau with a wobble.
func seconds(s shape, run, n int) []result.Second {
	out := make([]result.Second, n)
	for i := range out {
		level := s.throughput * (1 + 0.03*math.Sin(float64(i+3*run)/2))
		if i == 0 {
			level *= 0.8
		}
		out[i] = result.Second{Requests: int64(level)}
		if s.p99Series {
			out[i].P50 = s.p50 * (1 + 0.05*math.Cos(float64(i+run)))
			out[i].P99 = s.p99 * (1 + 0.15*math.Sin(float64(i*run+1)))
		}
	}
	out[n/2].Errors = int64(run % 2) // an error now and then
	return out
}

// sideResult is one side of v as a result: per scenario as many runs as the side's
// summaries count.
func sideResult(t testing.TB, v *compare.Verdict, s compare.Side, side func(compare.MetricVerdict) compare.Summary) *result.Result {
	r := &result.Result{
		Schema: result.Schema, Tool: "stackgate v0.9.0 (go1.26.0)", Suite: v.Suite, Profile: s.Profile, DefinitionHash: s.DefinitionHash,
		Fingerprint: result.Fingerprint{Runner: s.Runner, CPUModel: "AMD EPYC 7443P 24-Core Processor", LogicalCPUs: 48, MemoryBytes: 128 << 30},
		Git:         result.Git{Revision: s.Revision, Dirty: s.Dirty}, Started: s.Started, Finished: s.Started.Add(40 * time.Minute), Complete: true,
	}
	for _, sc := range v.Scenarios {
		sh := shapeOf(sc, side)
		rs := result.Scenario{Name: sc.Name}
		runs := 0
		for _, m := range sc.Metrics {
			runs = max(runs, side(m).N)
		}
		for i := range runs {
			run := result.Run{
				Run: i + 1, Seq: i + 1, Metrics: map[string]float64{},
				Throughput: result.Phase{Connections: 64, Seconds: 20, Series: seconds(sh, i+1, 20)},
				Latency: result.Phase{Connections: 64, Rate: math.Round(sh.throughput / 2), Seconds: 20,
					Histogram: latencyHistogram(t, sh, i+1), Series: seconds(sh, i+1, 20)},
			}
			for _, m := range sc.Metrics {
				if s := side(m); i < s.N {
					run.Metrics[m.Metric] = sample(s, i)
				}
			}
			rs.Runs = append(rs.Runs, run)
		}
		r.Scenarios = append(r.Scenarios, rs)
	}
	return r
}

// resultsFor builds the head and base results behind v (base is nil without a baseline).
func resultsFor(t testing.TB, v *compare.Verdict) (head, base *result.Result) {
	head = sideResult(t, v, v.Head, func(m compare.MetricVerdict) compare.Summary { return m.Head })
	if v.Baseline != nil {
		base = sideResult(t, v, *v.Baseline, func(m compare.MetricVerdict) compare.Summary { return m.Baseline })
	}
	return head, base
}

// failingResults are the head and baseline results behind failingVerdict.
func failingResults(t testing.TB) (head, base *result.Result) { return resultsFor(t, failingVerdict()) }

func renderHTML(t *testing.T, v *compare.Verdict, head, base *result.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, v, head, base); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The whole page, for a failing comparison with full results on both sides and for a
// first run without baseline whose results carry neither histograms nor series.
func TestHTML(t *testing.T) {
	head, base := failingResults(t)
	got := renderHTML(t, failingVerdict(), head, base)
	golden(t, "html_fail.golden", []byte(got))

	bare, _ := resultsFor(t, noBaselineVerdict())
	stripRaw(bare)
	golden(t, "html_no_baseline.golden", []byte(renderHTML(t, noBaselineVerdict(), bare, nil)))
}

// stripRaw drops histograms and series, as from a result of an older stackgate.
func stripRaw(r *result.Result) {
	for i := range r.Scenarios {
		for j := range r.Scenarios[i].Runs {
			run := &r.Scenarios[i].Runs[j]
			run.Latency.Histogram, run.Latency.Series, run.Throughput.Series = "", nil, nil
		}
	}
}

var svgElement = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// Every chart is well-formed XML; what the charts need is there: per scenario one
// spectrum with both sides, two per-second charts, a dot chart per gated metric.
func TestHTMLCharts(t *testing.T) {
	head, base := failingResults(t)
	got := renderHTML(t, failingVerdict(), head, base)
	svgs := svgElement.FindAllString(got, -1)
	if want := 3 * (1 + 3 + 2); len(svgs) != want {
		t.Fatalf("%d charts, want %d", len(svgs), want)
	}
	for _, s := range svgs {
		if err := wellFormed(s); err != nil {
			t.Errorf("chart is not well-formed XML: %v\n%.300s", err, s)
		}
	}
	spectrum := svgs[6] // db: spectrum first
	if !strings.Contains(spectrum, `class="line-base"`) || !strings.Contains(spectrum, `class="line-head"`) || !strings.Contains(spectrum, ">99.9%<") {
		t.Errorf("db's spectrum lacks a side or the 99.9%% tick:\n%s", spectrum)
	}
	if n := strings.Count(svgs[9], `class="dot-head"`); n != 16 {
		t.Errorf("db throughput: %d head dots, want 16 (one per run)", n)
	}
	if n := strings.Count(svgs[9], `class="dot-base"`); n != 10 {
		t.Errorf("db throughput: %d baseline dots, want 10", n)
	}
	if !strings.Contains(svgs[9], `class="band"`) {
		t.Error("db throughput: no baseline band")
	}
	if n := strings.Count(svgs[7], `<polyline class="line-run"`); n != 16 {
		t.Errorf("db throughput per second: %d run lines, want 16", n)
	}
}

func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// A chart without its data becomes a sentence saying why; the others stay.
func TestHTMLDegrades(t *testing.T) {
	fromBaselineFile := func(t *testing.T, base *result.Result) *result.Result {
		b, err := baseline.FromResult(base, baselineStarted, "refstack.raw.json")
		if err != nil {
			t.Fatal(err)
		}
		return b.Result()
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T, head, base *result.Result) (h, b *result.Result)
		want    []string
		charts  int // SVG charts left
	}{
		{"baseline file: samples but no histograms",
			func(t *testing.T, head, base *result.Result) (*result.Result, *result.Result) {
				return head, fromBaselineFile(t, base)
			},
			[]string{"the baseline holds per-run samples only (its histograms are in the baseline&#39;s raw sidecar), so only head is drawn"}, 18},
		{"no head result",
			func(t *testing.T, head, base *result.Result) (*result.Result, *result.Result) { return nil, base },
			[]string{"The head&#39;s runs carry no latency histograms", "carry no per-second series"}, 9},
		{"series without p99",
			func(t *testing.T, head, base *result.Result) (*result.Result, *result.Result) {
				for i := range head.Scenarios {
					for j := range head.Scenarios[i].Runs {
						for k := range head.Scenarios[i].Runs[j].Latency.Series {
							head.Scenarios[i].Runs[j].Latency.Series[k].P99 = 0
						}
					}
				}
				return head, base
			},
			[]string{"The head&#39;s runs carry no per-second p99"}, 15},
		{"one-second phases (a quick run)",
			func(t *testing.T, head, base *result.Result) (*result.Result, *result.Result) {
				for i := range head.Scenarios {
					for j := range head.Scenarios[i].Runs {
						run := &head.Scenarios[i].Runs[j]
						run.Throughput.Series, run.Latency.Series = run.Throughput.Series[:1], run.Latency.Series[:1]
					}
				}
				return head, base
			},
			[]string{"too short to show throughput and latency over time"}, 12},
		{"corrupt histogram",
			func(t *testing.T, head, base *result.Result) (*result.Result, *result.Result) {
				head.Scenarios[1].Runs[2].Latency.Histogram = "HISTFAAA-not-a-histogram"
				return head, base
			},
			[]string{"The head&#39;s latency histograms could not be read (run 3: decoding histogram"}, 17},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head, base := failingResults(t)
			h, b := c.prepare(t, head, base)
			got := renderHTML(t, failingVerdict(), h, b)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q", w)
				}
			}
			if n := len(svgElement.FindAllString(got, -1)); n != c.charts {
				t.Errorf("%d charts, want %d", n, c.charts)
			}
			// A quick run's phases are too short for charts over time: one note says so,
			// not an empty box per scenario and chart.
			if n := strings.Count(got, "lasted one second"); n > 0 {
				t.Errorf("%d boxes say a phase lasted one second", n)
			}
		})
	}
}

// Strings stackgate does not control cannot inject markup anywhere in the page, charts
// included.
func TestHTMLEscapesUserStrings(t *testing.T) {
	const evil = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&\u202e\x1b[31m"
	head, base := failingResults(t)
	v := failingVerdict()
	v.Suite, v.Reason = evil, evil
	v.Warnings, v.NotComparable = []string{evil}, []string{evil}
	v.Head.Revision = evil
	for i := range v.Scenarios {
		sc := &v.Scenarios[i]
		name := evil + sc.Name
		head.Scenarios[i].Name, base.Scenarios[i].Name, sc.Name = name, name, name
		sc.Reason = evil
		for j := range sc.Metrics {
			sc.Metrics[j].Reason = evil
		}
	}
	head.Tool, head.Fingerprint.CPUModel, head.Fingerprint.Runner = evil, evil, evil
	got := renderHTML(t, v, head, base)
	for _, bad := range []string{"<script", "<img", "\u202e", "\x1b"} {
		if strings.Contains(got, bad) {
			i := strings.Index(got, bad)
			t.Errorf("%q survived: …%s…", bad, got[max(0, i-200):min(len(got), i+100)])
		}
	}
	for _, s := range svgElement.FindAllString(got, -1) {
		if err := wellFormed(s); err != nil {
			t.Errorf("chart is not well-formed XML: %v", err)
		}
	}
}

// The page stands alone: no script, no style sheet, image, font or frame from elsewhere.
func TestHTMLSelfContained(t *testing.T) {
	head, base := failingResults(t)
	got := renderHTML(t, failingVerdict(), head, base)
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script`), regexp.MustCompile(`(?i)<link`), regexp.MustCompile(`(?i)<i?frame`),
		regexp.MustCompile(`(?i)<img`), regexp.MustCompile(`(?i)\bsrc=`), regexp.MustCompile(`(?i)url\(`),
		regexp.MustCompile(`(?i)@import`), regexp.MustCompile(`(?i)href="[^#]`),
	} {
		if loc := bad.FindStringIndex(got); loc != nil {
			t.Errorf("%s at …%s…", bad, got[max(0, loc[0]-80):min(len(got), loc[1]+80)])
		}
	}
	if !strings.Contains(got, "prefers-color-scheme: dark") {
		t.Error("no dark mode")
	}
}
