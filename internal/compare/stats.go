package compare

import (
	"errors"
	"math"
	"slices"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// Confidence is the level of the median's confidence interval in every Summary.
const Confidence = 0.95

// Summarize is the median of xs and its distribution-free 95 % confidence interval
// (benchmath.AssumeNothing). xs is not modified. With fewer than 6 samples no interval
// reaches 95 %; Lo and Hi are then the smallest and largest sample (the widest interval the
// data can give), so the summary stays finite and can be written as JSON. An empty sample
// summarises to zeros with N 0.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	sample := benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds) // sorts its input
	s := benchmath.AssumeNothing.Summary(sample, Confidence)
	lo, hi := s.Lo, s.Hi
	if math.IsInf(lo, 0) {
		lo = sample.Values[0]
	}
	if math.IsInf(hi, 0) {
		hi = sample.Values[len(sample.Values)-1]
	}
	return Summary{N: len(xs), Median: s.Center, Lo: lo, Hi: hi, CV: variation(xs)}
}

// variation is the coefficient of variation of xs (sample standard deviation over the
// absolute mean; 0 when undefined).
func variation(xs []float64) float64 {
	m := mean(xs)
	if len(xs) < 2 || m == 0 {
		return 0
	}
	return StdDev(xs) / math.Abs(m)
}

// StdDev is the sample standard deviation of xs (0 for fewer than two values).
func StdDev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(max(len(xs), 1))
}

// TwoSidedP is the two-sided Mann–Whitney U p-value of a against b, the one benchstat
// prints. Samples whose values are all the same give 1 (no evidence of a change), as in
// benchstat; so does an empty sample.
func TwoSidedP(a, b []float64) float64 {
	p, _ := uTest(a, b, stats.LocationDiffers)
	return p
}

// uTest is the Mann–Whitney U p-value of x against y for the alternative alt ("x is
// greater": stats.LocationGreater). ok is false when a side is empty; when every value of
// both sides is the same, no test can tell them apart and p is 1.
func uTest(x, y []float64, alt stats.LocationHypothesis) (p float64, ok bool) {
	res, err := stats.MannWhitneyUTest(x, y, alt)
	switch {
	case errors.Is(err, stats.ErrSamplesEqual):
		return 1, true
	case err != nil:
		return 1, false
	}
	return res.P, true
}

// minP is the smallest p-value an exact one-sided Mann–Whitney U test of samples of n1 and
// n2 values can produce: 1/C(n1+n2, n1), every head value beyond every base value.
func minP(n1, n2 int) float64 {
	lg := func(n int) float64 { v, _ := math.Lgamma(float64(n) + 1); return v }
	return math.Exp(lg(n1) + lg(n2) - lg(n1+n2))
}

// runsNeeded is the smallest number of runs per side whose exact test can reach threshold.
func runsNeeded(threshold float64) int {
	n := 1
	for minP(n, n) > threshold && n < maxRunsAdvised {
		n++
	}
	return n
}

// maxRunsAdvised bounds runsNeeded for absurdly small thresholds.
const maxRunsAdvised = 1000

// median of a non-empty xs (the mean of the middle two for an even count); xs is not
// modified.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
