package compare

import (
	"math"
	"testing"
)

func TestSignedRankGreater(t *testing.T) {
	tests := []struct {
		name string
		d    []float64
		want float64
	}{
		{"nothing", nil, 1},
		{"only zeros", []float64{0, 0, 0}, 1},
		{"all positive: the smallest p of five pairs", []float64{1, 2, 3, 4, 5}, 1 / 32.0},
		{"all negative", []float64{-1, -2, -3, -4, -5}, 1},
		// Ranks 1..4, positive ones 4 and 3 (sum 7): sums ≥ 7 of subsets of {1,2,3,4} are
		// {3,4}, {1,2,4}, {1,2,3,4}, {1,3,4}, {2,3,4}: 5 of 16.
		{"mixed", []float64{0.4, -0.1, 0.3, -0.2}, 5 / 16.0},
		// Ties: |d| = 1, 1, 2 → doubled ranks 3, 3, 6; positive: 3 and 6 (sum 9 of 12):
		// sums ≥ 9 are {3,6} twice and {3,3,6}: 3 of 8.
		{"ties", []float64{1, -1, 2}, 3 / 8.0},
		{"zeros are left out", []float64{0, 1, 2, 3, 0}, 1 / 8.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := signedRankGreater(tt.d); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("signedRankGreater(%v) = %g, want %g", tt.d, got, tt.want)
			}
		})
	}
}

// Without ties the exact distribution is symmetric: p(d) + p(−d) = 1 + P(sum = observed).
func TestSignedRankSymmetry(t *testing.T) {
	d := []float64{0.3, -1.2, 0.8, 2.5, -0.4, 1.7, 0.9, -2.2, 1.1, 0.05, 3.1, -0.6}
	neg := make([]float64, len(d))
	for i := range d {
		neg[i] = -d[i]
	}
	sum := signedRankGreater(d) + signedRankGreater(neg)
	if sum < 1 || sum > 1.1 {
		t.Errorf("p(d) + p(-d) = %g", sum)
	}
}

// The critical value agrees with the test itself: w positive ranks reach the threshold,
// w − 1 do not.
func TestSignedRankCritical(t *testing.T) {
	// differences whose positive ranks sum to exactly w: ranks 1..n, signs chosen greedily
	withSum := func(n, w int) []float64 {
		d := make([]float64, n)
		for r := n; r >= 1; r-- {
			d[r-1] = -float64(r)
			if w >= r {
				d[r-1], w = float64(r), w-r
			}
		}
		return d
	}
	for _, tt := range []struct {
		n         int
		threshold float64
	}{{12, 0.05}, {12, 0.01 / 6}, {10, 0.001}, {20, 0.0005}, {6, 0.05}, {30, 1e-4}} {
		w, ok := SignedRankCritical(tt.n, tt.threshold)
		if !ok {
			t.Errorf("n=%d threshold %g: no critical value", tt.n, tt.threshold)
			continue
		}
		if p := signedRankGreater(withSum(tt.n, w)); p > tt.threshold {
			t.Errorf("n=%d: W=%d gives p=%g > %g", tt.n, w, p, tt.threshold)
		}
		if p := signedRankGreater(withSum(tt.n, w-1)); p <= tt.threshold {
			t.Errorf("n=%d: W=%d already gives p=%g ≤ %g", tt.n, w-1, p, tt.threshold)
		}
	}
	// 2⁻⁹ > 0.001: nine pairs can never reach it.
	if _, ok := SignedRankCritical(9, 0.001); ok {
		t.Errorf("9 pairs reach 0.001")
	}
}
