package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// SelfCheckRuns is the smallest number of runs per side for which the gate, with its
// default rules and the confirmation stage, meets the self-check's targets (see
// TestSelfCheck and BenchmarkSelfCheckTable: 11 runs give 74 % for a 5 % regression).
// It is the default number of runs, config.DefaultRuns.
const SelfCheckRuns = config.DefaultRuns

// Targets of the self-check.
const (
	maxFalseAlarms  = 0.01 // A/A: share of invocations with any warn or fail
	minPowerFail10  = 0.90 // throughput 10 % worse: share where it fails
	minPowerWarn5   = 0.80 // throughput 5 % worse: share where it at least warns
	selfCheckNoise  = 0.03 // run-to-run noise of every metric: normal, sd 3 % of the mean
	selfCheckSeed   = 20250301
	selfCheckTarget = "s1" // the scenario whose metric regresses in A/B invocations
)

// The simulated suite: 5 scenarios, each with the three default-gated metrics (15 gated
// metrics in all), every one with 3 % normal run-to-run noise.
var selfCheckMeans = map[string]float64{metric.Throughput: 1000, metric.P99: 50, metric.ErrorRate: 1}

var selfCheckScenarios = []string{"s1", "s2", "s3", "s4", "s5"}

// effect is a regression of one metric of the target scenario: its mean times factor.
// noErrors makes every error rate 0 (no noise), as on a healthy stack.
type effect struct {
	name     string
	metric   string
	factor   float64
	noErrors bool
}

var (
	aa           = effect{name: "A/A"}
	aaNoErrors   = effect{name: "A/A without errors", noErrors: true}
	throughput10 = effect{name: "throughput −10 %", metric: metric.Throughput, factor: 0.90}
	throughput5  = effect{name: "throughput −5 %", metric: metric.Throughput, factor: 0.95}
	p99plus10    = effect{name: "p99 +10 %", metric: metric.P99, factor: 1.10}
	p99plus20    = effect{name: "p99 +20 %", metric: metric.P99, factor: 1.20}
)

// outcome is what a set of simulated invocations showed.
type outcome struct {
	trials       int
	alarms       int // any warn or fail in the invocation
	inconclusive int // invocation level inconclusive
	confirmed    int // invocations that ran the confirmation stage
	targetFail   int // the regressed metric failed
	targetWarn   int // the regressed metric warned (not failed)
}

func (o outcome) rate(n int) float64 { return float64(n) / float64(o.trials) }

// simulate runs trials gate invocations with n runs per side (max runs 2n) and the effect.
func simulate(n, trials int, e effect) outcome {
	o := outcome{trials: trials}
	rules := defaultRules()
	first, second := Stages(rules.Alpha)
	for trial := range trials {
		rng := rand.New(rand.NewPCG(selfCheckSeed, uint64(trial)))
		base := simulatedResult(rng, n, effect{noErrors: e.noErrors})
		head := simulatedResult(rng, n, e)
		in := Input{Base: base, Head: head}
		v := CompareStage(in, rules, first)
		if again := NeedsConfirmation(v); len(again) > 0 {
			o.confirmed++
			in.Head = extended(rng, head, again, n, e)
			v = Merge(v, CompareStage(in, rules, second), Confirmation{Scenarios: again, AddedRuns: n, StageAlpha: second.Alpha})
		}
		o.count(v, e)
	}
	return o
}

func (o *outcome) count(v *Verdict, e effect) {
	if v.Level == Warn || v.Level == Fail {
		o.alarms++
	}
	if v.Level == Inconclusive {
		o.inconclusive++
	}
	if e.metric == "" {
		return
	}
	switch findMetric(v, selfCheckTarget, e.metric).Level {
	case Fail:
		o.targetFail++
	case Warn:
		o.targetWarn++
	}
}

// simulatedResult draws n runs of every scenario.
func simulatedResult(rng *rand.Rand, n int, e effect) *result.Result {
	var scs []scenario
	for _, name := range selfCheckScenarios {
		scs = append(scs, scenario{name, simulatedSamples(rng, n, name, e)})
	}
	return newResult(scs...)
}

func simulatedSamples(rng *rand.Rand, n int, sc string, e effect) samples {
	s := samples{}
	for _, m := range []string{metric.Throughput, metric.P99, metric.ErrorRate} {
		mean := selfCheckMeans[m]
		if sc == selfCheckTarget && m == e.metric {
			mean *= e.factor
		}
		s[m] = normal(rng, n, mean, selfCheckNoise)
		if m == metric.ErrorRate && e.noErrors {
			s[m] = repeat(0, n)
		}
	}
	return s
}

