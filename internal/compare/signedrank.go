package compare

import (
	"math"
	"slices"
)

// SignedRankP is the one-sided p-value of Wilcoxon's signed-rank test for "head is worse"
// on the logs of head/base ratios of paired runs, better saying which way is good
// (BetterHigher: head is worse when the ratios tend to be below 1).
func SignedRankP(logRatios []float64, better string) float64 {
	if better != BetterHigher {
		return signedRankGreater(logRatios)
	}
	neg := make([]float64, len(logRatios))
	for i, d := range logRatios {
		neg[i] = -d
	}
	return signedRankGreater(neg)
}

// OneSidedP is the one-sided Mann–Whitney U p-value for "head is worse" than base, better
// saying which way is good: the test the gate makes of every metric.
func OneSidedP(head, base []float64, better string) float64 {
	f := finding{mv: &MetricVerdict{Better: better}, head: head, base: base}
	p, _ := uTest(head, base, f.worseHypothesis())
	return p
}

// signedRankGreater is the one-sided p-value of Wilcoxon's signed-rank test for "the
// differences d tend to be positive": the exact probability, under the hypothesis that each
// difference is as likely positive as negative, of a sum of positive ranks at least as
// large as observed. Zero differences are left out (Wilcoxon's convention); tied absolute
// values share their mean rank, and the distribution is enumerated over the tied ranks
// actually observed, so ties stay exact. With no non-zero difference p is 1.
func signedRankGreater(d []float64) float64 {
	var abs []float64
	var signs []bool
	for _, x := range d {
		if x != 0 && !math.IsNaN(x) {
			abs = append(abs, math.Abs(x))
			signs = append(signs, x > 0)
		}
	}
	n := len(abs)
	if n == 0 {
		return 1
	}
	ranks := doubledRanks(abs) // twice the mean rank: integers even with ties
	observed := 0
	for i, r := range ranks {
		if signs[i] {
			observed += r
		}
	}
	// ways[s] counts the sign assignments whose positive ranks sum to s.
	total := 0
	for _, r := range ranks {
		total += r
	}
	ways := make([]float64, total+1)
	ways[0] = 1
	for _, r := range ranks {
		for s := total; s >= r; s-- {
			ways[s] += ways[s-r]
		}
	}
	tail := 0.0
	for s := observed; s <= total; s++ {
		tail += ways[s]
	}
	return math.Min(1, tail/math.Exp2(float64(n)))
}

// doubledRanks is twice the rank of each value (1-based, ties sharing their mean rank).
func doubledRanks(xs []float64) []int {
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	ranks := make([]int, len(xs))
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && xs[order[j+1]] == xs[order[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			ranks[order[k]] = (i + 1) + (j + 1) // twice the mean of ranks i+1 … j+1
		}
		i = j + 1
	}
	return ranks
}

// SignedRankCritical is the smallest sum of positive ranks w of n non-zero differences
// without ties whose one-sided p-value (signedRankGreater) is at most threshold, the
// critical value of the gate's paired test; ok is false when even w = n(n+1)/2, every
// difference positive, is not enough (2⁻ⁿ > threshold).
func SignedRankCritical(n int, threshold float64) (w int, ok bool) {
	if n <= 0 {
		return 0, false
	}
	total := n * (n + 1) / 2
	ways := make([]float64, total+1) // ways[s]: sign assignments whose positive ranks sum to s
	ways[0] = 1
	for r := 1; r <= n; r++ {
		for s := total; s >= r; s-- {
			ways[s] += ways[s-r]
		}
	}
	tail, all := 0.0, math.Exp2(float64(n))
	for w = total; w >= 0; w-- {
		if (tail+ways[w])/all > threshold {
			break
		}
		tail += ways[w]
	}
	if w == total {
		return 0, false
	}
	return w + 1, true
}
