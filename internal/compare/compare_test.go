package compare

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// spread is ten distinct values around v (±0.45 %), so every test sees a little noise.
func spread(v float64) []float64 { return repeatSpread(v, 0.001) }

// quiet is a scenario's gated metrics with little noise and no errors.
func quiet() samples {
	return samples{metric.Throughput: spread(1000), metric.P99: spread(50), metric.ErrorRate: repeat(0, 10)}
}

// with is s with metric name's samples replaced.
func with(s samples, name string, xs []float64) samples {
	out := samples{}
	for k, v := range s {
		out[k] = v
	}
	out[name] = xs
	return out
}

func TestCompareLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	noisyBase, noisyHead := stack(rng, 10, 1000, 50, 0, 0.03), stack(rng, 10, 1000, 50, 0, 0.03)
	tests := []struct {
		name       string
		base, head samples
		metric     string // the metric to check in scenario "db"
		want       Level  // its level (and the verdict's)
		improved   bool
		reason     string // part of the metric's reason
	}{
		{
			name: "same distribution: pass", base: noisyBase, head: noisyHead,
			metric: metric.P99, want: Pass, reason: "no significant change",
		},
		{
			// Any increase of the error rate is beyond its tolerance of 0 points.
			name: "error rate already noisy, a little higher: pass, not significant",
			base: with(quiet(), metric.ErrorRate, spread(1)), head: with(quiet(), metric.ErrorRate, scaled(spread(1), 1.001)),
			metric: metric.ErrorRate, want: Pass, reason: "error_rate +0.00 points (1.00 % → 1.00 %, p=0.",
		},
		{
			name: "new errors in a few runs, not significant: inconclusive",
			base: quiet(), head: with(quiet(), metric.ErrorRate, []float64{0, 0, 0, 0, 0, 0.2, 0.3, 0.1, 0.4, 0.2}),
			metric: metric.ErrorRate, want: Inconclusive, reason: "beyond the fail tolerance 0 points but not significant",
		},
		{
			name: "p99 20 % worse, clearly: fail", base: quiet(), head: with(quiet(), metric.P99, scaled(spread(50), 1.2)),
			metric: metric.P99, want: Fail, reason: "p99 +20.0 % (p=0.0000054, fail tolerance 10 %)",
		},
		{
			name: "p99 2 % worse, significant, inside the warn tolerance: pass",
			base: with(quiet(), metric.P99, repeatSpread(50, 0.001)), head: with(quiet(), metric.P99, repeatSpread(51, 0.001)),
			metric: metric.P99, want: Pass, reason: "changed, within the warn tolerance 3 %",
		},
		{
			name: "throughput 3.5 % worse, significant: warn",
			base: with(quiet(), metric.Throughput, repeatSpread(1000, 0.001)), head: with(quiet(), metric.Throughput, repeatSpread(965, 0.001)),
			metric: metric.Throughput, want: Warn, reason: "throughput −3.5 % (p=0.0000054, beyond the warn tolerance 1 %)",
		},
		{
			name: "p99 15 % worse but very noisy: inconclusive",
			base: with(quiet(), metric.P99, wide(50)), head: with(quiet(), metric.P99, scaled(wide(50), 1.15)),
			metric: metric.P99, want: Inconclusive, reason: "p99 +15.0 % beyond the fail tolerance 10 % but not significant",
		},
		{
			name: "p99 7 % worse but very noisy: pass",
			base: with(quiet(), metric.P99, wide(50)), head: with(quiet(), metric.P99, scaled(wide(50), 1.07)),
			metric: metric.P99, want: Pass, reason: "p99 +7.0 % beyond the warn tolerance 3 % but not significant",
		},
		{
			name: "throughput 10 % better: pass, improved", base: quiet(), head: with(quiet(), metric.Throughput, scaled(spread(1000), 1.1)),
			metric: metric.Throughput, want: Pass, improved: true, reason: "throughput +10.0 % (improved, p=0.0000054)",
		},
		{
			name: "p99 halved: pass, improved", base: quiet(), head: with(quiet(), metric.P99, scaled(spread(50), 0.5)),
			metric: metric.P99, want: Pass, improved: true, reason: "p99 −50.0 % (improved",
		},
		{
			name: "errors in every head run where there were none: fail",
			base: quiet(), head: with(quiet(), metric.ErrorRate, []float64{0.5, 0.51, 0.52, 0.52, 0.52, 0.52, 0.53, 0.54, 0.55, 0.49}),
			metric: metric.ErrorRate, want: Fail, reason: "error_rate +0.52 points (0.00 % → 0.52 %, p=0.0000054, fail tolerance 0 points)",
		},
		{
			name:   "every sample equal on both sides: pass",
			base:   samples{metric.Throughput: repeat(1000, 10), metric.P99: repeat(50, 10), metric.ErrorRate: repeat(0, 10)},
			head:   samples{metric.Throughput: repeat(1000, 10), metric.P99: repeat(50, 10), metric.ErrorRate: repeat(0, 10)},
			metric: metric.P99, want: Pass, reason: "p99 +0.0 % (all runs equal, no change)",
		},
		{
			name: "an ungated metric much worse: pass",
			base: with(quiet(), metric.P50, spread(20)), head: with(quiet(), metric.P50, scaled(spread(20), 1.5)),
			metric: metric.P50, want: Pass, reason: "p50 +50.0 % (p=0.0000054, significant, not gated)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Compare(Input{Base: newResult(scenario{"db", tt.base}), Head: newResult(scenario{"db", tt.head})}, defaultRules())
			mv := findMetric(v, "db", tt.metric)
			if mv == nil {
				t.Fatalf("no verdict for %s: %+v", tt.metric, v)
			}
			if mv.Level != tt.want || v.Level != tt.want {
				t.Errorf("level %s (verdict %s), want %s: %s", mv.Level, v.Level, tt.want, mv.Reason)
			}
			if mv.Improved != tt.improved {
				t.Errorf("improved %v, want %v: %s", mv.Improved, tt.improved, mv.Reason)
			}
			// The verdict carries the p-value of the improvement its reason quotes.
			if tt.improved && (mv.PImproved <= 0 || !strings.Contains(mv.Reason, "improved, p="+formatP(mv.PImproved))) {
				t.Errorf("p_improved %g does not match the reason %q", mv.PImproved, mv.Reason)
			}
			if mv.Change*map[string]float64{BetterHigher: -1, BetterLower: 1}[mv.Better] >= 0 && mv.PImproved != 0 {
				t.Errorf("p_improved %g for a change in the bad direction", mv.PImproved)
			}
			if !strings.Contains(mv.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", mv.Reason, tt.reason)
			}
			if mv.Better == BetterInfo || mv.Head.N != 10 || mv.Baseline.N != 10 {
				t.Errorf("metric verdict incomplete: %+v", mv)
			}
		})
	}
}

