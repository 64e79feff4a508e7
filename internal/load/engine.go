package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// stopReason says why the phase stopped, which decides what an interrupted
// request counts as.
type stopReason int32

const (
	running    stopReason = iota
	stopEnd               // the window (closed loop) or the drain (open loop) is over
	stopCancel            // the context ended
)

// longAgo is a deadline in the past: setting it wakes a blocked read or write.
var longAgo = time.Unix(1, 0)

// engine is one phase in progress. Times are offsets from base, the moment
// all connections were dialled: [0, start) is the warm-up, [start, end) the
// measured window.
type engine struct {
	tgt      *target
	addr     string // tgt.addr, or the address localhost resolved to
	timeout  time.Duration
	start    time.Duration
	end      time.Duration
	rate     float64
	sched    schedule
	duration time.Duration

	dialer     net.Dialer
	dialCtx    context.Context // ends with the phase, so a dial in progress stops too
	cancelDial context.CancelFunc

	base      time.Time
	windowEnd atomic.Int64 // end, or earlier when the context ended
	stop      atomic.Int32 // a stopReason
	done      chan struct{}
	idle      atomic.Int64 // open loop: connections waiting for a ticket

	workers []*worker
}

func newEngine(ctx context.Context, tgt *target, opt Options) *engine {
	dialCtx, cancel := context.WithCancel(ctx)
	e := &engine{
		tgt:        tgt,
		addr:       tgt.addr,
		timeout:    opt.Timeout,
		start:      opt.Warmup,
		end:        opt.Warmup + opt.Duration,
		duration:   opt.Duration,
		rate:       opt.Rate,
		dialer:     net.Dialer{Timeout: opt.Timeout, KeepAlive: -1},
		dialCtx:    dialCtx,
		cancelDial: cancel,
		done:       make(chan struct{}),
	}
	if e.openLoop() {
		e.sched = newSchedule(opt.Rate)
	}
	e.windowEnd.Store(int64(e.end))
	seconds := int((opt.Duration + time.Second - 1) / time.Second)
	for range opt.Connections {
		e.workers = append(e.workers, newWorker(e, seconds))
	}
	return e
}

func (e *engine) openLoop() bool { return e.rate > 0 }

// dialAll opens every connection before the clock starts, one after the other
// so that a server with a short accept queue is not flooded. When a dial
// fails the rest are left to the workers, which count the failures in the
// window: a dead server should not cost Connections × Timeout here.
func (e *engine) dialAll() error {
	for i, w := range e.workers {
		if err := w.dial(); err != nil {
			break
		}
		if i == 0 && e.tgt.localhost {
			e.addr = w.conn.RemoteAddr().String() // later dials skip the name lookup
		}
	}
	if err := e.dialCtx.Err(); err != nil {
		e.closeAll()
		return startError(err)
	}
	return nil
}

// startError says that the phase did not start because its context ended first.
func startError(err error) error {
	return fmt.Errorf("starting load phase: %w", err)
}

func (e *engine) closeAll() {
	for _, w := range e.workers {
		w.drop()
	}
}

// run starts the clock and the goroutines, waits for the phase to end, and
// returns what was measured.
func (e *engine) run(ctx context.Context) (*Result, error) {
	e.base = time.Now()
	var wg sync.WaitGroup
	if e.openLoop() {
		tickets := make(chan ticket, len(e.workers))
		wg.Go(e.newPacer(tickets).run)
		for _, w := range e.workers {
			wg.Go(func() { w.openLoop(tickets) })
		}
	} else {
		for _, w := range e.workers {
			wg.Go(w.closedLoop)
		}
	}
	allDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(allDone)
	}()
	reason := e.wait(ctx, allDone)
	e.abort(reason)
	<-allDone
	res := e.collect()
	if reason == stopCancel {
		return res, fmt.Errorf("load phase interrupted after %v of %v: %w", res.Elapsed, e.duration, ctx.Err())
	}
	return res, nil
}

// wait blocks until the phase is over: the end of the window (closed loop),
// all tickets answered or the hard stop at end+Timeout (open loop), or the
// context's end.
func (e *engine) wait(ctx context.Context, allDone <-chan struct{}) stopReason {
	hardStop := e.end
	if e.openLoop() {
		hardStop += e.timeout
	}
	timer := time.NewTimer(hardStop - e.now())
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-allDone:
	case <-ctx.Done():
		e.windowEnd.Store(int64(min(e.now(), e.end)))
		return stopCancel
	}
	return stopEnd
}

// abort stops every goroutine promptly: the pacer and idle workers through
// done, dials through dialCtx, and requests in flight through a deadline in
// the past. A worker stores its connection before checking stopped, so each
// connection is either seen here or its worker sees the stop.
func (e *engine) abort(reason stopReason) {
	if !e.stop.CompareAndSwap(int32(running), int32(reason)) {
		return
	}
	close(e.done)
	e.cancelDial()
	for _, w := range e.workers {
		if c := w.live.Load(); c != nil {
			_ = c.SetDeadline(longAgo) // an error means it is closed already
		}
	}
}

func (e *engine) stopped() bool { return e.stop.Load() != int32(running) }

func (e *engine) reason() stopReason { return stopReason(e.stop.Load()) }

// now is the time since the clock started (monotonic).
func (e *engine) now() time.Duration { return time.Since(e.base) }

// inWindow reports whether t falls in the measured window.
func (e *engine) inWindow(t time.Duration) bool {
	return t >= e.start && t < time.Duration(e.windowEnd.Load())
}

// second is the index in the series of the second t falls in, clamped to the
// window (open-loop answers may complete during the drain).
func (e *engine) second(t time.Duration, seconds int) int {
	return min(max(int((t-e.start)/time.Second), 0), seconds-1)
}

func (e *engine) newPacer(out chan<- ticket) *pacer {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	return &pacer{
		sched:        e.sched,
		total:        e.sched.countBefore(e.end),
		measuredFrom: e.sched.countBefore(e.start),
		out:          out,
		idle:         &e.idle,
		done:         e.done,
		now:          e.now,
		sleep: func(d time.Duration) bool {
			timer.Reset(d)
			select {
			case <-timer.C:
				return true
			case <-e.done:
				timer.Stop()
				return false
			}
		},
	}
}

// collect merges the workers' tallies into the Result.
func (e *engine) collect() *Result {
	sum := newTally(len(e.workers[0].tally.series), true)
	for _, w := range e.workers {
		sum.add(&w.tally)
	}
	elapsed := min(max(time.Duration(e.windowEnd.Load())-e.start, 0), e.duration)
	res := &Result{
		Requests:   sum.requests,
		Errors:     sum.errors,
		Elapsed:    elapsed,
		Latency:    sum.latency,
		Lateness:   sum.lateness,
		Backlogged: sum.backlogged,
		Reconnects: sum.reconnects,
		Series:     seriesFor(sum.series, elapsed),
	}
	if e.openLoop() {
		due := e.sched.countBefore(time.Duration(e.windowEnd.Load())) - e.sched.countBefore(e.start)
		res.Unsent = max(due-sum.sent, 0)
	}
	return res
}
