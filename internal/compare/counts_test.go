package compare

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

func TestFisherGreater(t *testing.T) {
	tests := []struct {
		name       string
		a, n, b, m int64
		want       float64
	}{
		{"no failures anywhere", 0, 1000, 0, 1000, 1},
		// Fisher's tea tasting: 3 of 4 against 1 of 4 is 17/70.
		{"tea tasting", 3, 4, 1, 4, 17.0 / 70},
		{"the other direction of the same table", 1, 4, 3, 4, 69.0 / 70},
		{"one failure, equal sides: a coin toss", 1, 100000, 0, 100000, 0.5},
		{"twelve failures on one side only", 12, 100000, 0, 100000, 1 / 4096.0},
		{"all failures on the other side", 0, 500, 40, 500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fisherGreater(tt.a, tt.n, tt.b, tt.m)
			if math.Abs(got-tt.want) > 1e-3*tt.want+1e-9 {
				t.Errorf("fisherGreater(%d, %d, %d, %d) = %g, want %g", tt.a, tt.n, tt.b, tt.m, got, tt.want)
			}
		})
	}
}

// A one-sided test of large counts must agree with its normal approximation where that
// holds (many failures on both sides), including far into the tail.
func TestFisherGreaterLargeCounts(t *testing.T) {
	const n = 1_000_000
	for _, tt := range []struct{ a, b int64 }{{10_500, 10_000}, {10_300, 10_000}, {9_900, 10_000}} {
		p1, p2 := float64(tt.a)/n, float64(tt.b)/n
		pool := (p1 + p2) / 2
		z := (p1 - p2) / math.Sqrt(pool*(1-pool)*2/n)
		approx := 0.5 * math.Erfc(z/math.Sqrt2)
		got := fisherGreater(tt.a, n, tt.b, n)
		if math.Abs(math.Log(got/approx)) > 0.15 {
			t.Errorf("a=%d b=%d: p %g, normal approximation %g", tt.a, tt.b, got, approx)
		}
	}
}

// withCounts is a result of scenario db whose runs have the metrics of s and the given
// request and error counts (one per run), the error rate computed from them.
func withCounts(s samples, requests, errs []int64) *result.Result {
	s = with(s, metric.ErrorRate, nil)
	rates := make([]float64, len(requests))
	for i := range requests {
		rates[i] = 100 * float64(errs[i]) / float64(requests[i])
	}
	r := newResult(scenario{"db", with(s, metric.ErrorRate, rates)})
	for i := range r.Scenarios[0].Runs {
		r.Scenarios[0].Runs[i].Counts = &result.Counts{Requests: requests[i], Errors: errs[i]}
	}
	return r
}

func counts(n int, v int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestErrorRateOnPooledCounts(t *testing.T) {
	none := counts(12, 0)
	intermittent := counts(12, 0)
	for _, i := range []int{1, 4, 6, 9, 11} { // 5 of 12 runs, 30 % of their requests
		intermittent[i] = 3000
	}
	stray := counts(12, 0)
	stray[7] = 1
	tests := []struct {
		name       string
		base, head *result.Result
		want       Level
		reason     string
		confirm    bool // the first stage asks for confirmation runs
	}{
		{
			name: "errors in 5 of 12 runs where the baseline had none: fail",
			base: withCounts(quiet12(), counts(12, 10000), none), head: withCounts(quiet12(), counts(12, 10000), intermittent),
			want: Fail, reason: "error_rate +12.50 points (0.00 % → 12.50 % of all requests, 0 of 120000 → 15000 of 120000, p=0, fail tolerance 0 points)",
		},
		{
			name: "one stray timeout in 120 000 requests: pass",
			base: withCounts(quiet12(), counts(12, 10000), none), head: withCounts(quiet12(), counts(12, 10000), stray),
			want: Pass, reason: "error_rate +0.00 points (0.00 % → 0.00083 % of all requests, 0 of 120000 → 1 of 120000, p=0.5, no significant change)",
		},
		{
			name: "1.10 % → 2.10 % of a few requests, not significant: inconclusive and confirmed",
			base: withCounts(quiet12(), counts(12, 100), errsSummingTo(12, 13)), head: withCounts(quiet12(), counts(12, 100), errsSummingTo(12, 25)),
			want: Inconclusive, reason: "beyond the fail tolerance 0 points but not significant", confirm: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Compare(Input{Base: tt.base, Head: tt.head}, defaultRules())
			mv := findMetric(v, "db", metric.ErrorRate)
			if mv.Level != tt.want || !strings.Contains(mv.Reason, tt.reason) {
				t.Errorf("%s %q, want %s with %q", mv.Level, mv.Reason, tt.want, tt.reason)
			}
			if mv.Pooled == nil {
				t.Errorf("no pooled counts in the verdict")
			}
			first, _ := Stages(0.01)
			confirm := slices.Contains(NeedsConfirmation(CompareStage(Input{Base: tt.base, Head: tt.head}, defaultRules(), first)), "db")
			if confirm != tt.confirm {
				t.Errorf("confirmation %v, want %v", confirm, tt.confirm)
			}
		})
	}
}

// quiet12 is quiet() with twelve runs.
func quiet12() samples {
	return samples{metric.Throughput: append(spread(1000), 1000, 1000.5), metric.P99: append(spread(50), 50, 50.1)}
}

// errsSummingTo spreads total errors over n runs.
func errsSummingTo(n int, total int64) []int64 {
	out := make([]int64, n)
	for i := range total {
		out[i%int64(n)]++
	}
	return out
}

// Results without counts (older files) are judged on their run medians, as before.
func TestErrorRateWithoutCountsUsesMedians(t *testing.T) {
	base := newResult(scenario{"db", quiet()})
	head := withCounts(quiet(), counts(10, 1000), counts(10, 5))
	v := Compare(Input{Base: base, Head: head}, defaultRules())
	mv := findMetric(v, "db", metric.ErrorRate)
	if mv.Pooled != nil || mv.Level != Fail {
		t.Errorf("%s %q pooled %+v: want a fail on the medians", mv.Level, mv.Reason, mv.Pooled)
	}
}

// An absolute metric beyond its fail tolerance that the data lean towards, without being
// significant, is inconclusive and confirmed — also when the baseline's median is not 0.
func TestAbsoluteMetricBeyondToleranceIsInconclusive(t *testing.T) {
	on := true
	rules := RulesFromConfig(config.Gate{Alpha: 0.01, Metrics: map[string]config.MetricRule{metric.RSSGrowth: {Gate: &on}}})
	base := newResult(scenario{"db", with(quiet(), metric.RSSGrowth, []float64{0, 2000, 500, 3000, 1000, 2500, 1500, 200, 2800, 900})})
	head := newResult(scenario{"db", with(quiet(), metric.RSSGrowth, []float64{1100, 3100, 1600, 4100, 2100, 3600, 2600, 1300, 3900, 2000})})
	v := Compare(Input{Base: base, Head: head}, rules)
	mv := findMetric(v, "db", metric.RSSGrowth)
	if mv.Significant || mv.Level != Inconclusive || !strings.Contains(mv.Reason, "beyond the fail tolerance 1024 B/req but not significant") {
		t.Errorf("rss_growth %s %q (p=%g)", mv.Level, mv.Reason, mv.P)
	}
	first, _ := Stages(0.01)
	if got := NeedsConfirmation(CompareStage(Input{Base: base, Head: head}, rules, first)); !slices.Equal(got, []string{"db"}) {
		t.Errorf("needs confirmation %q, want [db]", got)
	}
}