// repeatSpread is ten values around v within ±rel·4.5.
func repeatSpread(v, rel float64) []float64 {
	xs := make([]float64, 10)
	for i := range xs {
		xs[i] = v * (1 + (float64(i)-4.5)*rel)
	}
	return xs
}

// wide is ten values around v spread over ±45 %.
func wide(v float64) []float64 { return repeatSpread(v, 0.1) }

func TestCompareSetsDirectionAndTolerance(t *testing.T) {
	v := Compare(Input{Base: newResult(scenario{"db", quiet()}), Head: newResult(scenario{"db", quiet()})}, defaultRules())
	tp, er := findMetric(v, "db", metric.Throughput), findMetric(v, "db", metric.ErrorRate)
	if tp.Better != BetterHigher || tp.Unit != "req/s" || tp.Tolerance != (Tolerance{Warn: 1, Fail: 5}) || !tp.Gated || tp.Absolute {
		t.Errorf("throughput: %+v", tp)
	}
	if er.Better != BetterLower || !er.Absolute || er.Tolerance != (Tolerance{}) || !er.Gated {
		t.Errorf("error rate: %+v", er)
	}
	if v.Gated != 3 || v.Alpha != config.DefaultAlpha || v.Mode != ModeBaseline || v.Schema != VerdictSchema || v.Suite != "demo" {
		t.Errorf("verdict header: %+v", v)
	}
	if v.Level != Pass || v.Reason != "3 gated metrics within tolerance" {
		t.Errorf("verdict %s %q", v.Level, v.Reason)
	}
}

