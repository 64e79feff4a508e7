package compare

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
)

// drifting is n runs of a machine whose speed wanders between ABBA blocks (±25 %, as a
// shared VM's neighbours come and go) around mean, with a little noise within a pair:
// block drifts are the same for both sides when the same rng seed draws them.
func drifting(seed uint64, n int, mean float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = mean * (1 + 0.25*(2*rng.Float64()-1))
	}
	return xs
}

// jitter multiplies every value by its own factor within ±spread.
func jitter(seed uint64, xs []float64, spread float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * (1 + spread*(2*rng.Float64()-1))
	}
	return out
}

func abInput(base, head samples) Input {
	return Input{Base: newResult(scenario{"db", base}), Head: newResult(scenario{"db", head}), Mode: ModeAB}
}

// In A/B mode each head run is judged against the base run measured beside it: a 4 %
// throughput drop that the machine's drift between blocks (±25 %) hides from the unpaired
// test is a regression, and the change is the median pair's.
func TestPairedRunsSeeThroughDrift(t *testing.T) {
	level := drifting(1, 12, 10000)
	base := samples{metric.Throughput: jitter(10, level, 0.005), metric.ErrorRate: repeat(0, 12)}
	head := samples{metric.Throughput: scaled(jitter(11, level, 0.005), 0.96), metric.ErrorRate: repeat(0, 12)}

	v := Compare(abInput(base, head), defaultRules())
	mv := findMetric(v, "db", metric.Throughput)
	if mv.Pairs != 12 || !mv.Significant || (mv.Level != Warn && mv.Level != Fail) {
		t.Fatalf("paired: pairs %d, significant %v, level %s (%s); want 12 pairs, a significant regression", mv.Pairs, mv.Significant, mv.Level, mv.Reason)
	}
	if math.Abs(mv.Change-(-0.04)) > 0.01 {
		t.Errorf("change %.4f, want the pairs' −4 %% (±1 point)", mv.Change)
	}
	if want := "12 pairs, p="; !strings.Contains(mv.Reason, want) {
		t.Errorf("reason %q does not say it was paired (%q)", mv.Reason, want)
	}

	unpaired := Compare(Input{Base: abInput(base, head).Base, Head: abInput(base, head).Head}, defaultRules())
	if u := findMetric(unpaired, "db", metric.Throughput); u.Pairs != 0 || u.Significant {
		t.Errorf("against a stored baseline the runs are not pairs: pairs %d, significant %v (p=%g)", u.Pairs, u.Significant, u.P)
	}
}

// Unchanged code under the same drift: the pairs centre on 0 and nothing is flagged, in
// either direction.
func TestPairedRunsUnchangedPass(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		level := drifting(seed, 12, 10000)
		base := samples{metric.Throughput: jitter(seed*100, level, 0.01), metric.P99: jitter(seed*100+1, level, 0.02)}
		head := samples{metric.Throughput: jitter(seed*100+2, level, 0.01), metric.P99: jitter(seed*100+3, level, 0.02)}
		v := Compare(abInput(base, head), defaultRules())
		for _, name := range []string{metric.Throughput, metric.P99} {
			mv := findMetric(v, "db", name)
			if mv.Pairs != 12 || mv.Level != Pass || mv.Improved {
				t.Errorf("seed %d %s: pairs %d, level %s, improved %v (%s)", seed, name, mv.Pairs, mv.Level, mv.Improved, mv.Reason)
			}
		}
	}
}

// The pairs' test is chosen from the design, never from the outcome: only when its
// smallest p (2^-n for n pairs) can reach the family's smallest threshold; else the
// unpaired test decides. A run invalid on either side leaves its pair out.
func TestPairsChosenByDesign(t *testing.T) {
	level := drifting(3, 12, 10000)
	cases := []struct {
		name      string
		runs      int
		alpha     float64
		invalid   int // run number invalid on the base side (0: none)
		wantPairs int
	}{
		{"12 pairs reach α/3", 12, 0.01, 0, 12},
		{"7 pairs cannot reach 0.01/3 (2^-7 = 0.0078)", 7, 0.01, 0, 0},
		{"7 pairs reach 0.05/3", 7, 0.05, 0, 7},
		{"an invalid base run leaves its pair out", 12, 0.01, 5, 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := stack(rand.New(rand.NewPCG(1, 1)), c.runs, 1, 1, 0.1, 0.02)
			base[metric.Throughput] = level[:c.runs]
			head := stack(rand.New(rand.NewPCG(2, 1)), c.runs, 1, 1, 0.1, 0.02)
			head[metric.Throughput] = scaled(level[:c.runs], 0.9)
			in := abInput(base, head)
			if c.invalid > 0 {
				in.Base.Scenarios[0].Runs[c.invalid-1].Invalid = []string{"checks failed"}
			}
			v := Compare(in, RulesFromConfig(config.Gate{Alpha: c.alpha}))
			mv := findMetric(v, "db", metric.Throughput)
			if mv.Pairs != c.wantPairs {
				t.Errorf("pairs %d, want %d (p=%g, %s)", mv.Pairs, c.wantPairs, mv.P, mv.Reason)
			}
			if er := findMetric(v, "db", metric.ErrorRate); er.Pairs != 0 {
				t.Errorf("the error rate (absolute, pooled) must never be paired: %d pairs", er.Pairs)
			}
		})
	}
}

// An improvement seen in every pair is an improvement; a metric that is not gated (info)
// is tested both ways.
func TestPairedImprovementAndInfo(t *testing.T) {
	level := drifting(4, 12, 10000)
	base := samples{metric.Throughput: level, "custom_ratio": level}
	head := samples{metric.Throughput: scaled(level, 1.05), "custom_ratio": scaled(level, 0.9)}
	v := Compare(abInput(base, head), defaultRules())
	if mv := findMetric(v, "db", metric.Throughput); !mv.Improved || mv.Level != Pass || mv.Pairs != 12 {
		t.Errorf("throughput +5 %% in every pair: improved %v, level %s, pairs %d (%s)", mv.Improved, mv.Level, mv.Pairs, mv.Reason)
	}
	if mv := findMetric(v, "db", "custom_ratio"); !mv.Significant || mv.Better != BetterInfo || math.Abs(mv.P-2*math.Exp2(-12)) > 1e-12 {
		t.Errorf("info metric −10 %% in every pair: significant %v, p %g (want two-sided 2·2^-12)", mv.Significant, mv.P)
	}
}
