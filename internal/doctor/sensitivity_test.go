package doctor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aclements/go-moremath/stats"

	"github.com/stackgate/stackgate/internal/compare"
)

// Thresholds of the default gate on the reference suite: α 0.01 over 15 gated metrics,
// without a confirmation stage (α/m) and with one (α/(2m) per stage).
const (
	alphaOver15     = 0.01 / 15
	halfAlphaOver15 = 0.01 / 2 / 15
)

// testTrials keeps the simulations quick under the race detector.
const testTrials = 1000

// uTest is the gate's test: the one-sided Mann–Whitney p-value for "head is greater".
func uTest(t *testing.T, head, base []float64) float64 {
	t.Helper()
	res, err := stats.MannWhitneyUTest(head, base, stats.LocationGreater)
	if err != nil {
		t.Fatal(err)
	}
	return res.P
}

// pairsAbove counts the pairs where the head beats the base: the U statistic.
func pairsAbove(head, base []float64) int {
	u := 0
	for _, h := range head {
		for _, b := range base {
			if h > b {
				u++
			}
		}
	}
	return u
}

// TestCriticalUIsTheGatesDecision: for random samples, U reaching the critical value is
// exactly the gate's test reaching the threshold, in the exact and the approximate regime.
func TestCriticalUIsTheGatesDecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		n1, n2    int
		threshold float64
	}{{7, 7, 0.01 / 6}, {12, 12, halfAlphaOver15}, {12, 24, halfAlphaOver15}, {20, 20, 0.05}, {55, 55, alphaOver15}} {
		u, ok := criticalU(c.n1, c.n2, c.threshold)
		if !ok {
			t.Fatalf("%d vs %d runs at %g: no critical value", c.n1, c.n2, c.threshold)
		}
		for range 200 {
			base, head := make([]float64, c.n1), make([]float64, c.n2)
			for i := range base {
				base[i] = rng.NormFloat64()
			}
			for i := range head {
				head[i] = rng.NormFloat64() + 1.5 // near the critical value often
			}
			significant := uTest(t, head, base) <= c.threshold
			if reached := pairsAbove(head, base) >= u; reached != significant {
				t.Fatalf("%d vs %d at %g: U %d, critical %d, but p ≤ threshold is %v", c.n1, c.n2, c.threshold, pairsAbove(head, base), u, significant)
			}
		}
	}
}

// TestFloorRunsIsTheExactTestsFloor: the fewest runs are those whose smallest p-value,
// 1/C(2n, n), reaches the threshold; fewer runs detect nothing at all.
func TestFloorRunsIsTheExactTestsFloor(t *testing.T) {
	for _, c := range []struct {
		threshold float64
		runs      int
	}{
		{0.06, 3},            // 1/C(6,3) = 0.05
		{0.01 / 6, 6},        // 1/924 = 0.00108
		{0.001, 7},           // 1/924 > 0.001 ≥ 1/3432
		{alphaOver15, 7},     // the self-check: 7 runs per side for 15 gated metrics
		{halfAlphaOver15, 7}, // 1/3432 = 0.00029
		{1e-9, 17},
	} {
		s := &Sensitivity{Threshold: c.threshold, Trials: testTrials}
		if got := s.FloorRuns(); got != c.runs {
			t.Errorf("threshold %g: floor %d runs, want %d", c.threshold, got, c.runs)
		}
		if d := s.Detectable(c.runs-1, 1, 0); !math.IsInf(d, 1) {
			t.Errorf("threshold %g: %d runs detect %g, want +Inf", c.threshold, c.runs-1, d)
		}
		if d := s.Detectable(c.runs, 1, 0); math.IsInf(d, 0) || d <= 0 {
			t.Errorf("threshold %g: %d runs detect %g, want a finite shift", c.threshold, c.runs, d)
		}
	}
}