func TestTooFewRuns(t *testing.T) {
	three := func(s samples) samples {
		out := samples{}
		for k, xs := range s {
			out[k] = xs[:3]
		}
		return out
	}
	base := three(quiet())
	head := three(with(quiet(), metric.P99, scaled(spread(50), 2)))
	v := Compare(Input{Base: newResult(scenario{"db", base}), Head: newResult(scenario{"db", head})}, defaultRules())
	if v.Level != Inconclusive {
		t.Fatalf("level %s, want inconclusive: %s", v.Level, v.Reason)
	}
	const why = "3 baseline and 3 head runs can never reach p ≤ 0.0033; use at least 6 runs"
	for _, mv := range v.Scenarios[0].Metrics {
		if mv.Gated && (mv.Level != Inconclusive || !strings.Contains(mv.Reason, why)) {
			t.Errorf("%s: %s %q", mv.Metric, mv.Level, mv.Reason)
		}
	}
	if !slices.Contains(v.Warnings, "scenario db: "+why) {
		t.Errorf("warnings %q", v.Warnings)
	}
}

func TestTooFewRunsNeverFails(t *testing.T) {
	for n := 1; n <= 3; n++ {
		base := samples{metric.P99: repeatSpread(50, 0.01)[:n]}
		head := samples{metric.P99: repeatSpread(500, 0.01)[:n]}
		v := Compare(Input{Base: newResult(scenario{"db", base}), Head: newResult(scenario{"db", head})}, defaultRules())
		if v.Level != Inconclusive {
			t.Errorf("n=%d: level %s, want inconclusive: %s", n, v.Level, v.Reason)
		}
	}
}

func TestComparability(t *testing.T) {
	tests := []struct {
		name          string
		change        func(head *result.Result)
		rules         func(*Rules)
		want          Level // scenario db's level, and the verdict's unless verdict is set
		verdict       Level
		notComparable string // part of a NotComparable entry ("" none)
		reason        string // part of scenario db's reason
		warning       string // part of a warning ("" none)
	}{
		{
			name: "suite definition changed", change: func(h *result.Result) { setDefinition(h, "load.duration", `"20s"`) },
			want: Inconclusive, notComparable: `definition: load.duration: "10s" → "20s"`,
			reason: `not comparable: the definition changed: load.duration: "10s" → "20s"`,
		},
		{
			name: "definition changed, allowed", change: func(h *result.Result) { setDefinition(h, "load.duration", `"20s"`) },
			rules: func(r *Rules) { r.AllowDefinitionChange = true },
			want:  Pass, reason: "within tolerance", warning: `compared although the definition changed: load.duration: "10s" → "20s"`,
		},
		{
			name: "scenario's own setting changed", change: func(h *result.Result) { setDefinition(h, "scenario.db.rate", "2000") },
			want: Inconclusive, reason: "not comparable: the definition changed: scenario.db.rate: 1000 → 2000",
		},
		{
			name: "another scenario's setting changed", change: func(h *result.Result) { setDefinition(h, "scenario.json.rate", "2000") },
			want: Pass, verdict: Inconclusive, reason: "within tolerance",
		},
		{
			name: "hash differs, no stored definition", change: func(h *result.Result) { h.Definition = nil; h.DefinitionHash = "sha256:new" },
			want: Inconclusive, notComparable: "definition: definition hash: sha256:", reason: "→ sha256:new",
		},
		{
			name: "other CPU", change: func(h *result.Result) { h.Fingerprint.CPUModel = "Intel Xeon E-2388G" },
			want: Inconclusive, notComparable: "machine: CPU model: AMD EPYC 7302P → Intel Xeon E-2388G",
			reason: "not comparable: measured on another machine",
		},
		{
			name: "other runner", change: func(h *result.Result) { h.Fingerprint.Runner = "bench-2" },
			want: Inconclusive, notComparable: "machine: runner: bench-1 → bench-2",
		},
		{
			name: "fewer CPUs", change: func(h *result.Result) { h.Fingerprint.LogicalCPUs = 16 },
			want: Inconclusive, notComparable: "machine: logical CPUs: 32 → 16",
		},
		{
			name: "memory 5 % smaller", change: func(h *result.Result) { h.Fingerprint.MemoryBytes = h.Fingerprint.MemoryBytes / 100 * 95 },
			want: Inconclusive, notComparable: "machine: memory: 64.0 GiB → 60.8 GiB",
		},
		{
			name: "memory 1 % smaller is the same machine", change: func(h *result.Result) { h.Fingerprint.MemoryBytes = h.Fingerprint.MemoryBytes / 100 * 99 },
			want: Pass,
		},
		{
			name: "other machine, allowed", change: func(h *result.Result) { h.Fingerprint.Runner = "bench-2" },
			rules: func(r *Rules) { r.AllowOtherMachine = true },
			want:  Pass, warning: "compared although the machine differs from the baseline's (runner: bench-1 → bench-2)",
		},
		{
			name: "newer kernel: warning only", change: func(h *result.Result) { h.Fingerprint.Kernel = "6.8.0" },
			want: Pass, warning: "the machine changed since the baseline: kernel: 6.1.0-18-amd64 → 6.8.0",
		},
		{
			name: "governor, turbo, PostgreSQL: warnings only", change: func(h *result.Result) {
				h.Fingerprint.Governor, h.Fingerprint.Turbo, h.Fingerprint.PostgreSQL = "powersave", "on", "16.2"
			},
			want: Pass, warning: "CPU governor: performance → powersave",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := newResult(scenario{"db", quiet()}, scenario{"json", quiet()})
			head := newResult(scenario{"db", quiet()}, scenario{"json", quiet()})
			tt.change(head)
			rules := defaultRules()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			v := Compare(Input{Base: base, Head: head}, rules)
			db := findScenario(v, "db")
			if tt.verdict == "" {
				tt.verdict = tt.want
			}
			if db.Level != tt.want || v.Level != tt.verdict {
				t.Errorf("level %s (verdict %s), want %s (%s): %s", db.Level, v.Level, tt.want, tt.verdict, db.Reason)
			}
			if !strings.Contains(db.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", db.Reason, tt.reason)
			}
			if !containsPart(v.NotComparable, tt.notComparable) {
				t.Errorf("not comparable %q, want %q", v.NotComparable, tt.notComparable)
			}
			if !containsPart(v.Warnings, tt.warning) {
				t.Errorf("warnings %q, want %q", v.Warnings, tt.warning)
			}
			if tt.notComparable != "" && !strings.HasPrefix(v.Reason, "not comparable: ") {
				t.Errorf("verdict reason %q", v.Reason)
			}
		})
	}
}

