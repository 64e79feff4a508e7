package result

import (
	"math"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	valid := func() map[string]float64 { return map[string]float64{"throughput": 100, "error_rate": 0, "p99": 2} }
	cases := []struct {
		name    string
		metrics map[string]float64
		invalid bool // the run is flagged invalid (e.g. the generator saturated)
		counts  *Counts
		want    string // "" = accepted
	}{
		{"a measured run", valid(), false, &Counts{Requests: 10, Errors: 1}, ""},
		{"zero error rate and latency", map[string]float64{"throughput": 1, "error_rate": 0, "p99": 0}, false, nil, ""},
		{"zero throughput", map[string]float64{"throughput": 0, "error_rate": 100, "p99": 2}, false, nil, `metric "throughput": 0`},
		{"negative latency", map[string]float64{"throughput": 1, "error_rate": 0, "p99": -1}, false, nil, `metric "p99": -1 is negative`},
		{"negative resource metric", map[string]float64{"throughput": 1, "error_rate": 0, "p99": 1, "rss_peak": -5}, false, nil, `metric "rss_peak"`},
		{"memory that shrank", map[string]float64{"throughput": 1, "error_rate": 0, "p99": 1, "rss_growth": -35.9, "cpu_per_req": -0.1}, false, nil, ""},
		{"a metric this stackgate does not know", map[string]float64{"throughput": 1, "error_rate": 0, "p99": 1, "future": -1}, false, nil, ""},
		{"not a number", map[string]float64{"throughput": math.NaN(), "error_rate": 0, "p99": 1}, false, nil, `metric "throughput": NaN`},
		{"infinite", map[string]float64{"throughput": 1, "error_rate": 0, "p99": math.Inf(1)}, false, nil, `metric "p99": +Inf`},
		{"error rate above 100", map[string]float64{"throughput": 1, "error_rate": 101, "p99": 1}, false, nil, `metric "error_rate": 101%`},
		{"gated metric missing", map[string]float64{"throughput": 1, "p99": 1}, false, nil, `metric "error_rate": missing`},
		{"an invalid run may lack metrics", map[string]float64{"throughput": 0}, true, nil, ""},
		{"but not have impossible ones", map[string]float64{"throughput": -1}, true, nil, `metric "throughput": -1 is negative`},
		{"more errors than requests", valid(), false, &Counts{Requests: 1, Errors: 2}, "counts: 2 errors of 1 requests"},
		{"negative counts", valid(), false, &Counts{Requests: -1}, "counts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := Run{Run: 3, Metrics: c.metrics, Counts: c.counts}
			if c.invalid {
				run.Invalid = []string{"generator saturated"}
			}
			r := &Result{Scenarios: []Scenario{{Name: "db", Runs: []Run{run}}}}
			err := r.Check()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `scenario "db", run 3`)):
				t.Fatalf("error %v, want one naming scenario, run and %q", err, c.want)
			}
		})
	}
}
