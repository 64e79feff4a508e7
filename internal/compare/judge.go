package compare

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/aclements/go-moremath/stats"
)

// judge tests every compared metric, controls the family-wise α over the gated ones, and
// gives every metric its level and reason.
func (c *comparison) judge() {
	var family []*finding
	for _, f := range c.findings {
		if f.tested && f.mv.Gated {
			family = append(family, f)
		}
	}
	m := len(family)
	c.v.Gated = m
	smallest := c.stage.Alpha / float64(max(m, 1))
	for _, f := range c.findings {
		if f.tested {
			f.paired = f.canPair(smallest)
			f.test()
			if e, ok := c.spreadOf(f); ok {
				f.testSpread(e, smallest)
			}
		}
	}
	if m > 0 {
		c.checkRuns(family, smallest)
		c.warnSpread(family)
	}
	c.thresholds(family)
	for _, f := range c.findings {
		f.mv.Level, f.mv.Reason = c.level(f, m)
		c.drift(f)
	}
}

// test computes the one-sided p-value for "head is worse" and, for an improvement, the
// opposite one. Info metrics have no bad direction: their p is two-sided.
func (f *finding) test() {
	f.equal = allEqual(f.head, f.base)
	f.pImproved = 1
	if f.equal {
		return
	}
	if c := f.mv.Pooled; c != nil {
		f.mv.P = fisherGreater(c.Head.Errors, c.Head.Requests, c.Base.Errors, c.Base.Requests)
		if worseBy(f.mv) < 0 {
			f.pImproved = fisherGreater(c.Base.Errors, c.Base.Requests, c.Head.Errors, c.Head.Requests)
			f.mv.PImproved = f.pImproved
		}
		return
	}
	if f.paired {
		f.testPairs()
		return
	}
	f.mv.P, _ = uTest(f.head, f.base, f.worseHypothesis())
	if f.mv.Better != BetterInfo && worseBy(f.mv) < 0 {
		f.pImproved, _ = uTest(f.head, f.base, f.betterHypothesis())
		f.mv.PImproved = f.pImproved
	}
}

// canPair decides, from the design alone (never from the outcome), whether the finding is
// tested on its pairs: in A/B mode, a metric of relative change whose pairs are enough for
// the exact signed-rank test to reach smallest, the family's smallest threshold (its
// smallest one-sided p is 2^-n). Pairs cancel the machine's drift between the ABBA blocks
// of an invocation, which on a shared machine is larger than the change to be seen; with
// too few pairs the unpaired test, whose floor is far lower, is the one that can decide.
func (f *finding) canPair(smallest float64) bool {
	return len(f.pairs) > 0 && !f.mv.Absolute && f.mv.Pooled == nil &&
		math.Exp2(-float64(len(f.pairs))) <= smallest
}

// testPairs tests the pairs' log ratios with Wilcoxon's signed-rank test, and estimates
// the change as the median pair's ratio, in which the drift cancels too.
func (f *finding) testPairs() {
	f.mv.Pairs = len(f.pairs)
	f.mv.Change = math.Exp(median(f.pairs)) - 1
	if f.mv.Better == BetterInfo {
		f.mv.P = math.Min(1, 2*math.Min(signedRankGreater(f.pairs), SignedRankP(f.pairs, BetterHigher)))
		return
	}
	f.mv.P = SignedRankP(f.pairs, f.mv.Better)
	if worseBy(f.mv) < 0 {
		f.pImproved = SignedRankP(f.pairs, opposite(f.mv.Better))
		f.mv.PImproved = f.pImproved
	}
}

// opposite is the other good direction: the test for "head is better".
func opposite(better string) string {
	if better == BetterHigher {
		return BetterLower
	}
	return BetterHigher
}

