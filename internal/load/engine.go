package load

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// stopReason says why the phase stopped.
type stopReason int32

const (
	running    stopReason = iota
	stopCancel            // the context ended
	stopFailed            // the generator could not go on (ErrGenerator, or its epoll failed)
)

// engine is one phase in progress. Times are offsets from base, the moment the clock
// started: [0, start) is the warm-up, [start, end) the measured window, and [end,
// hardStop) the drain, where the requests still in flight end.
type engine struct {
	tgt       *target
	opt       Options
	wire      []byte // the request repeated Pipeline+1 times: any run of requests to write is a slice of it
	reqLen    int
	sa        syscall.Sockaddr
	timeout   time.Duration
	start     time.Duration
	end       time.Duration
	hardStop  time.Duration // the end of the drain
	scanEvery time.Duration // how often loops look for requests past their timeout
	idleLimit time.Duration // open loop: how long a connection may idle before it is closed
	seconds   int

	sched        schedule
	total        int64 // open-loop tickets intended before the end of the window
	measuredFrom int64

	base   time.Time
	winEnd atomic.Int64 // end, or earlier when the context ended
	stop   atomic.Int32 // a stopReason
	errMu  sync.Mutex
	err    error

	series *seriesAgg
	loops  []*loop
}

// Bounds of how often loops look for requests past their timeout: Timeout/timeoutSlices,
// so that a timeout fires at most about 6 % late.
const (
	timeoutSlices = 16
	minScanEvery  = time.Millisecond
	maxScanEvery  = 100 * time.Millisecond
)

func newEngine(tgt *target, opt Options) (*engine, error) {
	e := &engine{
		tgt:       tgt,
		opt:       opt,
		wire:      bytes.Repeat(tgt.wire, opt.Pipeline+1),
		reqLen:    len(tgt.wire),
		timeout:   opt.Timeout,
		start:     opt.Warmup,
		end:       opt.Warmup + opt.Duration,
		scanEvery: min(max(opt.Timeout/timeoutSlices, minScanEvery), maxScanEvery),
		seconds:   int((opt.Duration + time.Second - 1) / time.Second),
	}
	e.hardStop = e.end + e.timeout
	e.winEnd.Store(int64(e.end))
	if opt.Rate > 0 {
		e.sched = newRamp(opt.Rate, opt.RampTo, e.start, e.end)
		e.total = e.sched.countBefore(e.end)
		e.measuredFrom = e.sched.countBefore(e.start)
		e.idleLimit = idleLimit(opt)
	}
	e.series = newSeriesAgg(e.seconds, opt.Loops)
	for id := range opt.Loops {
		l, err := newLoop(e, id)
		if err != nil {
			e.close()
			return nil, fmt.Errorf("creating event loop: %w", err)
		}
		e.loops = append(e.loops, l)
	}
	for i := range opt.Connections {
		e.loops[i%len(e.loops)].addConn()
	}
	return e, nil
}

func (e *engine) openLoop() bool { return e.opt.Rate > 0 }

// close releases the loops' sockets and pollers, once no loop runs: a poller closed
// under a running phase could have its descriptor reused while abort still wakes it.
func (e *engine) close() {
	for _, l := range e.loops {
		l.closeSockets()
		l.poll.close()
	}
}

// dialAll opens the connections before the clock starts: in a closed loop every one, one
// after the other so that a server with a short accept queue is not flooded; in an open
// loop only the first, which finds the target's address (the loops dial the others when
// a request needs one). When a dial fails the rest are left to the loops, which count
// the failures in the window: a dead server should not cost Connections × Timeout here.
// When the generator itself fails (ErrGenerator), the phase is failed: it stops as soon
// as it starts.
func (e *engine) dialAll(ctx context.Context) error {
	addrs, err := e.addresses(ctx)
	if err != nil {
		return err
	}
	e.sa = addrs[0]
	defer func() {
		for _, l := range e.loops {
			l.sa = cloneSockaddr(e.sa)
			l.listAll()
		}
	}()
	n := e.opt.Connections
	if e.openLoop() {
		n = 1
	}
	for k := range n {
		if err := ctx.Err(); err != nil {
			return startError(err)
		}
		l := e.loops[k%len(e.loops)]
		i := int32(k / len(e.loops))
		fd, err := e.dialFirst(addrs, k == 0)
		if err != nil {
			if generatorFault(err) {
				e.fail(generatorError("opening a connection", err))
			}
			return nil
		}
		c := &l.conns[i]
		c.fd, c.gen, c.opened = fd, c.gen+1, 1
		if err := l.poll.add(fd, i, c.gen); err != nil {
			e.fail(generatorError("registering a connection with epoll", err))
			return nil
		}
	}
	return nil
}