// containsPart reports whether some entry contains part; "" means: no entries at all.
func containsPart(entries []string, part string) bool {
	if part == "" {
		return len(entries) == 0
	}
	return slices.ContainsFunc(entries, func(e string) bool { return strings.Contains(e, part) })
}

func setDefinition(r *result.Result, key, value string) {
	d := config.Definition{}
	for k, v := range r.Definition {
		d[k] = v
	}
	d[key] = value
	r.Definition, r.DefinitionHash = d, d.Hash()
}

func TestScenariosOnOneSideOnly(t *testing.T) {
	base := newResult(scenario{"db", quiet()}, scenario{"gone", quiet()})
	head := newResult(scenario{"db", quiet()}, scenario{"new", quiet()})
	v := Compare(Input{Base: base, Head: head}, defaultRules())
	if s := findScenario(v, "new"); s.Level != Inconclusive || s.Reason != "no baseline for this scenario" {
		t.Errorf("new scenario: %s %q", s.Level, s.Reason)
	}
	const gone = "scenario gone is in the baseline but was not measured: " + DefaultRemovedHint
	if s := findScenario(v, "gone"); s == nil || s.Level != Inconclusive || s.Reason != gone {
		t.Errorf("gone scenario: %+v", s)
	}
	if v.Level != Inconclusive || v.Reason != "new: no baseline for this scenario; 1 more inconclusive" {
		t.Errorf("verdict %s %q", v.Level, v.Reason)
	}
	if v.Gated != 3 {
		t.Errorf("gated %d, want 3 (only db is compared)", v.Gated)
	}
}