// worseHypothesis is the alternative "head is worse" of the metric's direction (info
// metrics have none: their test is two-sided).
func (f *finding) worseHypothesis() stats.LocationHypothesis {
	switch f.mv.Better {
	case BetterHigher:
		return stats.LocationLess
	case BetterInfo:
		return stats.LocationDiffers
	}
	return stats.LocationGreater // lower is better: head greater is worse
}

// betterHypothesis is the alternative "head is better".
func (f *finding) betterHypothesis() stats.LocationHypothesis {
	if f.mv.Better == BetterHigher {
		return stats.LocationGreater
	}
	return stats.LocationLess
}

func allEqual(a, b []float64) bool {
	for _, xs := range [][]float64{a, b} {
		for _, x := range xs {
			if x != a[0] {
				return false
			}
		}
	}
	return true
}

// checkRuns marks the gated metrics whose sample sizes can never produce a p-value at or
// below the smallest threshold of the family: no data of that size could ever show a
// regression, so judging it would only ever say "pass".
func (c *comparison) checkRuns(family []*finding, smallest float64) {
	for _, f := range family {
		nb, nh := len(f.base), len(f.head)
		if minP(nb, nh) > smallest {
			f.tooFew = fmt.Sprintf("%d baseline and %d head runs can never reach p ≤ %s; use at least %d runs",
				nb, nh, formatP(smallest), runsNeeded(smallest))
			c.warn("scenario %s: %s", c.v.Scenarios[f.sc].Name, f.tooFew)
		}
	}
}

// thresholds gives every gated metric the p-value it had to reach and decides significance:
// Holm's step-down over the family (sorted by p, the i-th against α/(m−i), stopping at the
// first that misses), or Bonferroni (α/m each) for a confirmation stage. Metrics with too
// few runs rank last and are never significant, so they cannot stop the others; their
// threshold is the best one they could have had, α/m.
func (c *comparison) thresholds(family []*finding) {
	m, alpha := float64(len(family)), c.stage.Alpha
	sorted := slices.Clone(family)
	slices.SortStableFunc(sorted, func(a, b *finding) int { return cmp.Compare(a.rank(), b.rank()) })
	stepping := true
	for i, f := range sorted {
		f.mv.Threshold = alpha / (m - float64(i))
		if c.stage.Bonferroni || f.tooFew != "" {
			f.mv.Threshold = alpha / m
		}
		f.mv.Significant = f.tooFew == "" && f.mv.P <= f.mv.Threshold && (stepping || c.stage.Bonferroni)
		stepping = stepping && f.mv.Significant
	}
	for _, f := range c.findings {
		if f.tested && !f.mv.Gated {
			f.mv.Significant = f.mv.P <= alpha
		}
	}
}

// rank orders the family for Holm: by p, metrics with too few runs last.
func (f *finding) rank() float64 {
	if f.tooFew != "" {
		return math.Inf(1)
	}
	return f.mv.P
}

// level decides a metric's level and says why in one line.
func (c *comparison) level(f *finding, m int) (Level, string) {
	mv := f.mv
	switch {
	case !f.tested:
		return c.untested(f)
	case f.tooFew != "":
		return Inconclusive, fmt.Sprintf("%s %s (%s)", mv.Metric, changeText(mv), f.tooFew)
	}
	f.markImproved(c.stage.Alpha, m)
	if !mv.Gated {
		return Pass, infoReason(f)
	}
	w := worseBy(mv)
	switch {
	case f.equal:
		return Pass, explain(mv, "all runs equal, no change")
	case mv.Improved:
		return Pass, explain(mv, "improved, p="+formatP(f.pImproved))
	case mv.Significant && w > mv.Tolerance.Fail:
		return Fail, explain(mv, "p="+formatP(mv.P)+", fail tolerance "+tolText(mv, mv.Tolerance.Fail))
	case mv.Significant && w > mv.Tolerance.Warn:
		return Warn, explain(mv, "p="+formatP(mv.P)+", beyond the warn tolerance "+tolText(mv, mv.Tolerance.Warn))
	case mv.Significant:
		return Pass, explain(mv, "p="+formatP(mv.P)+", changed, within the warn tolerance "+tolText(mv, mv.Tolerance.Warn))
	case suspected(mv, mv.Tolerance.Fail):
		return Inconclusive, notSignificant(mv, "fail", mv.Tolerance.Fail)
	case suspected(mv, mv.Tolerance.Warn):
		return Pass, notSignificant(mv, "warn", mv.Tolerance.Warn)
	}
	return Pass, explain(mv, "p="+formatP(mv.P)+", no significant change")
}

