package load

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// errAborted is what a connection sees when the phase stopped under it.
var errAborted = errors.New("load phase stopped")

// worker drives one keep-alive connection: one goroutine, one socket, one
// read buffer, one tally. Nothing on its request path allocates.
type worker struct {
	e      *engine
	conn   *net.TCPConn
	live   atomic.Pointer[net.TCPConn] // conn, for abort to interrupt
	parser *parser
	served int   // responses read on the current connection
	opened int64 // connections opened so far; all but the first are reconnects
	tally  tally
}

func newWorker(e *engine, seconds int) *worker {
	return &worker{
		e:      e,
		parser: newParser(nil, e.tgt.needle),
		tally:  newTally(seconds, e.openLoop()),
	}
}

// closedLoop sends the next request as soon as the previous answer arrived,
// until the end of the window. Latency is the service time.
func (w *worker) closedLoop() {
	defer w.drop()
	seconds := len(w.tally.series)
	for {
		begin := w.e.now()
		if begin >= w.e.end || w.e.stopped() {
			return
		}
		out, reconnected := w.exchange(begin)
		if out == outAborted {
			return
		}
		if reconnected && w.e.inWindow(begin) {
			w.tally.reconnects++
		}
		if done := w.e.now(); w.e.inWindow(done) {
			w.tally.record(out, done-begin, w.e.second(done, seconds))
		}
	}
}

// openLoop sends the tickets the pacer releases. Latency runs from the
// ticket's intended time plus the generator's own lateness, so time spent
// waiting for a busy connection is charged to the server.
func (w *worker) openLoop(tickets <-chan ticket) {
	defer w.drop()
	seconds := len(w.tally.series)
	for {
		t, ok := w.take(tickets)
		if !ok || w.e.stopped() {
			return
		}
		if t.measured {
			w.tally.sent++
		}
		out, reconnected := w.exchange(w.e.now())
		if out == outAborted {
			if w.e.reason() == stopCancel || !t.measured {
				return
			}
			out = outTimeout // cut off at the hard stop, more than Timeout after it was due
		}
		if t.measured {
			done := w.e.now()
			w.recordTicket(t, reconnected)
			w.tally.record(out, done-(t.intended+t.lateness), w.e.second(done, seconds))
		}
		if w.e.stopped() {
			return
		}
	}
}

func (w *worker) recordTicket(t ticket, reconnected bool) {
	recordMicros(w.tally.lateness, t.lateness)
	if t.backlogged {
		w.tally.backlogged++
	}
	if reconnected {
		w.tally.reconnects++
	}
}

// take waits for the next ticket; false when there are no more or the phase stopped.
func (w *worker) take(tickets <-chan ticket) (ticket, bool) {
	w.e.idle.Add(1)
	var t ticket
	ok := false
	select {
	case t, ok = <-tickets:
	case <-w.e.done:
	}
	w.e.idle.Add(-1)
	return t, ok
}

// exchange sends the request and reads the answer, dialling first when the
// connection is gone. It reports whether a connection had to be re-opened.
func (w *worker) exchange(begin time.Duration) (outcome, bool) {
	reconnected := false
	if w.conn == nil {
		if out := w.redial(); out != outOK {
			return out, false
		}
		reconnected = w.opened > 1
	}
	deadline := w.e.base.Add(begin + w.e.timeout)
	reused := w.served > 0
	resp, err := w.roundTrip(deadline)
	if err != nil && reused && errors.Is(err, errNoResponse) && !w.e.stopped() {
		// The server closed the idle keep-alive connection before it read the
		// request, as servers with a keep-alive timeout do: not a failed request.
		// Send it again on a new connection, as browsers and net/http do.
		w.drop()
		if out := w.redial(); out != outOK {
			return out, reconnected
		}
		reconnected = true
		resp, err = w.roundTrip(deadline)
	}
	if err != nil {
		w.drop()
		if w.e.stopped() {
			return outAborted, reconnected
		}
		return classify(err), reconnected
	}
	w.served++
	if resp.close {
		w.drop()
	}
	return w.judge(resp), reconnected
}

func (w *worker) roundTrip(deadline time.Time) (response, error) {
	if err := w.conn.SetDeadline(deadline); err != nil {
		return response{}, err
	}
	if w.e.stopped() { // after SetDeadline, so that abort's deadline cannot be overwritten
		return response{}, errAborted
	}
	if _, err := w.conn.Write(w.e.tgt.wire); err != nil {
		return response{}, noResponse(err)
	}
	return w.parser.readResponse(w.e.tgt.head)
}

// judge tells a right answer from a wrong one.
func (w *worker) judge(resp response) outcome {
	switch {
	case !statusRight(resp.status, w.e.tgt.status):
		return outStatus
	case !resp.found:
		return outBody
	}
	return outOK
}

// statusRight reports whether status is the one expected, or any 2xx when
// want is 0.
func statusRight(status, want int) bool {
	if want == 0 {
		return status >= 200 && status <= 299
	}
	return status == want
}

// classify names the kind of a failed exchange.
func classify(err error) outcome {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return outTimeout
	}
	return outIO
}

func (w *worker) redial() outcome {
	if err := w.dial(); err != nil {
		if w.e.stopped() {
			return outAborted
		}
		return outConnect
	}
	return outOK
}

// dial opens a new TCP connection with Nagle's algorithm off, so that small
// requests leave at once.
func (w *worker) dial() error {
	c, err := w.e.dialer.DialContext(w.e.dialCtx, "tcp", w.e.addr)
	if err != nil {
		return fmt.Errorf("dialling %s: %w", w.e.addr, err)
	}
	tc := c.(*net.TCPConn)
	if err := tc.SetNoDelay(true); err != nil {
		tc.Close()
		return fmt.Errorf("setting TCP_NODELAY: %w", err)
	}
	w.conn = tc
	w.live.Store(tc)
	w.parser.r.Reset(tc)
	w.served = 0
	w.opened++
	return nil
}

// drop closes the connection; the next exchange dials a new one.
func (w *worker) drop() {
	if w.conn == nil {
		return
	}
	w.live.Store(nil)
	_ = w.conn.Close() // nothing useful to do about a failed close
	w.conn = nil
}
