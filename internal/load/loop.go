package load

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/stackgate/stackgate/internal/cpuset"
)

const (
	// readBufferSize is each loop's read buffer, shared by its connections.
	readBufferSize = 64 << 10
	// maxEvents is how many events one wait returns at most.
	maxEvents = 256
	// redialPause is how long a closed loop waits before dialling again after a dial
	// failed at once (connection refused): every attempt is a counted Connect error.
	redialPause = time.Millisecond
	// yieldEvery is how often a loop yields to the Go scheduler. A goroutine that never
	// does looks stuck to the runtime's monitor after 10 ms: it takes the loop's P
	// away in the middle of a wait, or interrupts it with a signal, and then polls every
	// 20 µs for a while — about a tenth more CPU per request, measured. A yield every
	// few milliseconds costs far less.
	yieldEvery = 5 * time.Millisecond
)

// loop is one event loop: an epoll instance, the connections it owns, and its tally.
// It runs on one goroutine locked to its OS thread (so that the thread's CPU time is
// the loop's), makes two system calls per request (write, read) plus a share of
// epoll_pwait2, and allocates nothing per request.
type loop struct {
	e     *engine
	id    int
	poll  *poller
	conns []conn
	// The connections with room for a request (see pool.go): open ones, the one freed
	// last at the end, and unopened ones; batch holds them while fill works through them.
	free, unopened, batch []int32
	events                []syscall.EpollEvent
	buf                   []byte
	tally                 tally
	rel                   releaser         // open loop
	flying                int              // requests in flight on all the loop's connections
	sa                    syscall.Sockaddr // the target; each loop has its own, as syscall.Connect encodes into it

	windowEnd time.Duration // the engine's windowEnd as of this iteration
	nextScan  time.Duration
	refillAt  time.Duration // closed loop: when to fill connections whose dial failed
	nextYield time.Duration // when to yield to the Go scheduler next

	// CPU time of the loop's thread from the start of the window to its end (closed
	// loop) or to the end of the phase (open loop, whose drain is measured).
	inWindow   bool
	cpuAtStart time.Duration
	atStart    time.Duration
	cpuTaken   bool
	cpu        time.Duration
	share      float64
}

func newLoop(e *engine, id int) (*loop, error) {
	p, err := newPoller()
	if err != nil {
		return nil, err
	}
	l := &loop{
		e:      e,
		id:     id,
		poll:   p,
		events: make([]syscall.EpollEvent, maxEvents),
		buf:    make([]byte, readBufferSize),
		tally:  newTally(id, e.series, e.openLoop()),
	}
	if e.openLoop() {
		l.rel = releaser{sched: e.sched, next: int64(id), step: int64(e.opt.Loops), total: e.total, measuredFrom: e.measuredFrom}
	}
	return l, nil
}

// addConn gives the loop a connection (not yet open).
func (l *loop) addConn() {
	l.conns = append(l.conns, conn{
		fd:      -1,
		parser:  newParser(l.e.tgt.needle, l.e.tgt.head),
		flights: make([]flight, 0, l.e.opt.Pipeline),
	})
}

// run is the loop's goroutine: it ends when every request is answered or at the hard
// stop after the window, or when the phase is stopped.
func (l *loop) run() {
	runtime.LockOSThread()
	unpin, err := pinThread(l.e.opt.CPUs)
	if err != nil {
		l.e.fail(err) // the loop sees the phase stopped and ends as usual
		unpin = runtime.UnlockOSThread
	}
	defer unpin()
	setTimerSlack(timerSlack)
	defer setTimerSlack(0)
	defer l.closeSockets()
	for l.step() {
	}
	l.tally.finish()
	if l.inWindow && !l.cpuTaken {
		l.takeCPU(l.e.now())
	}
}

// takeCPU notes the CPU time the loop's thread used since the window started.
func (l *loop) takeCPU(now time.Duration) {
	l.cpuTaken = true
	l.cpu = threadCPU() - l.cpuAtStart
	if span := now - l.atStart; span > 0 {
		l.share = float64(l.cpu) / float64(span)
	}
}

// step is one turn of the loop: send what is due, wait for events, handle them. It
// returns false when the loop is over.
func (l *loop) step() bool {
	e := l.e
	if e.stopped() {
		return false
	}
	now := e.now()
	l.observe(now)
	turn := l.closedTurn
	if e.openLoop() {
		turn = l.openTurn
	}
	wake, more := turn(now)
	if !more {
		return false
	}
	n, err := l.wait(min(wake, l.nextScan))
	if err != nil && err != syscall.EINTR {
		e.fail(err)
		return false
	}
	for _, ev := range l.events[:max(n, 0)] {
		l.handle(ev)
	}
	return true
}