// cloneSockaddr copies a socket address, for a goroutine of its own.
func cloneSockaddr(sa syscall.Sockaddr) syscall.Sockaddr {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &syscall.SockaddrInet4{Port: a.Port, Addr: a.Addr}
	case *syscall.SockaddrInet6:
		return &syscall.SockaddrInet6{Port: a.Port, ZoneId: a.ZoneId, Addr: a.Addr}
	}
	return sa
}

// dialFirst dials e.sa; for the first connection it tries every address the host has and
// keeps the first that answers (localhost may be ::1 or 127.0.0.1).
func (e *engine) dialFirst(addrs []syscall.Sockaddr, first bool) (int, error) {
	if !first {
		return connectBlocking(e.sa, e.timeout)
	}
	var err error
	for _, sa := range addrs {
		var fd int
		if fd, err = connectBlocking(sa, e.timeout); err == nil {
			e.sa = sa
			return fd, nil
		}
	}
	return -1, err
}

// addresses are the socket addresses of the target, in the order to try them. Only
// localhost is looked up, once, before the clock starts.
func (e *engine) addresses(ctx context.Context) ([]syscall.Sockaddr, error) {
	host, portText, _ := net.SplitHostPort(e.tgt.addr) // validated by newTarget
	port, _ := net.LookupPort("tcp", portText)
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else {
		found, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("looking up %s: %w", host, err)
		}
		for _, a := range found {
			ips = append(ips, a.IP)
		}
	}
	var out []syscall.Sockaddr
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			sa := &syscall.SockaddrInet4{Port: port}
			copy(sa.Addr[:], v4)
			out = append(out, sa)
			continue
		}
		sa := &syscall.SockaddrInet6{Port: port}
		copy(sa.Addr[:], ip.To16())
		out = append(out, sa)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("looking up %s: no address", host)
	}
	return out, nil
}

// startError says that the phase did not start because its context ended first.
func startError(err error) error {
	return fmt.Errorf("starting load phase: %w", err)
}

// run starts the clock and the loops, waits for the phase to end, and returns what was
// measured.
func (e *engine) run(ctx context.Context) (*Result, error) {
	e.base = time.Now()
	var wg sync.WaitGroup
	for _, l := range e.loops {
		wg.Go(l.run)
	}
	allDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(allDone)
	}()
	select {
	case <-allDone:
	case <-ctx.Done():
		e.halt(stopCancel)
		<-allDone
	}
	res := e.collect()
	switch {
	case e.reason() == stopCancel:
		return res, fmt.Errorf("load phase interrupted after %v of %v: %w", res.Elapsed, e.opt.Duration, ctx.Err())
	case e.err != nil:
		return res, fmt.Errorf("load phase: %w", e.err)
	}
	return res, nil
}

// halt stops every loop promptly; the window ends now (at 0 when the clock has not
// started).
func (e *engine) halt(reason stopReason) {
	if !e.stop.CompareAndSwap(int32(running), int32(reason)) {
		return
	}
	var at time.Duration
	if !e.base.IsZero() {
		at = e.now()
	}
	e.winEnd.Store(int64(min(at, e.windowEnd())))
	for _, l := range e.loops {
		l.poll.wake()
	}
}

// fail stops the phase because the generator cannot go on.
func (e *engine) fail(err error) {
	e.errMu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.errMu.Unlock()
	e.halt(stopFailed)
}

func (e *engine) stopped() bool { return e.stop.Load() != int32(running) }

