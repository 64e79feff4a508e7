package doctor

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/aclements/go-moremath/stats"

	"github.com/stackgate/stackgate/internal/compare"
)

// Defaults of the sensitivity estimate.
const (
	// DefaultPower is how often the gate must catch a regression for it to count as
	// detectable.
	DefaultPower = 0.80
	// DefaultTrials is how many simulated invocations each estimate rests on: the 80th
	// percentile of 2000 draws is within about a point of power.
	DefaultTrials = 2000
	// MaxRunsAdvised bounds the search for the runs a target needs.
	MaxRunsAdvised = 50
)

// simulationSeed makes every estimate reproducible: the same inputs give the same answers.
const simulationSeed = 20250308

// Sensitivity is how large a regression the gate's test finds significant, in standard
// deviations of the run-to-run noise. It is estimated by a seeded simulation of the test
// the gate runs — the exact one-sided Mann–Whitney U test, n runs per side, at the
// per-test threshold a single regression faces — on normal noise, so it holds for small
// samples and tiny thresholds, where the normal approximation to the test (asymptotic
// relative efficiency 3/π) claims far more than the test delivers.
//
// With a confirmation stage the simulation follows the gate: a regression not significant
// in the first stage whose median change looks worse than the warn tolerance gets
// ConfirmRatio·n more head runs and is tested again on all of them at ConfirmThreshold.
//
// Estimates are memoised; a Sensitivity is not safe for concurrent use.
type Sensitivity struct {
	// Threshold is the first stage's per-test threshold: α/m for m gated metrics, α/(2m)
	// when the α is split with a confirmation stage.
	Threshold float64
	// ConfirmThreshold is the confirmation stage's threshold (α/(2m)); 0 means there is no
	// confirmation stage.
	ConfirmThreshold float64
	// ConfirmRatio is how many head runs the confirmation adds per run of the first stage
	// (max_runs/runs − 1).
	ConfirmRatio float64
	// Paired models A/B mode's paired test: Wilcoxon's signed-rank test on n pairs'
	// differences whose noise is the standard deviation of the pairs' log ratios (the
	// confirmation stage adds pairs).
	Paired   bool
	Power    float64 // DefaultPower when 0
	Trials   int     // DefaultTrials when 0
	shifts   map[shiftKey]float64
	critical map[criticalKey]criticalValue
}

type shiftKey struct {
	n    int
	warn float64
}

type criticalKey struct {
	n1, n2    int
	threshold float64
}

type criticalValue struct {
	u  int
	ok bool
}

// Shift is the smallest shift, in standard deviations of the noise, that the gate with n
// runs per side finds significant with probability Power; warn is the metric's warn
// tolerance in the same units (it decides whether confirmation runs are added). Shift is
// +Inf when nothing can be significant: the smallest p-value the exact test can produce
// with n runs per side, 1/C(2n, n), is above the threshold.
//
// In each simulated invocation the test rejects once the head shifted by δ beats the base
// in at least u of the pairs (u, the critical value, from the test's null distribution),
// so the smallest δ that rejects is the u-th smallest pairwise difference base − head;
// Shift is the Power-quantile of those δ.
func (s *Sensitivity) Shift(n int, warn float64) float64 {
	if !s.confirms(n) {
		warn = 0 // without a confirmation stage the tolerance plays no part
	}
	key := shiftKey{n, warn}
	if v, ok := s.shifts[key]; ok {
		return v
	}
	if s.shifts == nil {
		s.shifts = map[shiftKey]float64{}
	}
	v := s.simulate(n, warn)
	s.shifts[key] = v
	return v
}

// criticalU is criticalU, memoised.
func (s *Sensitivity) criticalU(n1, n2 int, threshold float64) (int, bool) {
	key := criticalKey{n1, n2, threshold}
	if v, ok := s.critical[key]; ok {
		return v.u, v.ok
	}
	if s.critical == nil {
		s.critical = map[criticalKey]criticalValue{}
	}
	u, ok := criticalU(n1, n2, threshold)
	s.critical[key] = criticalValue{u, ok}
	return u, ok
}

// Detectable is the smallest regression, in the unit of sd and warn, that the gate with n
// runs per side finds significant with probability Power when the run-to-run noise has
// standard deviation sd. A noiseless metric shows any change (0) if its test can reach
// the threshold at all.
func (s *Sensitivity) Detectable(n int, sd, warn float64) float64 {
	if !s.reaches(n) {
		return math.Inf(1)
	}
	if sd == 0 {
		return 0
	}
	return s.Shift(n, warn/sd) * sd
}