// observe does the bookkeeping of a turn: the window's start and end (for the CPU
// account), the current second (so that the series moves on even when nothing
// completes), and the periodic look for requests past their timeout and, in an open
// loop, for connections it no longer needs.
func (l *loop) observe(now time.Duration) {
	e := l.e
	l.windowEnd = e.windowEnd()
	if !l.inWindow && now >= e.start {
		l.inWindow, l.cpuAtStart, l.atStart = true, threadCPU(), now
	}
	if l.inWindow && !l.cpuTaken && !e.openLoop() && now >= l.windowEnd {
		l.takeCPU(now) // the drain records nothing: its reads are not the window's cost
	}
	if now >= e.start {
		l.tally.advance(e.second(now))
	}
	if now >= l.nextScan {
		l.expire(now, false)
		if e.openLoop() {
			l.trim(now)
		}
		l.nextScan = now + e.scanEvery
	}
	if now >= l.nextYield {
		runtime.Gosched()
		l.nextYield = now + yieldEvery
	}
}

// closedTurn fills the connections with room until the end of the window, then drains,
// and says when to wake up at the latest.
func (l *loop) closedTurn(now time.Duration) (wake time.Duration, more bool) {
	if now >= l.e.end {
		return l.drainTurn(now)
	}
	if now >= l.refillAt {
		l.fill()
	}
	if l.hasRoom() {
		// A connection could not be filled because a dial just failed: try again
		// shortly, rather than spin on a server that refuses connections.
		return max(l.refillAt, now), true
	}
	return l.e.end, true
}

// drainTurn waits, after the window of a closed loop, until every request in flight has
// been answered or has failed (neither is recorded), at most until the hard stop: the
// next phase then finds the target with nothing of this one in its queues. What is still
// in flight at the hard stop is abandoned.
func (l *loop) drainTurn(now time.Duration) (wake time.Duration, more bool) {
	switch {
	case l.flying == 0:
		return 0, false
	case now >= l.e.hardStop:
		l.tally.abandoned += int64(l.flying)
		return 0, false
	}
	return l.e.hardStop, true
}

// openTurn sends the tickets that are due until every one is answered or the hard stop,
// and says when to wake up at the latest: for the next ticket, if a connection has room
// for it.
func (l *loop) openTurn(now time.Duration) (wake time.Duration, more bool) {
	if now >= l.e.hardStop {
		l.expire(now, true)
		return 0, false
	}
	l.release()
	if !l.rel.pending() && l.flying == 0 {
		return 0, false
	}
	if l.rel.pending() && l.hasRoom() {
		return l.rel.nextAt(), true
	}
	return l.e.hardStop, true
}

// wait waits for events until wake at the latest.
func (l *loop) wait(wake time.Duration) (int, error) {
	return l.poll.wait(l.events, max(wake-l.e.now(), 0))
}

// release sends the tickets that are due on connections with room (open loop).
func (l *loop) release() {
	for !l.e.stopped() {
		now := l.e.now()
		t, ok := l.rel.take(now, l.hasRoom())
		if !ok {
			return
		}
		i := l.take()
		if t.measured {
			l.tally.sent++
			if now < l.windowEnd {
				l.tally.onTime++
			}
		}
		l.send(i, flight{begin: now, ticket: t})
		if c := &l.conns[i]; len(c.flights) < cap(c.flights) {
			l.markFree(i, now)
		}
	}
}

// send hands a request to connection i, opening the connection first when needed.
func (l *loop) send(i int32, f flight) {
	c := &l.conns[i]
	c.push(f)
	l.flying++
	c.out += l.e.reqLen
	switch {
	case c.fd < 0:
		l.dial(i)
	case !c.connecting:
		l.flush(i)
	}
}

// dial opens a new socket for connection i's requests in flight. A failure of the
// generator's own (no file descriptor, no local port) stops the phase.
func (l *loop) dial(i int32) {
	c := &l.conns[i]
	fd, done, err := connectStart(l.sa, l.e.timeout)
	if err != nil {
		l.dialFailed(i, err)
		return
	}
	c.fd, c.gen = fd, c.gen+1
	c.opened++
	c.resetStream(l.e.reqLen)
	if err := l.poll.add(fd, i, c.gen); err != nil {
		l.closeSocket(i)
		l.e.fail(generatorError("registering a connection with epoll", err))
		return
	}
	if !done {
		c.connecting = true
		l.watchWrite(i, true)
		return
	}
	l.connected(i)
}

// dialFailed ends connection i's requests with a connect error, or stops the phase when
// the generator itself could not open the connection.
func (l *loop) dialFailed(i int32, err error) {
	if generatorFault(err) {
		l.e.fail(generatorError("opening a connection", err))
		return
	}
	l.failAll(i, outConnect)
}

