package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Merging per-worker histograms must give the same counts and percentiles as
// recording everything into one.
func TestHistogramMergePreservesCountsAndPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all := NewHistogram()
	series := newSeriesAgg(1, 8)
	workers := make([]*tally, 8)
	for i := range workers {
		tl := newTally(i, series, false)
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
	sum := newTally(0, nil, true)
	for _, w := range workers {
		w.finish()
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
	got := series.result(time.Second)[0]
	want := Second{Requests: all.TotalCount(), P50: time.Duration(all.ValueAtQuantile(50)) * time.Microsecond, P99: time.Duration(all.ValueAtQuantile(99)) * time.Microsecond}
	if got != want {
		t.Errorf("the second's series entry = %+v, want %+v", got, want)
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
	series := newSeriesAgg(2, 1)
	tl := newTally(0, series, false)
	for _, out := range []outcome{outOK, outOK, outStatus, outBody, outConnect, outTimeout, outIO, outIO} {
		tl.record(out, time.Millisecond, 1)
	}
	tl.finish()
	want := Errors{Connect: 1, Timeout: 1, IO: 2, Status: 1, Body: 1}
	if tl.errors != want || tl.requests != 4 || tl.latency.TotalCount() != 4 {
		t.Errorf("errors %+v, requests %d, timed %d; want %+v, 4, 4", tl.errors, tl.requests, tl.latency.TotalCount(), want)
	}
	got := series.result(2 * time.Second)
	if got[0] != (Second{}) || got[1] != (Second{Requests: 4, Errors: 6, P50: time.Millisecond, P99: time.Millisecond}) {
		t.Errorf("series = %+v", got)
	}
}

// Per-second percentiles are those of the answers of that second from every loop, and a
// second is final (its histogram given back) as soon as every loop has moved past it,
// so memory does not grow with the length of the run.
func TestSeriesAcrossLoops(t *testing.T) {
	series := newSeriesAgg(3, 2)
	a, b := newTally(0, series, false), newTally(1, series, false)
	for range 98 {
		a.record(outOK, time.Millisecond, 0)
	}
	b.record(outOK, 100*time.Millisecond, 0)
	b.record(outOK, 100*time.Millisecond, 0)
	a.record(outOK, 5*time.Millisecond, 1) // a leaves second 0
	if series.final != 0 {
		t.Errorf("second 0 final before loop 1 left it")
	}
	b.advance(2) // b leaves seconds 0 and 1 without recording in 1
	if series.final != 1 || series.hists[0] != nil {
		t.Errorf("final = %d, histogram of second 0 kept = %v; want second 0 final and released", series.final, series.hists[0] != nil)
	}
	a.finish()
	b.finish()
	got := series.result(3 * time.Second)
	want := []Second{
		{Requests: 100, P50: time.Millisecond, P99: 100 * time.Millisecond},
		{Requests: 1, P50: 5 * time.Millisecond, P99: 5 * time.Millisecond},
		{},
	}
	for i := range want {
		if !equivalentSecond(got[i], want[i]) {
			t.Errorf("second %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// equivalentSecond compares seconds allowing for the histogram's 3-digit precision.
func equivalentSecond(a, b Second) bool {
	close := func(x, y time.Duration) bool { return x-y < y/500+time.Microsecond && y-x < y/500+time.Microsecond }
	return a.Requests == b.Requests && a.Errors == b.Errors && close(a.P50, b.P50) && close(a.P99, b.P99)
}

func TestSeriesForCutsAndFolds(t *testing.T) {
	series := []Second{{Requests: 1}, {Requests: 2, Errors: 1}, {Requests: 3}, {Requests: 4, Errors: 2}}
	got := seriesFor(series, 1500*time.Millisecond)
	want := []Second{{Requests: 1}, {Requests: 9, Errors: 3}}
	if !slices.Equal(got, want) {
		t.Errorf("seriesFor = %+v, want %+v", got, want)
	}
	if got := seriesFor([]Second{{Requests: 1}}, 0); len(got) != 0 {
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
