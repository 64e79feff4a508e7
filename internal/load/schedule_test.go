package load

import (
	"math/rand/v2"
	"slices"
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

// A rate ramp goes linearly from the first rate at the start of the window to the
// last at its end, after a warm-up at the first rate: the tickets of each stretch add up
// to the area under the rate.
func TestScheduleRamp(t *testing.T) {
	const warmup, window = time.Second, 10 * time.Second
	s := newRamp(100, 1100, warmup, warmup+window)
	tests := []struct {
		at   time.Duration
		want int64 // tickets due strictly before at
	}{
		{warmup, 100},                     // 1 s at 100/s
		{warmup + time.Second, 100 + 150}, // rate 100 → 200 over the first second: 150
		{warmup + window, 100 + 6000},     // the mean rate of the window is 600/s
	}
	for _, tt := range tests {
		if got := s.countBefore(tt.at); got < tt.want-1 || got > tt.want+1 {
			t.Errorf("countBefore(%v) = %d, want %d ± 1", tt.at, got, tt.want)
		}
	}
	// A ramp down works the same way.
	down := newRamp(1000, 100, 0, window)
	if got, want := down.countBefore(window), int64(5500); got < want-1 || got > want+1 {
		t.Errorf("ramp down: countBefore(%v) = %d, want %d ± 1", window, got, want)
	}
	// Times only move forward, and dueAt agrees with intended.
	for i := int64(1); i < 6200; i++ {
		if s.intended(i) < s.intended(i-1) {
			t.Fatalf("intended(%d) = %v is before intended(%d) = %v", i, s.intended(i), i-1, s.intended(i-1))
		}
		if at := s.intended(i); s.dueAt(at) <= i || s.dueAt(at-1) > i {
			t.Fatalf("dueAt around intended(%d) = %v disagrees: %d, %d", i, at, s.dueAt(at-1), s.dueAt(at))
		}
	}
}

func TestReleaserStamps(t *testing.T) {
	tests := []struct {
		name  string
		steps []struct {
			now  time.Duration
			free bool
		}
		want []ticket
	}{
		{
			name: "on time",
			steps: []struct {
				now  time.Duration
				free bool
			}{{5 * ms, true}},
			want: []ticket{{intended: 5 * ms, measured: true}},
		},
		{
			name: "woke late: the generator's lateness",
			steps: []struct {
				now  time.Duration
				free bool
			}{{7 * ms, true}, {7 * ms, true}, {7 * ms, true}},
			want: []ticket{{intended: 5 * ms, lateness: 2 * ms, measured: true}, {intended: 6 * ms, lateness: ms, measured: true}, {intended: 7 * ms, measured: true}},
		},
		{
			name: "fell due while every connection was busy: the server's fault",
			steps: []struct {
				now  time.Duration
				free bool
			}{{6 * ms, false}, {9 * ms, true}, {9 * ms, true}, {9 * ms, true}},
			// 5 and 6 were due when no connection was free; 7 fell due later, found late
			// by the generator once one was.
			want: []ticket{{intended: 5 * ms, measured: true, backlogged: true}, {intended: 6 * ms, measured: true, backlogged: true}, {intended: 7 * ms, lateness: 2 * ms, measured: true}},
		},
	}
	for _, tt := range tests {
		r := &releaser{sched: newSchedule(1000), next: 5, step: 1, total: 100, measuredFrom: 5}
		var got []ticket
		for _, st := range tt.steps {
			if tk, ok := r.take(st.now, st.free); ok {
				got = append(got, tk)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

// With several loops each takes every n-th ticket, so together they send each ticket
// exactly once; warm-up tickets are not measured; nothing is released past the total.
func TestReleasersShareTheSchedule(t *testing.T) {
	const loops, total = 3, 20
	seen := map[time.Duration]int{}
	for id := range loops {
		r := &releaser{sched: newSchedule(1000), next: int64(id), step: loops, total: total, measuredFrom: 4}
		for now := time.Duration(0); now < time.Second; now += 3 * ms {
			for {
				tk, ok := r.take(now, true)
				if !ok {
					break
				}
				seen[tk.intended]++
				if tk.measured != (tk.intended >= 4*ms) {
					t.Errorf("ticket at %v: measured = %v", tk.intended, tk.measured)
				}
			}
		}
		if r.pending() {
			t.Errorf("loop %d still has tickets after the schedule ended", id)
		}
	}
	for i := range total {
		if seen[time.Duration(i)*ms] != 1 {
			t.Errorf("ticket %d released %d times, want once", i, seen[time.Duration(i)*ms])
		}
	}
	if len(seen) != total {
		t.Errorf("%d tickets released, want %d", len(seen), total)
	}
}
