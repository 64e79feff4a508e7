package load

import (
	"math"
	"time"
)

// schedule is the open-loop timetable, a pure function of time: ticket i is intended to
// be sent when the i-th request is due since traffic started. At a constant rate that is
// i/rate; with a ramp the rate stays at its first value through the warm-up and then
// changes linearly over the measured window. Times are offsets from the start of traffic,
// so the schedule is tested without a clock.
type schedule struct {
	period float64 // nanoseconds between two tickets at the first rate
	// The ramp, when slope != 0: from start (ns), the rate grows by slope tickets/ns².
	ramp  bool
	start float64
	rate0 float64 // tickets per ns
	slope float64
}

func newSchedule(rate float64) schedule {
	return schedule{period: float64(time.Second) / rate}
}

// newRamp is a schedule whose rate goes linearly from rate at start to rampTo at end.
func newRamp(rate, rampTo float64, start, end time.Duration) schedule {
	s := newSchedule(rate)
	if rampTo == rate || end <= start {
		return s
	}
	s.ramp = true
	s.start = float64(start)
	s.rate0 = rate / float64(time.Second)
	s.slope = (rampTo - rate) / float64(time.Second) / float64(end-start)
	return s
}

// intended is when ticket i is due.
func (s schedule) intended(i int64) time.Duration {
	before := s.start / s.period // tickets due before the ramp starts (real-valued)
	if !s.ramp || float64(i) <= before {
		return time.Duration(float64(i) * s.period)
	}
	// Solve rate0·u + slope·u²/2 = k for u, the time since the ramp started, in the
	// form that stays accurate when the slope is small or negative.
	k := float64(i) - before
	u := 2 * k / (s.rate0 + math.Sqrt(max(s.rate0*s.rate0+2*s.slope*k, 0)))
	return time.Duration(s.start + u)
}

// dueAt is how many tickets are due at elapsed t: those with intended(i) <= t. The float
// estimate is corrected against intended itself so the two always agree, whatever the
// rounding.
func (s schedule) dueAt(t time.Duration) int64 {
	if t < 0 {
		return 0
	}
	n := int64(s.count(float64(t))) + 1
	for s.intended(n) <= t {
		n++
	}
	for n > 0 && s.intended(n-1) > t {
		n--
	}
	return n
}

// count is how many tickets the rate adds up to by t (real-valued).
func (s schedule) count(t float64) float64 {
	if !s.ramp || t <= s.start {
		return t / s.period
	}
	u := t - s.start
	return s.start/s.period + s.rate0*u + s.slope*u*u/2
}

// countBefore is how many tickets are due strictly before t.
func (s schedule) countBefore(t time.Duration) int64 {
	return s.dueAt(t - 1)
}

// ticket is one open-loop request released by a loop.
type ticket struct {
	intended   time.Duration // offset from the start of traffic
	lateness   time.Duration // the generator's own delay in releasing it
	measured   bool          // intended within the measured window
	backlogged bool          // it fell due when no connection was free to send it
}

// releaser hands out one loop's share of the tickets: with n loops, loop k sends
// tickets k, k+n, k+2n, ... Who is to blame for a late ticket decides how it is stamped:
// a ticket that fell due while a connection had room and went out later was late by the
// generator's fault (timer slack, work on other connections), and that lateness is
// excused from its latency; a ticket that fell due while every connection was busy
// waited for the server: its lateness is 0 and it counts as backlogged. The loop moves
// blocked forward when it finds a ticket due and no room, and when a connection gets
// room after none had.
type releaser struct {
	sched        schedule
	next         int64 // next ticket of this loop
	step         int64 // number of loops
	total        int64 // tickets intended before the end of the window
	measuredFrom int64 // first ticket of the measured window
	blocked      int64 // tickets below this were found due when no connection was free
}

// pending reports whether the loop has tickets left to send.
func (r *releaser) pending() bool { return r.next < r.total }

// nextAt is when the loop's next ticket is due.
func (r *releaser) nextAt() time.Duration { return r.sched.intended(r.next) }

// take returns the next ticket if it is due at now and a connection is free to send it.
// When one is due and none is free, every ticket due by now is marked as backlogged.
func (r *releaser) take(now time.Duration, free bool) (ticket, bool) {
	if !r.pending() {
		return ticket{}, false
	}
	at := r.sched.intended(r.next)
	if at > now {
		return ticket{}, false
	}
	if !free {
		r.blocked = max(r.blocked, r.sched.dueAt(now))
		return ticket{}, false
	}
	t := ticket{intended: at, measured: r.next >= r.measuredFrom}
	if r.next < r.blocked {
		t.backlogged = true
	} else {
		t.lateness = now - at
	}
	r.next += r.step
	return t, true
}
