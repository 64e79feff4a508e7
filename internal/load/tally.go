package load

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Bounds shared by every histogram of the package, in microseconds.
const (
	histLowest  = 1           // 1 µs
	histHighest = 100_000_000 // 100 s
	histDigits  = 3
)

// NewHistogram returns an empty histogram with the bounds shared by every
// histogram of the package, so that they can be merged and compared:
// 1 µs .. 100 s, 3 significant figures.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// recordMicros records d in µs, clamped to the histogram's range so that an
// out-of-range value still counts (at the bound) instead of being lost.
// Durations under 1 µs are recorded as 0.
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
	outAborted // the phase stopped under the request: says nothing about the server
)

// tally is what one connection goroutine measured. Each goroutine owns its
// tally, so recording takes no lock; tallies are merged once all have ended.
type tally struct {
	latency    *hdrhistogram.Histogram
	lateness   *hdrhistogram.Histogram // open loop only
	requests   int64
	errors     Errors
	backlogged int64
	reconnects int64
	sent       int64 // measured open-loop tickets taken and sent
	series     []Second
}

func newTally(seconds int, openLoop bool) tally {
	t := tally{latency: NewHistogram(), series: make([]Second, seconds)}
	if openLoop {
		t.lateness = NewHistogram()
	}
	return t
}

// record counts one request that ended in second of the window. Only answers
// (right or wrong) have a latency; socket errors are counted but not timed.
func (t *tally) record(out outcome, latency time.Duration, second int) {
	s := &t.series[second]
	switch out {
	case outOK, outStatus, outBody:
		t.requests++
		s.Requests++
		recordMicros(t.latency, latency)
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
	s.Errors++
}

// add merges u into t.
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
	t.sent += u.sent
	for i, s := range u.series {
		t.series[i].Requests += s.Requests
		t.series[i].Errors += s.Errors
	}
}

// seriesFor cuts the series to the seconds the window actually lasted. What was
// recorded after the cut (answers that completed while the phase stopped)
// goes into the last second kept, so the series still adds up to the totals.
func seriesFor(series []Second, elapsed time.Duration) []Second {
	n := min(int((elapsed+time.Second-1)/time.Second), len(series))
	if n <= 0 {
		return []Second{}
	}
	for _, s := range series[n:] {
		series[n-1].Requests += s.Requests
		series[n-1].Errors += s.Errors
	}
	return series[:n:n]
}
