package compare

import (
	"math"

	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// The error rate is judged on request counts, not only on run medians: errors in 5 of 12
// runs leave a median of 0, and a median test then sees nothing. Where both sides kept
// their counts (result.Counts), the errors of every run are pooled and tested with
// Fisher's exact test — the chance that, of all the errors both sides had, the head's
// share of the requests holds as many as it did — inside the same family-wise α as every
// other gated metric. One stray timeout in 100 000 requests is well within chance; errors
// the baseline never had, in more than a handful of requests, are not.

// Pooled are the counts of both sides, every valid run added up.
type Pooled struct {
	Base result.Counts `json:"base"`
	Head result.Counts `json:"head"`
}

// rate is the share of failed requests, in percent.
func rate(c result.Counts) float64 {
	if c.Requests == 0 {
		return 0
	}
	return 100 * float64(c.Errors) / float64(c.Requests)
}

// pooledCounts are the counts of head scenario h and base scenario b when the metric is
// judged on counts and both sides have them (nil otherwise).
func pooledCounts(name string, h, b *result.Scenario) *Pooled {
	if !judgedOnCounts(name) || h == nil || b == nil {
		return nil
	}
	hc, hok := h.PooledCounts()
	bc, bok := b.PooledCounts()
	if !hok || !bok || hc.Requests == 0 || bc.Requests == 0 {
		return nil
	}
	return &Pooled{Base: bc, Head: hc}
}

// judgedOnCounts: the metrics whose samples are a share of requests.
func judgedOnCounts(name string) bool { return name == metric.ErrorRate }

// fisherGreater is the one-sided p-value of Fisher's exact test for "the share of failures
// a of n is greater than b of m": given the a+b failures among all n+m requests, the
// probability that n requests drawn at random hold a or more of them (hypergeometric).
func fisherGreater(a, n, b, m int64) float64 {
	k, total := a+b, n+m
	if k == 0 || n == 0 || m == 0 {
		return 1
	}
	lo, hi := max(0, k-m), min(k, n)
	term := func(x int64) float64 {
		return math.Exp(logChoose(k, x) + logChoose(total-k, n-x) - logChoose(total, n))
	}
	// Terms fall away from the mode on both sides: sum the smaller tail, from its end
	// nearest the mode outwards, and stop once the rest cannot matter.
	mode := (n + 1) * (k + 1) / (total + 2)
	if a > mode {
		return math.Min(1, tailSum(term, a, hi, 1))
	}
	return math.Max(0, 1-tailSum(term, a-1, lo, -1))
}

// tailSum adds term(x) for x from start towards end (step ±1), stopping early once a term
// no longer changes the sum.
func tailSum(term func(int64) float64, start, end, step int64) float64 {
	sum := 0.0
	for x := start; (step > 0 && x <= end) || (step < 0 && x >= end); x += step {
		t := term(x)
		sum += t
		if t < sum*1e-17 {
			break
		}
	}
	return sum
}

// logChoose is log C(n, k).
func logChoose(n, k int64) float64 {
	lg := func(x int64) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	return lg(n) - lg(k) - lg(n-k)
}
