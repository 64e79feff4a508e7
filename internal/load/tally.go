package load

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Bounds shared by every histogram of the package, in microseconds.
const (
	histLowest  = 1           // 1 µs
	histHighest = 100_000_000 // 100 s
	histDigits  = 3
)

// NewHistogram returns an empty histogram with the bounds shared by every histogram of
// the package, so that they can be merged and compared: 1 µs .. 100 s, 3 significant
// figures.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// recordMicros records d in µs, clamped to the histogram's range so that an
// out-of-range value still counts (at the bound) instead of being lost. Durations
// under 1 µs are recorded as 0.
func recordMicros(h *hdrhistogram.Histogram, d time.Duration) {
	us := min(max(d.Microseconds(), 0), h.HighestTrackableValue())
	_ = h.RecordValue(us) // cannot fail: us is within the histogram's range
}

// outcome is how one request ended.
type outcome uint8

const (
	outOK outcome = iota
	outStatus
	outBody
	outConnect
	outTimeout
	outIO
)

// tally is what one event loop measured. Each loop owns its tally, so recording takes
// no lock: answers go into the histogram of the current second, which is merged into
// the window's histogram and handed to the series when the second is over. Memory is
// a few histograms per loop, whatever the number of connections or the length of the
// run.
type tally struct {
	latency    *hdrhistogram.Histogram // the window so far, up to the current second
	lateness   *hdrhistogram.Histogram // open loop only
	requests   int64
	errors     Errors
	backlogged int64
	reconnects int64
	abandoned  int64 // closed loop: requests not answered by the end of the drain
	sent       int64 // measured open-loop tickets sent
	onTime     int64 // of those, sent before the end of the window

	loop    int
	series  *seriesAgg
	sec     int // the second being recorded
	secHist *hdrhistogram.Histogram
	secReq  int64
	secErr  int64
}

func newTally(loop int, series *seriesAgg, openLoop bool) tally {
	t := tally{latency: NewHistogram(), secHist: NewHistogram(), loop: loop, series: series}
	if openLoop {
		t.lateness = NewHistogram()
	}
	return t
}

// record counts one request that ended in second of the window. Only answers (right or
// wrong) have a latency; socket errors are counted but not timed. Seconds never go
// backwards: a loop records in the order of its clock.
func (t *tally) record(out outcome, latency time.Duration, second int) {
	t.advance(second)
	switch out {
	case outOK, outStatus, outBody:
		t.requests++
		t.secReq++
		recordMicros(t.secHist, latency)
	}
	switch out {
	case outStatus:
		t.errors.Status++
	case outBody:
		t.errors.Body++
	case outConnect:
		t.errors.Connect++
	case outTimeout:
		t.errors.Timeout++
	case outIO:
		t.errors.IO++
	default:
		return
	}
	t.secErr++
}

// advance moves to second, handing the seconds before it to the series.
func (t *tally) advance(second int) {
	if second <= t.sec {
		return
	}
	t.flush()
	t.sec = second
}

// flush hands the current second to the series.
func (t *tally) flush() {
	if t.secReq+t.secErr > 0 {
		t.latency.Merge(t.secHist)
	}
	t.series.add(t.loop, t.sec, t.secHist, t.secReq, t.secErr)
	t.secHist.Reset()
	t.secReq, t.secErr = 0, 0
}

// finish hands everything left to the series; the tally then holds the loop's totals.
func (t *tally) finish() {
	t.flush()
	t.series.finish(t.loop)
}

// add merges the totals of u into t.
func (t *tally) add(u *tally) {
	t.latency.Merge(u.latency)
	if u.lateness != nil {
		t.lateness.Merge(u.lateness)
	}
	t.requests += u.requests
	t.errors.Connect += u.errors.Connect
	t.errors.Timeout += u.errors.Timeout
	t.errors.IO += u.errors.IO
	t.errors.Status += u.errors.Status
	t.errors.Body += u.errors.Body
	t.backlogged += u.backlogged
	t.reconnects += u.reconnects
	t.abandoned += u.abandoned
	t.sent += u.sent
	t.onTime += u.onTime
}

// seriesAgg builds the per-second series from the seconds the loops hand over. A second
// is final once every loop has moved past it; its percentiles are computed then and its
// histogram recycled, so only the seconds some loop is still in hold a histogram.
type seriesAgg struct {
	mu       sync.Mutex
	seconds  []Second
	hists    []*hdrhistogram.Histogram // merged answers of a second not final yet
	progress []int                     // per loop: the seconds before this one are handed over
	final    int                       // seconds before this one are final
	spare    []*hdrhistogram.Histogram
}

func newSeriesAgg(seconds, loops int) *seriesAgg {
	return &seriesAgg{
		seconds:  make([]Second, seconds),
		hists:    make([]*hdrhistogram.Histogram, seconds),
		progress: make([]int, loops),
	}
}

// add takes a loop's second.
func (a *seriesAgg) add(loop, sec int, h *hdrhistogram.Histogram, requests, errs int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := &a.seconds[sec]
	s.Requests += requests
	s.Errors += errs
	if h.TotalCount() > 0 {
		if a.hists[sec] == nil {
			a.hists[sec] = a.histogram()
		}
		a.hists[sec].Merge(h)
	}
	a.progress[loop] = max(a.progress[loop], sec+1)
	a.finalize()
}

// finish notes that a loop will hand over nothing more.
func (a *seriesAgg) finish(loop int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.progress[loop] = len(a.seconds)
	a.finalize()
}

func (a *seriesAgg) finalize() {
	upTo := len(a.seconds)
	for _, p := range a.progress {
		upTo = min(upTo, p)
	}
	for ; a.final < upTo; a.final++ {
		h := a.hists[a.final]
		if h == nil {
			continue
		}
		s := &a.seconds[a.final]
		s.P50 = time.Duration(h.ValueAtQuantile(50)) * time.Microsecond
		s.P99 = time.Duration(h.ValueAtQuantile(99)) * time.Microsecond
		h.Reset()
		a.spare = append(a.spare, h)
		a.hists[a.final] = nil
	}
}

func (a *seriesAgg) histogram() *hdrhistogram.Histogram {
	if n := len(a.spare); n > 0 {
		h := a.spare[n-1]
		a.spare = a.spare[:n-1]
		return h
	}
	return NewHistogram()
}

// result returns the series cut to the seconds the window actually lasted. What was
// recorded after the cut (answers that completed while the phase stopped) is counted in
// the last second kept, so the series still adds up to the totals.
func (a *seriesAgg) result(elapsed time.Duration) []Second {
	a.mu.Lock()
	defer a.mu.Unlock()
	return seriesFor(a.seconds, elapsed)
}

func seriesFor(series []Second, elapsed time.Duration) []Second {
	n := min(int((elapsed+time.Second-1)/time.Second), len(series))
	if n <= 0 {
		return []Second{}
	}
	out := append([]Second(nil), series[:n]...)
	for _, s := range series[n:] {
		out[n-1].Requests += s.Requests
		out[n-1].Errors += s.Errors
	}
	return out
}