// suspected reports whether a change that is not significant still crosses tol, which makes
// it inconclusive (beyond the fail tolerance) or worth confirming (beyond the warn
// tolerance) instead of a plain pass. A metric with an absolute tolerance — the error rate,
// whose tolerance is 0 — is only suspected when the data already lean towards a
// regression (p below SuggestiveP): with a tolerance of 0, one stray timeout or the wiggle
// of an already noisy error rate would otherwise be "beyond the tolerance" in half of all
// invocations.
func suspected(mv *MetricVerdict, tol float64) bool {
	if mv.Absolute && mv.P >= SuggestiveP {
		return false
	}
	return worseBy(mv) > tol
}

// SuggestiveP is the p-value below which a change of a metric with an absolute tolerance
// counts as leaning towards a regression (see suspected): 1.10 % → 2.10 % errors at
// p = 0.06 is worth confirming; one error where the baseline had none (p ≈ 0.5) is not.
const SuggestiveP = 0.1

// markImproved flags a change in the good direction that is significant at the level a
// regression would first have to reach (α/m for gated metrics, α for the others).
func (f *finding) markImproved(alpha float64, m int) {
	if f.mv.Gated && m > 0 {
		alpha /= float64(m)
	}
	f.mv.Improved = f.mv.Better != BetterInfo && worseBy(f.mv) < 0 && f.pImproved <= alpha
}

// untested says why a metric was not judged: a gated one is inconclusive.
func (c *comparison) untested(f *finding) (Level, string) {
	mv := f.mv
	level := Pass
	if mv.Gated {
		level = Inconclusive
	}
	switch {
	case len(f.head) == 0:
		return level, mv.Metric + " not measured in the head runs"
	case len(f.base) == 0 && c.in.Base != nil:
		return level, mv.Metric + " has no baseline samples"
	case len(f.base) == 0:
		return level, fmt.Sprintf("%s %s (no baseline)", mv.Metric, valueText(mv.Head.Median, mv.Unit))
	}
	return level, fmt.Sprintf("%s %s (not compared)", mv.Metric, changeText(mv))
}

func infoReason(f *finding) string {
	mv := f.mv
	switch {
	case f.equal:
		return explain(mv, "all runs equal, not gated")
	case mv.Improved:
		return explain(mv, "improved, p="+formatP(f.pImproved)+", not gated")
	case mv.Significant:
		return explain(mv, "p="+formatP(mv.P)+", significant, not gated")
	}
	return explain(mv, "p="+formatP(mv.P)+", not gated")
}

// worseBy is the metric's change in its bad direction, in the unit of its tolerance:
// percent for relative metrics, the metric's unit for absolute ones. Positive is worse.
func worseBy(mv *MetricVerdict) float64 {
	w := mv.Change
	switch mv.Better {
	case BetterHigher:
		w = -w
	case BetterInfo:
		return 0
	}
	if !mv.Absolute {
		w *= 100
	}
	return w
}

// change is head's median against base's: relative, or a difference for absolute metrics.
// A relative change from a zero median is 0 when both are 0, else ±Inf.
func change(base, head float64, absolute bool) float64 {
	switch {
	case absolute:
		return head - base
	case base == 0 && head == 0:
		return 0
	case base == 0:
		return math.Copysign(math.Inf(1), head)
	}
	return (head - base) / base
}
