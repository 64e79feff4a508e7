package load

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

const ms = time.Millisecond

func TestScheduleIntended(t *testing.T) {
	tests := []struct {
		rate float64
		i    int64
		want time.Duration
	}{
		{1000, 0, 0},
		{1000, 1, ms},
		{1000, 1500, 1500 * ms},
		{3, 1, 333333333},         // truncated to the nanosecond
		{3, 3, time.Second},       // no drift after many periods
		{0.5, 2, 4 * time.Second}, // slower than one per second
		{1e6, 7, 7 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := newSchedule(tt.rate).intended(tt.i); got != tt.want {
			t.Errorf("rate %v: intended(%d) = %v, want %v", tt.rate, tt.i, got, tt.want)
		}
	}
}

func TestScheduleDueAt(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		at   time.Duration
		want int64
	}{
		{"before traffic", 1000, -1, 0},
		{"ticket 0 is due at once", 1000, 0, 1},
		{"just before the second", 1000, ms - 1, 1},
		{"exactly at the second", 1000, ms, 2},
		{"one second at 1000/s", 1000, time.Second - 1, 1000},
		{"one third period", 3, 333333332, 1},
		{"at a truncated period", 3, 333333333, 2},
		{"slow rate", 0.5, 3 * time.Second, 2},
		{"high rate", 1e6, time.Millisecond, 1001},
	}
	for _, tt := range tests {
		if got := newSchedule(tt.rate).dueAt(tt.at); got != tt.want {
			t.Errorf("%s: rate %v: dueAt(%v) = %d, want %d", tt.name, tt.rate, tt.at, got, tt.want)
		}
	}
}

func TestScheduleCountBefore(t *testing.T) {
	s := newSchedule(100) // a ticket every 10 ms
	tests := []struct {
		at   time.Duration
		want int64
	}{
		{0, 0},
		{1, 1},
		{10 * ms, 1},
		{10*ms + 1, 2},
		{300 * ms, 30}, // a 300 ms window holds tickets 0..29
	}
	for _, tt := range tests {
		if got := s.countBefore(tt.at); got != tt.want {
			t.Errorf("countBefore(%v) = %d, want %d", tt.at, got, tt.want)
		}
	}
}

// dueAt and intended must agree exactly, whatever the rounding, or the pacer
// could skip or repeat a ticket.
func TestScheduleDueAtAgreesWithIntended(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		s := newSchedule(0.1 + rng.Float64()*100_000)
		at := time.Duration(rng.Int64N(int64(time.Hour)))
		n := s.dueAt(at)
		if n < 1 || s.intended(n-1) > at || s.intended(n) <= at {
			t.Fatalf("period %vns: dueAt(%v) = %d, but intended(n-1) = %v, intended(n) = %v",
				s.period, at, n, s.intended(n-1), s.intended(n))
		}
	}
}

func TestPacerStamp(t *testing.T) {
	p := &pacer{sched: newSchedule(1000), measuredFrom: 5}
	tests := []struct {
		name       string
		i          int64
		noticed    time.Duration
		afterBlock bool
		want       ticket
	}{
		{"on time", 5, 5 * ms, false, ticket{intended: 5 * ms, measured: true}},
		{"woke late: generator lateness", 5, 7 * ms, false, ticket{intended: 5 * ms, lateness: 2 * ms, measured: true}},
		{"warm-up ticket", 4, 4 * ms, false, ticket{intended: 4 * ms}},
		{"fell due while blocked: server's fault", 6, 50 * ms, true, ticket{intended: 6 * ms, measured: true, backlogged: true}},
	}
	for _, tt := range tests {
		if got := p.stamp(tt.i, tt.noticed, tt.afterBlock); got != tt.want {
			t.Errorf("%s: stamp = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// With a fake clock whose sleeps overshoot by 3 ms, the pacer releases the
// tickets that fell due during each sleep in one batch, each stamped with
// exactly how late the wake-up was for it.
func TestPacerReleasesBatchesAndStampsTimerSlack(t *testing.T) {
	var clock time.Duration
	out := make(chan ticket, 100) // never full: nothing is backlogged
	var idle atomic.Int64
	idle.Store(100)
	p := &pacer{
		sched:        newSchedule(1000),
		total:        9,
		measuredFrom: 1,
		out:          out,
		idle:         &idle,
		done:         make(chan struct{}),
		now:          func() time.Duration { return clock },
		sleep: func(d time.Duration) bool {
			clock += d + 3*ms
			return true
		},
	}
	p.run()
	// t=0: ticket 0; sleep to 1 ms, woken at 4 ms: 1..4; sleep to 5 ms, woken at 8 ms: 5..8.
	wantLateness := []time.Duration{0, 3 * ms, 2 * ms, ms, 0, 3 * ms, 2 * ms, ms, 0}
	var got []ticket
	for tk := range out {
		got = append(got, tk)
	}
	if len(got) != len(wantLateness) {
		t.Fatalf("released %d tickets, want %d", len(got), len(wantLateness))
	}
	for i, tk := range got {
		want := ticket{intended: time.Duration(i) * ms, lateness: wantLateness[i], measured: i >= 1}
		if tk != want {
			t.Errorf("ticket %d = %+v, want %+v", i, tk, want)
		}
	}
}

// A pacer blocked on a full channel must not outlive the phase.
func TestPacerStopsWhenBlocked(t *testing.T) {
	done := make(chan struct{})
	out := make(chan ticket, 1)
	var idle atomic.Int64
	p := &pacer{
		sched: newSchedule(1000), total: 1000, out: out, idle: &idle, done: done,
		now:   func() time.Duration { return time.Second }, // everything is due
		sleep: func(time.Duration) bool { return true },
	}
	finished := make(chan struct{})
	go func() {
		p.run()
		close(finished)
	}()
	<-out // the pacer can fill the channel once more, then blocks
	close(done)
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("pacer still blocked after the phase stopped")
	}
}