// RunsNeeded is the fewest runs per side (up to MaxRunsAdvised) with which a regression of
// target is detectable; 0 when none is enough — with noise, a target of 0 never is.
func (s *Sensitivity) RunsNeeded(sd, warn, target float64) int {
	floor := s.FloorRuns()
	if floor == 0 || target < 0 || sd > 0 && target == 0 {
		return 0
	}
	reaches := func(n int) bool { return s.Detectable(n, sd, warn) <= target }
	// Detectable falls as runs are added. Gallop up from the floor (small samples are cheap
	// to simulate), then bisect between the last miss and the first hit.
	miss, hit := floor-1, 0
	for step := 1; hit == 0; step *= 2 {
		n := min(floor-1+step, MaxRunsAdvised)
		if reaches(n) {
			hit = n
		} else if miss = n; n == MaxRunsAdvised {
			return 0
		}
	}
	for hit-miss > 1 {
		mid := miss + (hit-miss)/2
		if reaches(mid) {
			hit = mid
		} else {
			miss = mid
		}
	}
	return hit
}

// FloorRuns is the fewest runs per side whose test can reach the threshold at all (0 when
// even MaxRunsAdvised cannot).
func (s *Sensitivity) FloorRuns() int {
	for n := 1; n <= MaxRunsAdvised; n++ {
		if s.reaches(n) {
			return n
		}
	}
	return 0
}

// reaches reports whether the test on n runs per side (n pairs) can reach the threshold.
func (s *Sensitivity) reaches(n int) bool {
	if s.Paired {
		_, ok := compare.SignedRankCritical(n, s.Threshold)
		return ok
	}
	_, ok := s.criticalU(n, n, s.Threshold)
	return ok
}

func (s *Sensitivity) confirms(n int) bool {
	return s.ConfirmThreshold > 0 && s.added(n) > 0
}

// added is how many head runs the confirmation stage adds to n.
func (s *Sensitivity) added(n int) int {
	return int(math.Round(float64(n) * s.ConfirmRatio))
}

// stages are the critical values of the simulated gate with n runs (pairs) per side: the
// first stage's, and the confirmation stage's on n+extra head runs (pairs) when it adds
// any and its test can reach its threshold.
type stages struct {
	first, second, extra int
	confirm              bool
}

// stages finds them with critical(heads, threshold), the test's critical value for n runs
// against heads (n pairs: heads); ok is false when the first stage can never reject.
func (s *Sensitivity) stages(n int, critical func(heads int, threshold float64) (int, bool)) (stages, bool) {
	first, ok := critical(n, s.Threshold)
	if !ok {
		return stages{}, false
	}
	st := stages{first: first}
	if s.confirms(n) {
		st.extra = s.added(n)
		st.second, st.confirm = critical(n+st.extra, s.ConfirmThreshold)
		if !st.confirm {
			st.extra = 0
		}
	}
	return st, true
}

// powerQuantile is the Power-quantile of the smallest shifts each simulated invocation
// rejected, never below 0.
func (s *Sensitivity) powerQuantile(smallest []float64) float64 {
	slices.Sort(smallest)
	return math.Max(smallest[int(math.Ceil(s.power()*float64(len(smallest))))-1], 0)
}

// simulate estimates Shift(n, warn).
func (s *Sensitivity) simulate(n int, warn float64) float64 {
	if s.Paired {
		return s.simulatePairs(n, warn)
	}
	st, ok := s.stages(n, func(heads int, threshold float64) (int, bool) { return s.criticalU(n, heads, threshold) })
	if !ok {
		return math.Inf(1)
	}
	u1, u2, extra, confirm := st.first, st.second, st.extra, st.confirm
	trials := s.trials()
	smallest := make([]float64, trials)
	base, head := make([]float64, n), make([]float64, n+extra)
	first := make([]float64, n)
	for i := range trials {
		// Two streams per invocation, the same for every n: the draws for n+1 runs extend
		// those for n, so neighbouring estimates differ by the runs, not by chance.
		normals(base, uint64(2*i))
		normals(head, uint64(2*i+1))
		copy(first, head)
		slices.Sort(base)
		slices.Sort(first)
		d := kthDiff(base, first, u1)
		if confirm {
			// Confirmation runs are added when the first stage is not significant but the
			// median change looks worse than warn; the second stage then decides.
			trigger := warn - (sortedMedian(first) - sortedMedian(base))
			slices.Sort(head)
			d = math.Min(d, math.Max(trigger, kthDiff(base, head, u2)))
		}
		smallest[i] = d
	}
	return s.powerQuantile(smallest)
}

