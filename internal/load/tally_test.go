package load

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Merging per-worker histograms must give the same counts and percentiles as
// recording everything into one.
func TestHistogramMergePreservesCountsAndPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all := NewHistogram()
	workers := make([]*tally, 8)
	for i := range workers {
		tl := newTally(1, false)
		workers[i] = &tl
	}
	for n := range 50_000 {
		d := time.Duration(rng.ExpFloat64() * float64(3*time.Millisecond))
		if n%1000 == 0 {
			d = 200 * time.Millisecond // a stall, so the tail is worth checking
		}
		recordMicros(all, d)
		workers[n%len(workers)].record(outOK, d, 0)
	}
	sum := newTally(1, true)
	for _, w := range workers {
		sum.add(w)
	}
	if got, want := sum.latency.TotalCount(), all.TotalCount(); got != want || sum.requests != want {
		t.Fatalf("merged count = %d (requests %d), want %d", got, sum.requests, want)
	}
	for _, q := range []float64{50, 90, 99, 99.9, 100} {
		if got, want := sum.latency.ValueAtQuantile(q), all.ValueAtQuantile(q); got != want {
			t.Errorf("p%v = %dµs after merge, want %dµs", q, got, want)
		}
	}
	if sum.latency.Max() < 200_000 {
		t.Errorf("max = %dµs, the 200 ms stall was lost", sum.latency.Max())
	}
}

func TestRecordMicrosClampsInsteadOfLosing(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{-time.Second, 0},
		{500 * time.Nanosecond, 0},
		{1500 * time.Microsecond, 1500},
		{time.Hour, histHighest},
	}
	for _, tt := range tests {
		h := NewHistogram()
		recordMicros(h, tt.d)
		if h.TotalCount() != 1 || !h.ValuesAreEquivalent(h.Max(), tt.want) {
			t.Errorf("record %v: count %d, max %d; want 1 value equivalent to %d", tt.d, h.TotalCount(), h.Max(), tt.want)
		}
	}
}

func TestTallyRecordByKind(t *testing.T) {
	tl := newTally(2, false)
	for _, out := range []outcome{outOK, outOK, outStatus, outBody, outConnect, outTimeout, outIO, outIO} {
		tl.record(out, time.Millisecond, 1)
	}
	want := Errors{Connect: 1, Timeout: 1, IO: 2, Status: 1, Body: 1}
	if tl.errors != want || tl.requests != 4 || tl.latency.TotalCount() != 4 {
		t.Errorf("errors %+v, requests %d, timed %d; want %+v, 4, 4", tl.errors, tl.requests, tl.latency.TotalCount(), want)
	}
	if tl.series[0] != (Second{}) || tl.series[1] != (Second{Requests: 4, Errors: 6}) {
		t.Errorf("series = %+v", tl.series)
	}
}

func TestSeriesForCutsAndFolds(t *testing.T) {
	series := []Second{{1, 0}, {2, 1}, {3, 0}, {4, 2}}
	got := seriesFor(series, 1500*time.Millisecond)
	want := []Second{{1, 0}, {9, 3}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("seriesFor = %+v, want %+v", got, want)
	}
	if got := seriesFor([]Second{{1, 0}}, 0); len(got) != 0 {
		t.Errorf("no window: series = %+v, want empty", got)
	}
}

func TestResultRates(t *testing.T) {
	r := &Result{Requests: 90, Errors: Errors{Status: 5, Timeout: 10}, Elapsed: 2 * time.Second}
	if got := r.Throughput(); got != 45 {
		t.Errorf("Throughput = %v, want 45", got)
	}
	if got := r.ErrorRate(); got != 0.15 { // 15 failures out of 90 answers + 10 timeouts
		t.Errorf("ErrorRate = %v, want 0.15", got)
	}
	if got := (&Result{}).ErrorRate(); got != 0 {
		t.Errorf("ErrorRate with nothing attempted = %v, want 0", got)
	}
	if got := (&Result{}).Throughput(); got != 0 {
		t.Errorf("Throughput with no window = %v, want 0", got)
	}
}
