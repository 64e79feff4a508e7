package doctor

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// withCV returns n values with mean m and a coefficient of variation of exactly cv.
func withCV(n int, m, cv float64) []float64 {
	z := make([]float64, n)
	for i := range z {
		z[i] = float64(i) - float64(n-1)/2 // symmetric, mean 0
	}
	sd := compare.StdDev(z)
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = m * (1 + cv*z[i]/sd)
	}
	return xs
}

// series is an A/A result: per scenario, metric → one value per run.
func series(scenarios map[string]map[string][]float64, order ...string) *result.Result {
	r := &result.Result{Suite: "demo", Profile: config.ProfileFull, Complete: true}
	for _, name := range order {
		sc := result.Scenario{Name: name}
		for metricName, xs := range scenarios[name] {
			for i, x := range xs {
				for len(sc.Runs) <= i {
					sc.Runs = append(sc.Runs, result.Run{Run: len(sc.Runs) + 1, Metrics: map[string]float64{}})
				}
				sc.Runs[i].Metrics[metricName] = x
			}
		}
		r.Scenarios = append(r.Scenarios, sc)
	}
	return r
}

func defaultRules() compare.Rules { return compare.RulesFromConfig(config.Gate{Alpha: 0.01}) }

func findMetric(t *testing.T, r *NoiseReport, scenario, name string) NoiseMetric {
	t.Helper()
	for _, sc := range r.Scenarios {
		for _, m := range sc.Metrics {
			if sc.Name == scenario && m.Metric == name {
				return m
			}
		}
	}
	t.Fatalf("no %s %s in the report", scenario, name)
	return NoiseMetric{}
}

// TestNoiseOfTheSelfChecksSuite feeds Noise the self-check's world — 5 scenarios with
// 3 % noise on the three gated metrics, 12 runs, confirmation up to 24 — and expects its
// answer: about 5 % for throughput.
func TestNoiseOfTheSelfChecksSuite(t *testing.T) {
	scenarios := map[string]map[string][]float64{}
	names := []string{"s1", "s2", "s3", "s4", "s5"}
	for _, name := range names {
		scenarios[name] = map[string][]float64{
			metric.Throughput: withCV(12, 1000, 0.03),
			metric.P99:        withCV(12, 50, 0.03),
			metric.ErrorRate:  make([]float64, 12),
		}
	}
	r := Noise(series(scenarios, names...), NoiseOptions{Rules: defaultRules(), Runs: 12, MaxRuns: 24, Target: 10})
	if r.Gated != 15 || r.Measured != 12 || r.Threshold != 0.01/2/15 || r.ConfirmThreshold != 0.01/2/15 {
		t.Errorf("gate modelled as %d gated, %d runs, thresholds %g and %g; want 15, 12, α/(2m) twice",
			r.Gated, r.Measured, r.Threshold, r.ConfirmThreshold)
	}
	tp := findMetric(t, r, "s3", metric.Throughput)
	if math.Abs(tp.Noise-3) > 1e-9 || tp.Detectable < 4.6 || tp.Detectable > 5.2 {
		t.Errorf("throughput: noise %.3f %%, detectable %.2f %%; want 3 %% and about 5 %%", tp.Noise, tp.Detectable)
	}
	if tp.Flags != tp.Detectable || tp.Target != 10 || tp.RunsNeeded == 0 || tp.RunsNeeded >= 12 || tp.Assessment != Loose && tp.Assessment != Theatre {
		t.Errorf("throughput: flags %.2f, target %.2f, runs needed %d, %s; want flags = detectable, 10 %% in fewer than 12 runs, not real",
			tp.Flags, tp.Target, tp.RunsNeeded, tp.Assessment)
	}
	errs := findMetric(t, r, "s1", metric.ErrorRate)
	if errs.Detectable != 0 || errs.Flags != 0 || errs.Assessment != Real || errs.RunsNeeded != 7 {
		t.Errorf("error rate without errors: %+v; want any new error detected, from 7 runs", errs)
	}
	if r.RunsForTarget != 0 && r.RunsForTarget < tp.RunsNeeded {
		t.Errorf("runs for target %d is less than throughput's %d", r.RunsForTarget, tp.RunsNeeded)
	}
}