// simulatePairs estimates Shift(n, warn) for the paired test. The pairs' differences are
// z − δ for standard normal z; the signed-rank test finds "worse" once the sum of the
// negative ranks reaches its critical value w, which happens exactly when δ exceeds the
// w-th smallest Walsh average (zᵢ + zⱼ)/2, i ≤ j, of z (Tukey's identity).
func (s *Sensitivity) simulatePairs(n int, warn float64) float64 {
	st, ok := s.stages(n, compare.SignedRankCritical)
	if !ok {
		return math.Inf(1)
	}
	w1, w2, extra, confirm := st.first, st.second, st.extra, st.confirm
	trials := s.trials()
	smallest := make([]float64, trials)
	z := make([]float64, n+extra)
	first := make([]float64, n)
	for i := range trials {
		normals(z, uint64(i))
		copy(first, z[:n])
		slices.Sort(first)
		d := kthWalsh(first, w1)
		if confirm {
			// More pairs are measured when the first stage is not significant but the
			// median pair looks worse than warn (median(z) − δ < −warn).
			d = math.Min(d, math.Max(warn+sortedMedian(first), kthWalsh(z, w2)))
		}
		smallest[i] = d
	}
	return s.powerQuantile(smallest)
}

// kthWalsh is the k-th smallest (from 1) Walsh average (zᵢ + zⱼ)/2, i ≤ j, of z.
func kthWalsh(z []float64, k int) float64 {
	walsh := make([]float64, 0, len(z)*(len(z)+1)/2)
	for i := range z {
		for j := i; j < len(z); j++ {
			walsh = append(walsh, (z[i]+z[j])/2)
		}
	}
	slices.Sort(walsh)
	return walsh[k-1]
}

func (s *Sensitivity) trials() int {
	if s.Trials > 0 {
		return s.Trials
	}
	return DefaultTrials
}

func (s *Sensitivity) power() float64 {
	if s.Power > 0 && s.Power < 1 {
		return s.Power
	}
	return DefaultPower
}

// normals fills xs with standard normal draws from the stream numbered stream.
func normals(xs []float64, stream uint64) {
	rng := rand.New(rand.NewPCG(simulationSeed, stream))
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
}

func sortedMedian(s []float64) float64 {
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// criticalU is the smallest U statistic (pairs where the head beats the base, of n1·n2)
// whose one-sided p-value is at most threshold, as the gate's test computes it
// (go-moremath's MannWhitneyUTest on samples without ties). ok is false when even
// U = n1·n2 is not enough.
func criticalU(n1, n2 int, threshold float64) (u int, ok bool) {
	top := n1 * n2
	if top == 0 || pGreater(top, n1, n2) > threshold {
		return 0, false
	}
	// The critical value lies in the upper tail, where the exact distribution is cheap to
	// sum: gallop down from the top until p exceeds the threshold, then bisect.
	good, bad := top, -1 // p(good) ≤ threshold < p(bad)
	for step := 1; bad < 0; step *= 2 {
		next := max(top-step, 0)
		if pGreater(next, n1, n2) > threshold {
			bad = next
		} else if good = next; next == 0 {
			return 0, true
		}
	}
	for good-bad > 1 {
		mid := bad + (good-bad)/2
		if pGreater(mid, n1, n2) <= threshold {
			good = mid
		} else {
			bad = mid
		}
	}
	return good, true
}

// pGreater is the one-sided p-value of U, exactly as stats.MannWhitneyUTest computes it
// for samples without ties: the exact distribution up to MannWhitneyExactLimit runs, the
// normal approximation with continuity correction beyond.
func pGreater(u, n1, n2 int) float64 {
	if n1 <= stats.MannWhitneyExactLimit && n2 <= stats.MannWhitneyExactLimit {
		return 1 - stats.UDist{N1: n1, N2: n2}.CDF(float64(u-1))
	}
	nn := float64(n1 * n2)
	sigma := math.Sqrt(nn * float64(n1+n2+1) / 12)
	return 1 - stats.StdNormal.CDF((float64(u)-0.5-nn/2)/sigma)
}

// kthDiff is the k-th smallest (from 1) of the differences b − h over all pairs of the
// sorted samples base and head: bisection over the value, counting the pairs at or below
// it in linear time, to a precision far below the noise.
func kthDiff(base, head []float64, k int) float64 {
	lo, hi := base[0]-head[len(head)-1], base[len(base)-1]-head[0]
	for range bisections {
		mid := lo + (hi-lo)/2
		if pairsAtMost(base, head, mid) >= k {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// bisections halve the range of the differences down to 2⁻²⁴ of it.
const bisections = 24

// pairsAtMost counts the pairs with b − h ≤ d, that is h ≥ b − d: as b grows, the first
// such h moves right, so one pass over both sorted samples counts them all.
func pairsAtMost(base, head []float64, d float64) int {
	count, l := 0, 0
	for _, b := range base {
		for l < len(head) && head[l] < b-d {
			l++
		}
		count += len(head) - l
	}
	return count
}