// connected runs when connection i's socket is open: its requests go out.
func (l *loop) connected(i int32) {
	c := &l.conns[i]
	if c.opened > 1 && len(c.flights) > 0 {
		c.flights[0].reconnected = true
	}
	l.flush(i)
}

// flush writes the request bytes connection i still owes, waiting for room in the
// socket buffer when they do not fit.
func (l *loop) flush(i int32) {
	c := &l.conns[i]
	wire, reqLen := l.e.wire, l.e.reqLen
	for c.out > 0 {
		n, err := writeFD(c.fd, wire[c.outOff:c.outOff+c.out])
		switch {
		case err == syscall.EINTR:
			continue
		case isAgain(err):
			l.watchWrite(i, true)
			return
		case err != nil:
			l.broken(i, noResponse(err))
			return
		}
		c.out -= n
		c.outOff = (c.outOff + n) % reqLen
	}
	if c.writing {
		l.watchWrite(i, false)
	}
}

func (l *loop) watchWrite(i int32, on bool) {
	c := &l.conns[i]
	if c.writing == on {
		return
	}
	c.writing = on
	_ = l.poll.watchWrite(c.fd, i, c.gen, on) // cannot fail on a registered socket
}

// handle dispatches one event.
func (l *loop) handle(ev syscall.EpollEvent) {
	if ev.Fd == wakeToken {
		l.poll.drainWake()
		return
	}
	i := ev.Fd
	c := &l.conns[i]
	if c.fd < 0 || c.gen != ev.Pad {
		return // a socket closed earlier in this batch
	}
	if c.connecting {
		if ev.Events&(syscall.EPOLLOUT|syscall.EPOLLERR|syscall.EPOLLHUP) == 0 {
			return
		}
		if err := connectResult(c.fd); err != nil {
			l.closeSocket(i)
			l.dialFailed(i, err)
			return
		}
		c.connecting = false
		l.connected(i)
		return
	}
	if ev.Events&syscall.EPOLLOUT != 0 && c.out > 0 {
		l.flush(i)
		if c.fd < 0 || c.gen != ev.Pad {
			return
		}
	}
	if ev.Events&(syscall.EPOLLIN|syscall.EPOLLERR|syscall.EPOLLHUP|syscall.EPOLLRDHUP) != 0 {
		l.read(i, ev.Events&(syscall.EPOLLERR|syscall.EPOLLHUP|syscall.EPOLLRDHUP) != 0)
	}
}

// read takes what connection i's socket has to give. A short read means the socket is
// empty (new bytes will make a new edge), unless the peer closed its side (ended): then
// the end of the stream may be all that is left, and it makes no new edge.
func (l *loop) read(i int32, ended bool) {
	c := &l.conns[i]
	gen := c.gen
	for c.fd >= 0 && c.gen == gen {
		k := copy(l.buf, c.carry)
		n, err := readFD(c.fd, l.buf[k:])
		switch {
		case err == syscall.EINTR:
			continue
		case isAgain(err):
			return
		case err != nil:
			l.ended(i, err)
			return
		case n == 0:
			l.ended(i, nil)
			return
		}
		c.carry = c.carry[:0]
		l.consume(i, l.buf[:k+n])
		if k+n < len(l.buf) && !ended {
			return // the socket had no more
		}
	}
}

// consume parses data read from connection i; complete responses answer its requests.
func (l *loop) consume(i int32, data []byte) {
	c := &l.conns[i]
	gen := c.gen
	for len(data) > 0 {
		if len(c.flights) == 0 {
			l.broken(i, errUnsolicited)
			return
		}
		used, done, err := c.parser.feed(data)
		data = data[used:]
		if err != nil {
			l.broken(i, err)
			return
		}
		if !done {
			c.carry = append(c.carry, data...) // an unfinished line, shorter than maxLineBytes
			return
		}
		l.answered(i, c.parser.resp)
		if c.fd < 0 || c.gen != gen {
			return // the response closed the connection: what follows is not for us
		}
	}
}

// ended handles the end of connection i's stream: EOF (err nil) or a read error.
func (l *loop) ended(i int32, err error) {
	c := &l.conns[i]
	if len(c.flights) == 0 {
		l.closeIdle(i) // the server closed an idle connection: the next request reconnects
		return
	}
	if err == nil {
		done, perr := c.parser.eof()
		if done {
			l.answered(i, c.parser.resp)
			return
		}
		err = perr
	} else if !c.parser.started {
		err = noResponse(err)
	}
	l.broken(i, err)
}

// answered completes connection i's oldest request with resp.
func (l *loop) answered(i int32, resp response) {
	c := &l.conns[i]
	done := l.e.now()
	f := c.pop()
	l.flying--
	c.served++
	if resp.close {
		l.closeSocket(i)
	}
	l.complete(f, l.judge(resp), done)
	if resp.close && len(c.flights) > 0 {
		l.retry(i) // pipelined requests the server will not answer on this connection
	}
	if len(c.flights) < cap(c.flights) {
		l.markFree(i, done)
	}
}