func TestNoiseRows(t *testing.T) {
	scenarios := map[string]map[string][]float64{
		"json": {
			metric.Throughput:   withCV(7, 20000, 0.003),
			metric.P99:          withCV(7, 2, 0.40),
			metric.P50:          withCV(7, 1, 0.05),
			metric.ErrorRate:    {0, 0, 0.1, 0, 0, 0.2, 0},
			metric.SessionsPeak: {4, 4, 4, 4, 4, 4, 4},
		},
		"db": {metric.Throughput: {900, 1000}},
	}
	r := Noise(series(scenarios, "json", "db"), NoiseOptions{Rules: defaultRules(), Runs: 7, MaxRuns: 7, Target: 5, Trials: testTrials})
	if r.Gated != 4 || r.Threshold != 0.01/4 || r.ConfirmThreshold != 0 {
		t.Errorf("%d gated, threshold %g, confirmation %g; want 4, α/4, none", r.Gated, r.Threshold, r.ConfirmThreshold)
	}
	var got []string
	for _, m := range r.Scenarios[0].Metrics {
		got = append(got, m.Metric)
	}
	if strings.Join(got, " ") != "throughput error_rate p50 p99" {
		t.Errorf("json's metrics %v: want the catalogue's order without info metrics", got)
	}
	cases := []struct {
		scenario, metric string
		check            func(m NoiseMetric) bool
		want             string
	}{
		{"json", metric.Throughput, func(m NoiseMetric) bool {
			return m.Assessment == Real && m.Target == 5 && m.RunsNeeded > 0 && m.RunsNeeded <= 7
		},
			"0.3 % noise: a real 1 % gate, 5 % within the runs"},
		{"json", metric.P99, func(m NoiseMetric) bool {
			return m.Assessment == Theatre && m.Detectable > m.Tolerance.Fail && m.RunsNeeded == 0
		},
			"40 % noise: theatre, no runs reach 5 %"},
		{"json", metric.ErrorRate, func(m NoiseMetric) bool {
			return m.Absolute && math.Abs(m.Noise-compare.StdDev([]float64{0, 0, 0.1, 0, 0, 0.2, 0})) < 1e-12 && m.Target == 0 && m.RunsNeeded == 0 && m.Assessment == Theatre
		}, "noise in points; a zero tolerance with noise is never detectable"},
		{"json", metric.P50, func(m NoiseMetric) bool {
			return !m.Gated && math.IsNaN(m.Detectable) && m.Assessment == "" && math.Abs(m.CV-0.05) < 1e-12
		},
			"not gated: variation only"},
		{"db", metric.Throughput, func(m NoiseMetric) bool { return m.N == 2 && math.IsNaN(m.CV) && math.IsNaN(m.Detectable) },
			"two runs: noise unknown"},
	}
	for _, c := range cases {
		if m := findMetric(t, r, c.scenario, c.metric); !c.check(m) {
			t.Errorf("%s %s: %+v; want %s", c.scenario, c.metric, m, c.want)
		}
	}
	if r.RunsForTarget == 0 || strings.Join(r.OutOfReach, ", ") != "json error_rate, json p99" {
		t.Errorf("runs for target %d, out of reach %v: want throughput's runs, and p99 and the error rate out of reach", r.RunsForTarget, r.OutOfReach)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "scenario db: fewer than 3 valid runs") {
		t.Errorf("warnings %q: want one about db's two runs", r.Warnings)
	}
}

func TestNoiseJSON(t *testing.T) {
	scenarios := map[string]map[string][]float64{"json": {
		metric.Throughput: withCV(5, 1000, 0.02),
		metric.P50:        withCV(5, 1, 0.02),
	}}
	// 5 runs at α 0.01 over 1 gated metric: the exact test cannot reach 0.01 (1/252 can,
	// but the gate runs 3).
	r := Noise(series(scenarios, "json"), NoiseOptions{Rules: defaultRules(), Runs: 3, Trials: testTrials})
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Scenarios []struct {
			Metrics []map[string]any `json:"metrics"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	tp, p50 := back.Scenarios[0].Metrics[0], back.Scenarios[0].Metrics[1]
	if tp["detectable"] != nil || tp["flags"] != nil || tp["cv"] == nil || tp["assessment"] != Theatre {
		t.Errorf("throughput %v: an undetectable regression is null, the cv a number", tp)
	}
	if p50["detectable"] != nil || p50["gated"] != false {
		t.Errorf("p50 %v: not gated, detectable null", p50)
	}
}