func (e *engine) reason() stopReason { return stopReason(e.stop.Load()) }

// now is the time since the clock started (monotonic).
func (e *engine) now() time.Duration { return time.Since(e.base) }

func (e *engine) windowEnd() time.Duration { return time.Duration(e.winEnd.Load()) }

// inWindow reports whether t falls in the measured window, which ends at windowEnd.
func (e *engine) inWindow(t, windowEnd time.Duration) bool {
	return t >= e.start && t < windowEnd
}

// second is the index in the series of the second t falls in, clamped to the window
// (open-loop answers may complete during the drain).
func (e *engine) second(t time.Duration) int {
	return min(max(int((t-e.start)/time.Second), 0), e.seconds-1)
}

// collect merges the loops' tallies into the Result.
func (e *engine) collect() *Result {
	sum := newTally(0, nil, true)
	gen := Generator{Loops: len(e.loops)}
	for _, l := range e.loops {
		sum.add(&l.tally)
		gen.CPU += l.cpu
		gen.Busiest = max(gen.Busiest, l.share)
	}
	elapsed := min(max(e.windowEnd()-e.start, 0), e.opt.Duration)
	res := &Result{
		Requests:   sum.requests,
		Errors:     sum.errors,
		Elapsed:    elapsed,
		Latency:    sum.latency,
		Lateness:   sum.lateness,
		Backlogged: sum.backlogged,
		Reconnects: sum.reconnects,
		Abandoned:  sum.abandoned,
		Series:     e.series.result(elapsed),
		Generator:  gen,
	}
	if e.openLoop() {
		due := e.sched.countBefore(e.windowEnd()) - e.measuredFrom
		res.Unsent = max(due-sum.sent, 0)
		res.Sent = sum.onTime
	}
	res.Saturated = saturation(gen, e.openLoop(), res.Lateness, e.opt)
	return res
}

// Self-saturation bounds: a generator beyond them measured itself, not the target.
const (
	// SaturatedBusy is the share of its CPU from which an event loop is considered the
	// limit: it had no time left to send or read.
	SaturatedBusy = 0.9
	// SaturatedLateness bounds the generator's own lateness in an open loop: when one
	// request in ten (the p90) went out later than this, the generator did not keep the
	// schedule. At rates under 20 req/s the bound is a tenth of the interval between
	// requests. The p90, not the p99: one 10 ms hiccup of a busy machine is enough to
	// move the p99 of a one-second phase, while the numbers measured from the actual
	// send times stay right; a generator that cannot keep up falls behind for good.
	SaturatedLateness = 5 * time.Millisecond
	// saturatedLatenessQuantile is the quantile of lateness compared with the bound.
	saturatedLatenessQuantile = 90
)

// saturation says why the generator was the limit of a phase, or "" when it was not.
func saturation(g Generator, openLoop bool, lateness *hdrhistogram.Histogram, opt Options) string {
	var reasons []string
	if g.Busiest >= SaturatedBusy {
		reasons = append(reasons, fmt.Sprintf("a load generator loop used %.0f%% of its CPU (limit %.0f%%): use fewer connections, a lower rate or more loops",
			100*g.Busiest, 100*SaturatedBusy))
	}
	// Late sends count against the generator only when its loops were busy: late sends of
	// idle loops are the machine's (other processes, a virtual machine's stolen time). Their
	// lateness is not charged to the target either way, so such a run stays valid and the
	// caller warns about the burstier load instead.
	if openLoop && g.Busiest >= SaturatedBusy/2 {
		bound := max(SaturatedLateness, time.Duration(float64(time.Second)/max(opt.Rate, opt.RampTo)/10))
		if late := time.Duration(lateness.ValueAtQuantile(saturatedLatenessQuantile)) * time.Microsecond; late > bound {
			reasons = append(reasons, fmt.Sprintf("the load generator sent one request in ten %v late or more (p90 of its own lateness, limit %v) while its loops were busy (%.0f%% of a CPU)", roughly(late), bound, 100*g.Busiest))
		}
	}
	return strings.Join(reasons, "; ")
}

// roughly rounds d to about three significant figures, as histograms record it.
func roughly(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}