// broken handles a connection that failed with requests in flight. A reused connection
// that ended before any byte of the answer was closed by the server while idle: its
// requests are sent again once on a new connection, as browsers do, and only the
// reconnect is counted.
func (l *loop) broken(i int32, err error) {
	c := &l.conns[i]
	reused := c.served > 0
	l.closeSocket(i)
	if len(c.flights) > 0 && reused && errors.Is(err, errNoResponse) && !c.flights[0].retried && !l.e.stopped() {
		l.retry(i)
		return
	}
	l.failAll(i, classify(err))
}

// retry sends connection i's requests in flight again on a new socket.
func (l *loop) retry(i int32) {
	c := &l.conns[i]
	for k := range c.flights {
		c.flights[k].retried = true
	}
	l.dial(i)
}

// failAll ends every request in flight on connection i with out; its socket is closed.
func (l *loop) failAll(i int32, out outcome) {
	c := &l.conns[i]
	done := l.e.now()
	if out == outConnect {
		l.refillAt = done + redialPause
	}
	for len(c.flights) > 0 {
		l.complete(c.pop(), out, done)
		l.flying--
	}
	c.out = 0
	l.markFree(i, done)
}

// expire fails the requests that have been in flight longer than the timeout; at the
// hard stop (all) every request still in flight is a timeout.
func (l *loop) expire(now time.Duration, all bool) {
	for i := range l.conns {
		c := &l.conns[i]
		if len(c.flights) == 0 || !all && now < c.flights[0].begin+l.e.timeout {
			continue
		}
		out := outTimeout
		if c.connecting {
			out = outConnect
		}
		l.closeSocket(int32(i))
		l.failAll(int32(i), out)
	}
}

// complete records a request that ended at done.
func (l *loop) complete(f flight, out outcome, done time.Duration) {
	e := l.e
	if !e.openLoop() {
		if f.reconnected && e.inWindow(f.begin, l.windowEnd) {
			l.tally.reconnects++
		}
		switch {
		case e.inWindow(done, l.windowEnd):
			l.tally.record(out, done-f.begin, e.second(done))
		case out == outTimeout && done >= l.windowEnd:
			l.tally.abandoned++ // given up in the drain: the target may still work on it
		}
		return
	}
	t := f.ticket
	if !t.measured {
		return
	}
	recordMicros(l.tally.lateness, t.lateness)
	if t.backlogged {
		l.tally.backlogged++
	}
	if f.reconnected {
		l.tally.reconnects++
	}
	l.tally.record(out, done-(t.intended+t.lateness), e.second(done))
}

// judge tells a right answer from a wrong one.
func (l *loop) judge(resp response) outcome {
	switch {
	case !statusRight(resp.status, l.e.tgt.status):
		return outStatus
	case !resp.found || l.e.tgt.length > 0 && resp.length != l.e.tgt.length:
		return outBody
	}
	return outOK
}

// statusRight reports whether status is the one expected, or any 2xx when want is 0.
func statusRight(status, want int) bool {
	if want == 0 {
		return status >= 200 && status <= 299
	}
	return status == want
}

// closeSocket closes connection i's socket; its requests stay, to be failed or sent
// again.
func (l *loop) closeSocket(i int32) {
	c := &l.conns[i]
	if c.fd < 0 {
		return
	}
	_ = syscall.Close(c.fd) // also removes it from the epoll set
	c.fd = -1
	c.connecting, c.writing = false, false
	c.carry = c.carry[:0]
}

// closeSockets closes every socket; requests in flight are abandoned.
func (l *loop) closeSockets() {
	for i := range l.conns {
		l.closeSocket(int32(i))
	}
}

// pinThread pins the calling locked thread to cpus (none: leaves it as it is) and returns
// what ends the pinning: it restores the mask and unlocks the thread — or, when the mask
// cannot be restored, keeps the thread locked, so that Go ends it with the goroutine
// rather than run other code on the loop's CPUs.
func pinThread(cpus []int) (unpin func(), err error) {
	if len(cpus) == 0 {
		return runtime.UnlockOSThread, nil
	}
	old, err := cpuset.Thread()
	if err != nil {
		return nil, err
	}
	if err := cpuset.SetThread(cpuset.Of(cpus)); err != nil {
		return nil, fmt.Errorf("pinning the load generator to CPUs %s: %w", cpuset.Format(cpus), err)
	}
	return func() {
		if cpuset.SetThread(old) == nil {
			runtime.UnlockOSThread()
		}
	}, nil
}