// A scenario of the baseline that the head does not measure is never pass: a change must
// not pass by dropping the scenario that regressed. It is inconclusive by default, and what
// the rules say on pull requests; one shard of a matrix only answers for its own scenarios.
func TestRemovedScenarioNeverPasses(t *testing.T) {
	regressed := with(quiet(), metric.Throughput, scaled(spread(1000), 0.5))
	base := newResult(scenario{"db", quiet()}, scenario{"json", quiet()})
	tests := []struct {
		name   string
		head   *result.Result
		rules  Rules
		want   Level
		reason string
	}{
		{
			name:  "removed from the suite, locally: inconclusive",
			head:  headWithout(newResult(scenario{"db", quiet()}, scenario{"json", regressed}), "json"),
			rules: defaultRules(), want: Inconclusive,
			reason: "json: scenario json is in the baseline but was removed from the suite: " + DefaultRemovedHint,
		},
		{
			name: "removed on a pull request: fail",
			head: headWithout(newResult(scenario{"db", quiet()}, scenario{"json", regressed}), "json"),
			rules: func() Rules {
				r := defaultRules()
				r.Removed = Removed{Level: Fail, Hint: "record a baseline on the default branch first, or accept with the label"}
				return r
			}(),
			want:   Fail,
			reason: "json: scenario json is in the baseline but was removed from the suite: record a baseline on the default branch first, or accept with the label",
		},
		{
			name:   "an older result that does not list its suite: not measured",
			head:   newResult(scenario{"db", quiet()}),
			rules:  defaultRules(),
			want:   Inconclusive,
			reason: "json: scenario json is in the baseline but was not measured: " + DefaultRemovedHint,
		},
		{
			name: "one shard of a matrix: only its scenarios",
			head: func() *result.Result {
				r := newResult(scenario{"db", quiet()})
				r.Shard, r.AllScenarios = "1/2", []string{"db", "json"}
				return r
			}(),
			rules: defaultRules(), want: Pass, reason: "3 gated metrics within tolerance",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Compare(Input{Base: base, Head: tt.head}, tt.rules)
			if v.Level != tt.want || v.Reason != tt.reason {
				t.Errorf("verdict %s %q, want %s %q", v.Level, v.Reason, tt.want, tt.reason)
			}
		})
	}
}

// headWithout is r, as a suite that no longer has scenario name would have measured it.
func headWithout(r *result.Result, name string) *result.Result {
	r.Scenarios = slices.DeleteFunc(r.Scenarios, func(s result.Scenario) bool { return s.Name == name })
	for _, s := range r.Scenarios {
		r.AllScenarios = append(r.AllScenarios, s.Name)
	}
	return r
}

func TestUnmeasuredIsAnError(t *testing.T) {
	t.Run("incomplete head", func(t *testing.T) {
		head := newResult(scenario{"db", quiet()})
		head.Complete, head.Error = false, "stack: process app exited with status 2 during run 3 of db"
		v := Compare(Input{Base: newResult(scenario{"db", quiet()}), Head: head}, defaultRules())
		if v.Level != Error || v.Reason != head.Error {
			t.Errorf("verdict %s %q", v.Level, v.Reason)
		}
	})
	t.Run("no valid run", func(t *testing.T) {
		head := newResult(scenario{"db", quiet()})
		for i := range head.Scenarios[0].Runs {
			head.Scenarios[0].Runs[i].Invalid = []string{"the load generator saturated"}
		}
		v := Compare(Input{Base: newResult(scenario{"db", quiet()}), Head: head}, defaultRules())
		if s := findScenario(v, "db"); v.Level != Error || s.Level != Error || s.Reason != "not measured: no valid run (the load generator saturated)" {
			t.Errorf("verdict %s, scenario %s %q", v.Level, s.Level, s.Reason)
		}
	})
	t.Run("a gated metric missing", func(t *testing.T) {
		head := newResult(scenario{"db", samples{metric.Throughput: spread(1000), metric.ErrorRate: repeat(0, 10)}})
		v := Compare(Input{Base: newResult(scenario{"db", quiet()}), Head: head}, defaultRules())
		if mv := findMetric(v, "db", metric.P99); mv.Level != Inconclusive || mv.Reason != "p99 not measured in the head runs" {
			t.Errorf("p99: %s %q", mv.Level, mv.Reason)
		}
	})
	t.Run("no head", func(t *testing.T) {
		if v := Compare(Input{Base: newResult(scenario{"db", quiet()})}, defaultRules()); v.Level != Error {
			t.Errorf("verdict %s %q", v.Level, v.Reason)
		}
	})
}

func TestNoBaseline(t *testing.T) {
	head := newResult(scenario{"db", quiet()}, scenario{"json", quiet()})
	v := Compare(Input{Head: head, Mode: ModeAB}, defaultRules())
	if v.Level != Inconclusive || v.Reason != NoBaselineReason || v.Mode != ModeNone || v.Baseline != nil {
		t.Errorf("verdict %s %q mode %q", v.Level, v.Reason, v.Mode)
	}
	if len(v.Scenarios) != 2 {
		t.Fatalf("%d scenarios, want both listed", len(v.Scenarios))
	}
	mv := findMetric(v, "json", metric.P99)
	if mv.Head.N != 10 || mv.Head.Median != 50 || mv.Baseline.N != 0 || mv.Reason != "p99 50.0 ms (no baseline)" {
		t.Errorf("p99: %+v", mv)
	}
}