// TestShiftHasItsPower checks the estimate against the gate's test itself: shifted by
// Shift, fresh normal samples are significant in about 80 % of comparisons; shifted by
// less, clearly fewer.
func TestShiftHasItsPower(t *testing.T) {
	const n, trials = 12, 800
	s := &Sensitivity{Threshold: alphaOver15, Trials: 2000}
	shift := s.Shift(n, 0)
	power := func(shift float64) float64 {
		rng := rand.New(rand.NewPCG(7, 8)) // other draws than the estimate's
		hits := 0
		for range trials {
			base, head := make([]float64, n), make([]float64, n)
			for i := range n {
				base[i], head[i] = rng.NormFloat64(), rng.NormFloat64()+shift
			}
			if uTest(t, head, base) <= alphaOver15 {
				hits++
			}
		}
		return float64(hits) / trials
	}
	if p := power(shift); p < 0.75 || p > 0.85 {
		t.Errorf("shift %.3f σ: power %.3f, want 0.80 ± 0.05", shift, p)
	}
	if p := power(0.8 * shift); p > 0.70 {
		t.Errorf("0.8 × shift: power %.3f, want clearly below 0.80", p)
	}
}

// TestKnownSensitivities: known noise gives known answers.
func TestKnownSensitivities(t *testing.T) {
	t.Run("large samples: the normal approximation with ARE 3/π", func(t *testing.T) {
		// With 50 runs the approximation is good: δ = (z₁₋ₜ + z₀.₈)·σ·√(2π/(3n)).
		const n = 50
		s := &Sensitivity{Threshold: alphaOver15, Trials: testTrials}
		z := stats.StdNormal.InvCDF(1-alphaOver15) + stats.StdNormal.InvCDF(DefaultPower)
		want := z * math.Sqrt(2*math.Pi/(3*n))
		if got := s.Shift(n, 0); math.Abs(got/want-1) > 0.05 {
			t.Errorf("shift %.3f σ, want %.3f σ ± 5 %%", got, want)
		}
	})
	t.Run("the statistical self-check's gate", func(t *testing.T) {
		// internal/compare's self-check: 12 runs, 3 % noise, α 0.01 over 15 gated metrics,
		// confirmation up to 24 runs, throughput warn 2 %: 5 % regressions are flagged in
		// 81.5 % of invocations, so the 80 % point is just below 5 %.
		s := &Sensitivity{Threshold: halfAlphaOver15, ConfirmThreshold: halfAlphaOver15, ConfirmRatio: 1}
		if got := s.Detectable(12, 3, 2); got < 4.6 || got > 5.2 {
			t.Errorf("detectable %.2f %%, want about 5 %%", got)
		}
	})
	t.Run("noise scales the answer", func(t *testing.T) {
		s := &Sensitivity{Threshold: alphaOver15, Trials: testTrials}
		if a, b := s.Detectable(12, 2, 0), s.Detectable(12, 4, 0); math.Abs(b-2*a) > 1e-9 {
			t.Errorf("twice the noise: %g, want twice %g", b, a)
		}
		if d := s.Detectable(12, 0, 0); d != 0 {
			t.Errorf("no noise: detectable %g, want 0 (any change)", d)
		}
	})
}

// TestShiftIsMonotone: more runs detect less, a stricter threshold needs more, with and
// without a confirmation stage.
func TestShiftIsMonotone(t *testing.T) {
	for _, confirm := range []bool{false, true} {
		t.Run(map[bool]string{false: "one stage", true: "with confirmation"}[confirm], func(t *testing.T) {
			t.Parallel()
			sensitivity := func(threshold float64) *Sensitivity {
				s := &Sensitivity{Threshold: threshold, Trials: testTrials}
				if confirm {
					s.ConfirmThreshold, s.ConfirmRatio = threshold, 1
				}
				return s
			}
			s := sensitivity(alphaOver15)
			prev := math.Inf(1)
			for n := 7; n <= 24; n++ {
				got := s.Shift(n, 0.5)
				if got > prev {
					t.Errorf("%d runs detect %.4f σ, more than %d runs' %.4f σ", n, got, n-1, prev)
				}
				prev = got
			}
			prev = 0
			for _, th := range []float64{0.05, 0.01, 0.002, 0.0005, 0.0001} {
				got := sensitivity(th).Shift(12, 0.5)
				if got < prev {
					t.Errorf("threshold %g detects %.4f σ, less than a looser threshold's %.4f σ", th, got, prev)
				}
				prev = got
			}
		})
	}
}

