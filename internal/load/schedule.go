package load

import (
	"sync/atomic"
	"time"
)

// schedule is the open-loop timetable, a pure function of the rate: ticket i
// is intended to be sent i/rate after traffic starts. Times are offsets from
// that start, so the schedule is tested without a clock.
type schedule struct {
	period float64 // nanoseconds between two tickets
}

func newSchedule(rate float64) schedule {
	return schedule{period: float64(time.Second) / rate}
}

// intended is when ticket i is due.
func (s schedule) intended(i int64) time.Duration {
	return time.Duration(float64(i) * s.period)
}

// dueAt is how many tickets are due at elapsed t: those with intended(i) <= t.
// The float estimate is corrected against intended itself so the two always
// agree, whatever the rounding.
func (s schedule) dueAt(t time.Duration) int64 {
	if t < 0 {
		return 0
	}
	n := int64(float64(t)/s.period) + 1
	for s.intended(n) <= t {
		n++
	}
	for n > 0 && s.intended(n-1) > t {
		n--
	}
	return n
}

// countBefore is how many tickets are due strictly before t.
func (s schedule) countBefore(t time.Duration) int64 {
	return s.dueAt(t - 1)
}

// ticket is one open-loop request released by the pacer.
type ticket struct {
	intended   time.Duration // offset from the start of traffic
	lateness   time.Duration // the generator's own delay in releasing it (timer slack)
	measured   bool          // intended within the measured window
	backlogged bool          // released when no connection was free to send it
}

// pacer releases the tickets of a schedule into a channel whose capacity is
// the number of connections. It sleeps until the next ticket is due and then
// releases every ticket that is due in one batch, because timers wake up late
// (about 1 ms on a VM). Who is to blame for a late ticket decides how it is
// stamped: see stamp.
type pacer struct {
	sched        schedule
	total        int64 // tickets to release: those intended before the end of the window
	measuredFrom int64 // index of the first ticket of the measured window
	out          chan<- ticket
	idle         *atomic.Int64 // connections waiting for a ticket
	done         <-chan struct{}
	now          func() time.Duration
	sleep        func(time.Duration) bool // false when the phase stopped
}

// run releases tickets until all are out or the phase stops, then closes out.
func (p *pacer) run() {
	defer close(p.out)
	var next int64
	afterBlock := false
	for next < p.total {
		now := p.now()
		due := min(p.sched.dueAt(now), p.total)
		if due <= next {
			if !p.sleep(p.sched.intended(next) - now) {
				return
			}
			afterBlock = false
			continue
		}
		blocked, ok := p.release(next, due, now, afterBlock)
		if !ok {
			return
		}
		next, afterBlock = due, blocked
	}
}

// release sends tickets [from, to), noticed due at noticed. It reports whether
// a send had to wait for a connection, and false when the phase stopped.
func (p *pacer) release(from, to int64, noticed time.Duration, afterBlock bool) (blocked, ok bool) {
	for i := from; i < to; i++ {
		t := p.stamp(i, noticed, afterBlock)
		t.backlogged = t.backlogged || blocked || int64(len(p.out)) >= p.idle.Load()
		select {
		case p.out <- t:
			continue
		default:
		}
		blocked, t.backlogged = true, true
		select {
		case p.out <- t:
		case <-p.done:
			return blocked, false
		}
	}
	return blocked, true
}

// stamp makes ticket i, noticed due at noticed. A ticket that fell due while
// the pacer slept (or worked) was released late by the generator itself: that
// lateness is excused from its latency. A ticket that fell due while the pacer
// was blocked on a full channel waited because every connection was busy: the
// server's fault, so its lateness is 0 and it is backlogged.
func (p *pacer) stamp(i int64, noticed time.Duration, afterBlock bool) ticket {
	t := ticket{intended: p.sched.intended(i), measured: i >= p.measuredFrom}
	if afterBlock {
		t.backlogged = true
		return t
	}
	t.lateness = max(noticed-t.intended, 0)
	return t
}