// TestHolm checks the step-down thresholds α/m, α/(m−1)… in p order and that the
// procedure stops at the first metric that misses its threshold, even when a later one
// would be below its own.
func TestHolm(t *testing.T) {
	const m = 15
	var baseScs, headScs []scenario
	for i := range 5 {
		name := string(rune('a' + i))
		base, head := quiet(), quiet()
		switch name {
		case "a": // separated: p = 1/C(20,10)
			head = with(head, metric.P99, scaled(spread(50), 2))
		case "b", "c": // ten inversions: p = 139/184756 ≈ 0.00075, between α/14 and α/13
			head = with(head, metric.P99, inversions(10))
			base = with(base, metric.P99, ranks())
		}
		baseScs = append(baseScs, scenario{name, base})
		headScs = append(headScs, scenario{name, head})
	}
	for _, stage := range []Stage{{Alpha: 0.01}, {Alpha: 0.01, Bonferroni: true}} {
		v := CompareStage(Input{Base: newResult(baseScs...), Head: newResult(headScs...)}, defaultRules(), stage)
		if v.Gated != m {
			t.Fatalf("gated %d, want %d", v.Gated, m)
		}
		var gated []MetricVerdict
		for _, sc := range v.Scenarios {
			for _, mv := range sc.Metrics {
				if mv.Gated {
					gated = append(gated, mv)
				}
			}
		}
		slices.SortStableFunc(gated, func(x, y MetricVerdict) int { return cmpFloat(x.P, y.P) })
		for i, mv := range gated {
			want := 0.01 / float64(m-i)
			if stage.Bonferroni {
				want = 0.01 / m
			}
			if !near(mv.Threshold, want) {
				t.Errorf("bonferroni %v: rank %d threshold %v, want %v", stage.Bonferroni, i, mv.Threshold, want)
			}
		}
		b, c := findMetric(v, "b", metric.P99), findMetric(v, "c", metric.P99)
		if !findMetric(v, "a", metric.P99).Significant || b.Significant || c.Significant {
			t.Errorf("bonferroni %v: significant a, b, c = true, %v, %v", stage.Bonferroni, b.Significant, c.Significant)
		}
		if !stage.Bonferroni && !(c.P <= c.Threshold || b.P <= b.Threshold) {
			t.Errorf("the case does not test the stop: b p=%v thr=%v, c p=%v thr=%v", b.P, b.Threshold, c.P, c.Threshold)
		}
		if b.Level != Inconclusive || findScenario(v, "a").Level != Fail {
			t.Errorf("levels: b %s (%s), a %s", b.Level, b.Reason, findScenario(v, "a").Level)
		}
	}
}

// ranks is 100..109.
func ranks() []float64 {
	xs := make([]float64, 10)
	for i := range xs {
		xs[i] = 100 + float64(i)
	}
	return xs
}