// TestConfirmationAddsSensitivity: confirmation runs find more, and only for regressions
// that look worse than the warn tolerance.
func TestConfirmationAddsSensitivity(t *testing.T) {
	plain := &Sensitivity{Threshold: halfAlphaOver15, Trials: testTrials}
	confirm := &Sensitivity{Threshold: halfAlphaOver15, ConfirmThreshold: halfAlphaOver15, ConfirmRatio: 1, Trials: testTrials}
	base := plain.Shift(12, 0)
	if low := confirm.Shift(12, 0.5); low >= base {
		t.Errorf("with confirmation %.3f σ, without %.3f σ: want less", low, base)
	}
	if high := confirm.Shift(12, 10); high != base {
		t.Errorf("a warn tolerance far beyond the noise never triggers confirmation: %.3f σ, want %.3f σ", high, base)
	}
}

func TestRunsNeeded(t *testing.T) {
	s := &Sensitivity{Threshold: alphaOver15, Trials: testTrials}
	n := s.RunsNeeded(3, 0, 5)
	if n == 0 {
		t.Fatal("5 % at 3 % noise must be reachable")
	}
	if d := s.Detectable(n, 3, 0); d > 5 {
		t.Errorf("%d runs detect %.2f %%, more than the 5 %% target", n, d)
	}
	if d := s.Detectable(n-1, 3, 0); d <= 5 {
		t.Errorf("%d runs already detect %.2f %%: %d is not the fewest", n-1, d, n)
	}
	for _, c := range []struct {
		name       string
		sd, target float64
		want       int
	}{
		{"no noise: the fewest runs that can be significant", 0, 0, 7},
		{"a zero target with noise is never detectable", 1, 0, 0},
		{"noise far beyond the target", 50, 1, 0},
	} {
		if got := s.RunsNeeded(c.sd, 0, c.target); got != c.want {
			t.Errorf("%s: %d runs, want %d", c.name, got, c.want)
		}
	}
}

func TestKthDiff(t *testing.T) {
	base, head := []float64{1, 4, 9}, []float64{0, 2}
	// differences b − h: 1, -1, 4, 2, 9, 7 → sorted -1 1 2 4 7 9
	for k, want := range []float64{-1, 1, 2, 4, 7, 9} {
		if got := kthDiff(base, head, k+1); math.Abs(got-want) > 1e-6 {
			t.Errorf("k=%d: %g, want %g", k+1, got, want)
		}
	}
}

// TestPairedShiftHasItsPower checks the paired estimate against the gate's paired test
// (compare.SignedRankP on log ratios): pairs shifted by Shift are significant in about
// 80 % of comparisons, by less clearly fewer; and the floor is the test's, 2⁻ⁿ.
func TestPairedShiftHasItsPower(t *testing.T) {
	const n, trials = 12, 800
	threshold := 0.01 / 6
	s := &Sensitivity{Threshold: threshold, Trials: 2000, Paired: true}
	shift := s.Shift(n, 0)
	power := func(shift float64) float64 {
		rng := rand.New(rand.NewPCG(9, 10))
		hits := 0
		for range trials {
			d := make([]float64, n)
			for i := range d {
				d[i] = rng.NormFloat64() - shift // throughput down: worse
			}
			if compare.SignedRankP(d, compare.BetterHigher) <= threshold {
				hits++
			}
		}
		return float64(hits) / trials
	}
	if p := power(shift); p < 0.75 || p > 0.85 {
		t.Errorf("shift %.3f σ: power %.3f, want 0.80 ± 0.05", shift, p)
	}
	if p := power(0.8 * shift); p > 0.70 {
		t.Errorf("0.8 × shift: power %.3f, want clearly below 0.80", p)
	}
	if got := s.FloorRuns(); got != 10 { // 2⁻¹⁰ ≤ 0.00167 < 2⁻⁹
		t.Errorf("floor %d pairs, want 10", got)
	}
	// The paired test on n pairs beats the unpaired one on n runs a side of the same
	// noise only through the noise it removes: on equal noise per difference it needs a
	// larger shift than the unpaired test on each side's noise (σ√2 per difference).
	unpaired := &Sensitivity{Threshold: threshold, Trials: 2000}
	if p, u := s.Detectable(n, math.Sqrt2, 0), unpaired.Detectable(n, 1, 0); p < 0.8*u || p > 1.25*u {
		t.Errorf("paired on σ√2 differences detects %.3f, unpaired on σ detects %.3f: want about equal", p, u)
	}
}