// extended is head with n more runs of the scenarios named.
func extended(rng *rand.Rand, head *result.Result, names []string, n int, e effect) *result.Result {
	out := *head
	out.Scenarios = append([]result.Scenario(nil), head.Scenarios...)
	for i, sc := range out.Scenarios {
		if !contains(names, sc.Name) {
			continue
		}
		more := newScenario(scenario{sc.Name, simulatedSamples(rng, n, sc.Name, e)})
		for j := range more.Runs {
			more.Runs[j].Run += len(sc.Runs)
		}
		out.Scenarios[i].Runs = append(append([]result.Run(nil), sc.Runs...), more.Runs...)
	}
	return &out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// margin is the half-width of a one-sided 95 % normal-approximation bound on a share r
// measured in trials invocations.
func margin(r float64, trials int) float64 {
	return 1.645 * math.Sqrt(math.Max(r*(1-r), 1.0/float64(trials))/float64(trials))
}

// selfCheckTrials is how many invocations each part of TestSelfCheck simulates. With the
// full counts the measured shares are asserted as they are: at SelfCheckRuns the expected
// shares are 0.6 % (A/A, binomial sd 0.17 points at 2000 trials), about 100 % (throughput
// −10 %) and 81.5 % (throughput −5 %, sd 0.7 points at 3000 trials). Short mode and the
// race detector (6 times slower) use fewer trials and fail only when a share misses its
// target by more than its 95 % margin.
func selfCheckTrials() (aa, fail10, warn5 int, exact bool) {
	if testing.Short() {
		return 500, 100, 500, false
	}
	return 2000, 400, 3000, true
}

// TestSelfCheck simulates gate invocations of a 15-metric suite at SelfCheckRuns runs per
// side, with the default rules and the confirmation stage, and asserts the targets: at
// most 1 % of invocations with a warn or fail when nothing changed, at least 90 % fails for
// a 10 % throughput regression, at least 80 % warns or fails for a 5 % one.
func TestSelfCheck(t *testing.T) {
	aaTrials, fail10Trials, warn5Trials, exact := selfCheckTrials()
	n := SelfCheckRuns
	check := func(t *testing.T, what string, r float64, trials int, target float64, atMost bool) {
		t.Helper()
		m := margin(r, trials)
		t.Logf("n=%d: %s %.2f %% ± %.2f (%d trials)", n, what, 100*r, 100*m, trials)
		if exact {
			m = 0
		}
		if atMost && r-m > target || !atMost && r+m < target {
			t.Errorf("%s: %.2f %% misses the target %.0f %%", what, 100*r, 100*target)
		}
	}
	t.Run("A/A", func(t *testing.T) {
		t.Parallel()
		o := simulate(n, aaTrials, aa)
		t.Logf("inconclusive %.1f %%, confirmation ran in %.1f %%", 100*o.rate(o.inconclusive), 100*o.rate(o.confirmed))
		check(t, "false alarms", o.rate(o.alarms), o.trials, maxFalseAlarms, true)
	})
	t.Run("throughput −10 %", func(t *testing.T) {
		t.Parallel()
		o := simulate(n, fail10Trials, throughput10)
		check(t, "fail", o.rate(o.targetFail), o.trials, minPowerFail10, false)
	})
	t.Run("throughput −5 %", func(t *testing.T) {
		t.Parallel()
		o := simulate(n, warn5Trials, throughput5)
		check(t, "warn or fail", o.rate(o.targetFail+o.targetWarn), o.trials, minPowerWarn5, false)
	})
}

// BenchmarkSelfCheckTable prints the self-check's rates for several run counts, the data
// behind SelfCheckRuns. It takes minutes:
//
//	go test ./internal/compare -run '^$' -bench SelfCheckTable -benchtime 1x
func BenchmarkSelfCheckTable(b *testing.B) {
	for range b.N {
		selfCheckTable(b)
	}
}

func selfCheckTable(t testing.TB) {
	const aaTrials, abTrials = 4000, 1000
	var out strings.Builder
	row := func(cells ...string) {
		for _, c := range cells {
			fmt.Fprintf(&out, "%-11s", c)
		}
		out.WriteString("\n")
	}
	out.WriteString("\nshare of invocations (A/A: level warn or fail, or inconclusive; A/B: level of the regressed metric)\n")
	row("n", "A/A alarm", "A/A inc.", "A/A conf.", "A/A0 alarm", "A/A0 inc.", "A/A0 conf.", "tp−10 F", "tp−5 W+F", "p99+10 F", "p99+10 W+F", "p99+20 F")
	for _, n := range []int{8, 10, 12, 15, 20} {
		a := simulate(n, aaTrials, aa)
		a0 := simulate(n, aaTrials, aaNoErrors)
		t10 := simulate(n, abTrials, throughput10)
		t5 := simulate(n, abTrials, throughput5)
		p10 := simulate(n, abTrials, p99plus10)
		p20 := simulate(n, abTrials, p99plus20)
		pct := func(o outcome, k int) string { return fmt.Sprintf("%.2f%%", 100*o.rate(k)) }
		row(fmt.Sprint(n), pct(a, a.alarms), pct(a, a.inconclusive), pct(a, a.confirmed),
			pct(a0, a0.alarms), pct(a0, a0.inconclusive), pct(a0, a0.confirmed),
			pct(t10, t10.targetFail), pct(t5, t5.targetFail+t5.targetWarn),
			pct(p10, p10.targetFail), pct(p10, p10.targetFail+p10.targetWarn), pct(p20, p20.targetFail))
	}
	out.WriteString("A/A0: A/A with every error rate 0 (no error noise)\n")
	t.Log(out.String())
}