// inversions is ten values above ranks() except the smallest, which lies below k of them.
func inversions(k int) []float64 {
	xs := make([]float64, 10)
	for i := range xs {
		xs[i] = 200 + float64(i)
	}
	xs[0] = 100 + float64(10-k) - 0.5
	return xs
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestGatingFollowsRules(t *testing.T) {
	base := newResult(scenario{"db", with(quiet(), metric.P50, spread(20))})
	head := newResult(scenario{"db", with(with(quiet(), metric.P50, scaled(spread(20), 1.5)), metric.P99, scaled(spread(50), 1.5))})
	on, off, tight, noDrift := true, false, 60.0, 0.0
	rules := RulesFromConfig(config.Gate{Alpha: 0.01, Drift: &noDrift, Metrics: map[string]config.MetricRule{
		metric.P50: {Gate: &on}, metric.P99: {Fail: &tight, Warn: &tight}, metric.Throughput: {Gate: &off},
	}})
	v := Compare(Input{Base: base, Head: head}, rules)
	if mv := findMetric(v, "db", metric.P50); mv.Level != Fail || !mv.Gated {
		t.Errorf("p50 gated by the rules: %s %q", mv.Level, mv.Reason)
	}
	if mv := findMetric(v, "db", metric.P99); mv.Level != Pass || mv.Reason != "p99 +50.0 % (p=0.0000054, changed, within the warn tolerance 60 %)" {
		t.Errorf("p99 with a 60 %% tolerance: %s %q", mv.Level, mv.Reason)
	}
	if mv := findMetric(v, "db", metric.Throughput); mv.Gated || mv.Threshold != 0 {
		t.Errorf("throughput ungated by the rules: %+v", mv)
	}
	if v.Gated != 3 {
		t.Errorf("gated %d, want 3 (p50, p99, error rate)", v.Gated)
	}
}

func TestRulesFromConfig(t *testing.T) {
	r := RulesFromConfig(config.Gate{})
	if r.Alpha != config.DefaultAlpha || len(r.Metrics) != len(metric.All) {
		t.Fatalf("defaults: %+v", r)
	}
	for _, m := range metric.All {
		got := r.Metrics[m.Name]
		if got.Gated != m.Gated || got.Tolerance != (Tolerance{m.Tolerance.Warn, m.Tolerance.Fail}) {
			t.Errorf("%s: %+v, want the catalogue's", m.Name, got)
		}
	}
	warn := 1.5
	r = RulesFromConfig(config.Gate{Alpha: 0.05, Metrics: map[string]config.MetricRule{metric.P99: {Warn: &warn}}})
	if r.Alpha != 0.05 || r.Metrics[metric.P99] != (Rule{Gated: true, Tolerance: Tolerance{Warn: 1.5, Fail: 10}}) {
		t.Errorf("overrides: %+v", r)
	}
}

func TestDrift(t *testing.T) {
	base := newResult(scenario{"db", quiet()})
	head := newResult(scenario{"db", with(quiet(), metric.P99, scaled(spread(50), 1.03))})
	history := []HistoryPoint{
		{Recorded: testStart.AddDate(0, -3, 0), Revision: "old", DefinitionHash: "sha256:other", Medians: map[string]map[string]float64{"db": {metric.P99: 20}}},
		{Recorded: testStart.AddDate(0, -2, 0), Revision: "r1", DefinitionHash: testDefinitionHash, Medians: map[string]map[string]float64{"db": {metric.P99: 40}}},
		{Recorded: testStart.AddDate(0, -1, 0), Revision: "r2", DefinitionHash: testDefinitionHash, Medians: map[string]map[string]float64{"db": {metric.P99: 45}}},
		{Recorded: testStart, Revision: "abc123", DefinitionHash: testDefinitionHash, Medians: map[string]map[string]float64{"db": {metric.P99: 50}}},
	}
	v := Compare(Input{Base: base, Head: head, History: history}, defaultRules())
	d := findMetric(v, "db", metric.P99).Drift
	if d == nil || d.Revision != "r1" || d.Baselines != 3 || !near(d.Change, 51.5/40-1) || !d.Since.Equal(history[1].Recorded) || !d.Creep {
		t.Fatalf("drift %+v: p99 +29 %% over 3 baselines is creep beyond the warn tolerance", d)
	}
	only := Compare(Input{Base: base, Head: head, History: history[3:]}, defaultRules())
	if d := findMetric(only, "db", metric.P99).Drift; d != nil {
		t.Errorf("drift against the baseline itself: %+v", d)
	}
	if findMetric(v, "db", metric.P99).Level != Pass {
		t.Errorf("drift changed the level")
	}
	if findMetric(v, "db", metric.Throughput).Drift != nil {
		t.Errorf("drift of a metric without history")
	}
	if v := Compare(Input{Base: base, Head: head}, defaultRules()); findMetric(v, "db", metric.P99).Drift != nil {
		t.Errorf("drift without history")
	}
}

func TestVerdictReasonCountsTheRest(t *testing.T) {
	worse := with(with(quiet(), metric.P99, scaled(spread(50), 1.182)), metric.Throughput, scaled(spread(1000), 0.969))
	base := newResult(scenario{"json", quiet()}, scenario{"db", quiet()}, scenario{"new", quiet()})
	base.Scenarios = base.Scenarios[:2]
	head := newResult(scenario{"json", quiet()}, scenario{"db", worse}, scenario{"new", quiet()})
	v := Compare(Input{Base: base, Head: head}, defaultRules())
	const want = "db p99 +18.2 % (p=0.0000054, fail tolerance 10 %); 1 more regression; 1 inconclusive"
	if v.Level != Fail || v.Reason != want {
		t.Errorf("verdict %s %q\nwant %q", v.Level, v.Reason, want)
	}
	if s := findScenario(v, "db"); s.Reason != "p99 +18.2 % (p=0.0000054, fail tolerance 10 %); 1 more regression" {
		t.Errorf("scenario reason %q", s.Reason)
	}
	if s := findScenario(v, "json"); s.Level != Pass || s.Reason != "3 gated metrics within tolerance" {
		t.Errorf("json: %s %q", s.Level, s.Reason)
	}
}

func TestReasons(t *testing.T) {
	tests := []struct {
		name   string
		head   samples
		metric string
		want   string
	}{
		{"fail", with(quiet(), metric.P99, scaled(spread(50), 1.182)), metric.P99, "p99 +18.2 % (p=0.0000054, fail tolerance 10 %)"},
		{"warn", with(quiet(), metric.Throughput, scaled(spread(1000), 0.969)), metric.Throughput, "throughput −3.1 % (p=0.0000054, beyond the warn tolerance 1 %)"},
		{"improved", with(quiet(), metric.Throughput, scaled(spread(1000), 1.084)), metric.Throughput, "throughput +8.4 % (improved, p=0.0000054)"},
		{"no change", quiet(), metric.P99, "p99 +0.0 % (p=0.53, no significant change)"},
		{"inconclusive", with(quiet(), metric.P99, scaled(spread(50), 1.14)), metric.P99, "p99 +14.0 % beyond the fail tolerance 10 % but not significant (p=0.2, needed ≤ 0.0033)"},
		{"from zero", with(quiet(), metric.Throughput, repeat(0, 10)), metric.Throughput, "throughput −100.0 % (p=0.0000054, fail tolerance 5 %)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := quiet()
			if tt.name == "inconclusive" {
				base = with(base, metric.P99, wide(50))
				tt.head = with(tt.head, metric.P99, scaled(wide(50), 1.14))
			}
			v := Compare(Input{Base: newResult(scenario{"db", base}), Head: newResult(scenario{"db", tt.head})}, defaultRules())
			if got := findMetric(v, "db", tt.metric).Reason; got != tt.want {
				t.Errorf("reason\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestChangeFromZero(t *testing.T) {
	base := newResult(scenario{"db", with(quiet(), metric.P999, repeat(0, 10))})
	head := newResult(scenario{"db", with(quiet(), metric.P999, spread(3.2))})
	v := Compare(Input{Base: base, Head: head}, defaultRules())
	mv := findMetric(v, "db", metric.P999)
	if mv.Change <= 0 || !strings.HasPrefix(mv.Reason, "p999 from 0 to 3.20 ms (") {
		t.Errorf("change %v, reason %q", mv.Change, mv.Reason)
	}
}

// A variable the stack inherits that differs from the baseline's (a stray DB_SLEEP on one
// runner) is a warning naming it; the comparison stands.
func TestEnvironmentDifferenceWarns(t *testing.T) {
	base, head := newResult(scenario{"db", quiet()}), newResult(scenario{"db", quiet()})
	base.Environment = map[string]string{"PATH": "/usr/bin", "GOGC": "100", "OLD": "x"}
	head.Environment = map[string]string{"PATH": "/usr/bin", "GOGC": "50", "DB_SLEEP": "0.02"}
	v := Compare(Input{Base: base, Head: head}, defaultRules())
	const want = `the environment the stack inherits differs from the baseline's: GOGC "100" → "50"; OLD removed (was "x"); DB_SLEEP added ("0.02")`
	if v.Level != Pass || !slices.Contains(v.Warnings, want) {
		t.Errorf("verdict %s, warnings %q", v.Level, v.Warnings)
	}
	// The same environment, or one side without a record (an older file): no warning.
	head.Environment = base.Environment
	if v := Compare(Input{Base: base, Head: head}, defaultRules()); len(v.Warnings) != 0 {
		t.Errorf("warnings %q", v.Warnings)
	}
	base.Environment = nil
	if v := Compare(Input{Base: base, Head: head}, defaultRules()); len(v.Warnings) != 0 {
		t.Errorf("warnings %q", v.Warnings)
	}
}
