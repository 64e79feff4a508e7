package compare

import (
	"math"
	"slices"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []float64{5}, Summary{N: 1, Median: 5, Lo: 5, Hi: 5}},
		{"too few for 95 %: the sample's range", []float64{3, 1, 2}, Summary{N: 3, Median: 2, Lo: 1, Hi: 3, CV: 0.5}}, // sd 1 over mean 2
		{"ten", []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, Summary{N: 10, Median: 5.5, Lo: 2, Hi: 9, CV: math.Sqrt(55.0/6) / 5.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			if got := Summarize(in); got != tt.want {
				t.Errorf("Summarize(%v) = %+v, want %+v", tt.xs, got, tt.want)
			}
			if !slices.Equal(in, tt.xs) {
				t.Errorf("Summarize reordered its input: %v", in)
			}
		})
	}
}

func TestTwoSidedP(t *testing.T) {
	if p := TwoSidedP([]float64{1, 1, 1}, []float64{1, 1, 1}); p != 1 {
		t.Errorf("equal samples: p=%v, want 1", p)
	}
	if p := TwoSidedP(nil, []float64{1}); p != 1 {
		t.Errorf("empty sample: p=%v, want 1", p)
	}
	if p, want := TwoSidedP(ranks(), inversions(0)), 2/184756.0; !near(p, want) {
		t.Errorf("separated samples: p=%v, want %v", p, want)
	}
}

func TestMinP(t *testing.T) {
	tests := []struct {
		n1, n2 int
		want   float64
	}{
		{3, 3, 1.0 / 20}, {6, 6, 1.0 / 924}, {10, 10, 1.0 / 184756}, {10, 20, 1.0 / 30045015}, {1, 1, 0.5},
	}
	for _, tt := range tests {
		if got := minP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-9*tt.want {
			t.Errorf("minP(%d, %d) = %v, want %v", tt.n1, tt.n2, got, tt.want)
		}
	}
	// DESIGN §5: at α 0.01 over 15 metrics, 6 runs a side can never be significant, 7 can.
	if got := runsNeeded(0.01 / 15); got != 7 {
		t.Errorf("runsNeeded(α/15) = %d, want 7", got)
	}
}

func TestFormatP(t *testing.T) {
	tests := map[float64]string{
		1: "1", 0.5: "0.5", 0.123: "0.12", 0.002: "0.002", 0.01 / 15: "0.00067", 1.0 / 184756: "0.0000054", 0.0004: "0.0004",
	}
	for p, want := range tests {
		if got := formatP(p); got != want {
			t.Errorf("formatP(%v) = %q, want %q", p, got, want)
		}
	}
}

func TestChangeText(t *testing.T) {
	tests := []struct {
		mv   MetricVerdict
		want string
	}{
		{MetricVerdict{Change: 0.182}, "+18.2 %"},
		{MetricVerdict{Change: -0.031}, "−3.1 %"},
		{MetricVerdict{Change: -0.0004}, "+0.0 %"},
		{MetricVerdict{Change: 0.52, Absolute: true, Unit: "%"}, "+0.52 points"},
		{MetricVerdict{Change: 312.4, Absolute: true, Unit: "B/req"}, "+312 B/req"},
		{MetricVerdict{Change: -1.5, Absolute: true, Unit: "B/req"}, "−1.50 B/req"},
		{MetricVerdict{Change: math.Inf(1), Unit: "ms", Head: Summary{Median: 3.2}}, "from 0 to 3.20 ms"},
	}
	for _, tt := range tests {
		if got := changeText(&tt.mv); got != tt.want {
			t.Errorf("changeText(%v) = %q, want %q", tt.mv.Change, got, tt.want)
		}
	}
}

func TestTolText(t *testing.T) {
	tests := []struct {
		mv   MetricVerdict
		tol  float64
		want string
	}{
		{MetricVerdict{}, 10, "10 %"},
		{MetricVerdict{Absolute: true, Unit: "%"}, 0, "0 points"},
		{MetricVerdict{Absolute: true, Unit: "%"}, 1, "1 point"},
		{MetricVerdict{Absolute: true, Unit: "B/req"}, 256, "256 B/req"},
	}
	for _, tt := range tests {
		if got := tolText(&tt.mv, tt.tol); got != tt.want {
			t.Errorf("tolText(%+v, %g) = %q, want %q", tt.mv, tt.tol, got, tt.want)
		}
	}
}
