package load

import (
	"slices"
	"time"
)

// The connections of a loop that can take a request wait in two lists: free, the open
// ones with room for a request, the one freed last at the end; and unopened, those with
// no socket and nothing in flight, where a request dials a new connection. A connection
// with room is in exactly one of them (conn.listed).
//
// The closed loop fills every connection of both. The open loop uses connections as a
// population of clients does: a request goes to the open connection freed last; a new one
// is dialled only when none is free, up to Options.Connections; and one left idle for
// idleLimit is closed, the least recently used first. So it holds no more connections
// than its load needs, and a server whose workers each wait on one connection (Gunicorn's
// sync workers) is not held up by connections that carry no request.

// idleLimit is how long an open loop keeps a connection that no request used: a second, or
// four intervals between two of a loop's requests at the lowest rate, when that is longer
// (a connection used once per interval is needed).
func idleLimit(opt Options) time.Duration {
	interval := time.Duration(float64(time.Second) * float64(opt.Loops) / min(opt.Rate, opt.RampTo))
	return max(time.Second, 4*interval)
}

// hasRoom reports whether a connection can take a request now.
func (l *loop) hasRoom() bool { return len(l.free)+len(l.unopened) > 0 }

// take removes the connection the next request goes to from its list: the open
// connection freed last, else one to dial. hasRoom must be true.
func (l *loop) take() int32 {
	list := &l.free
	if len(l.free) == 0 {
		list = &l.unopened
	}
	n := len(*list) - 1
	i := (*list)[n]
	*list = (*list)[:n]
	l.conns[i].listed = false
	return i
}

// markFree notes at time at that connection i has room for a request. In an open loop,
// when no connection had room until now, every ticket that fell due meanwhile waited for
// the server: it is backlogged, not late by the generator's fault.
func (l *loop) markFree(i int32, at time.Duration) {
	c := &l.conns[i]
	if c.listed {
		return
	}
	if !l.hasRoom() && l.e.openLoop() {
		l.rel.blocked = max(l.rel.blocked, l.rel.sched.dueAt(at))
	}
	c.listed, c.freedAt = true, at
	if c.fd < 0 {
		l.unopened = append(l.unopened, i)
		return
	}
	l.free = append(l.free, i)
}

// listAll puts every connection in its list, after the dials before the clock. The lists
// get room for every connection now, so that they never grow during the phase.
func (l *loop) listAll() {
	n := len(l.conns)
	l.free, l.unopened, l.batch = make([]int32, 0, n), make([]int32, 0, n), make([]int32, 0, n)
	for i := range l.conns {
		c := &l.conns[i]
		c.listed = true
		if c.fd < 0 {
			l.unopened = append(l.unopened, int32(i))
		} else {
			l.free = append(l.free, int32(i))
		}
	}
}

// fill gives every connection with room a request (closed loop). A connection whose dial
// failed at once is back in a list for the next turn.
func (l *loop) fill() {
	batch := append(append(l.batch, l.free...), l.unopened...)
	l.free, l.unopened = l.free[:0], l.unopened[:0]
	for _, i := range batch {
		if l.e.stopped() {
			break // the generator itself failed: the loop ends
		}
		c := &l.conns[i]
		c.listed = false
		for len(c.flights) < cap(c.flights) && !c.listed && !l.e.stopped() {
			l.send(i, flight{begin: l.e.now()})
		}
	}
	l.batch = batch[:0]
}

// closeIdle closes connection i, which has nothing in flight: the server closed it, or
// the open loop does not need it. The next request on it dials again.
func (l *loop) closeIdle(i int32) {
	l.closeSocket(i)
	if !l.conns[i].listed {
		return
	}
	if k := slices.Index(l.free, i); k >= 0 {
		l.free = slices.Delete(l.free, k, k+1)
		l.unopened = append(l.unopened, i)
	}
}

// trim closes the open connections that have been free for idleLimit, the least recently
// used first (open loop). Closing them is the generator's choice, not the server's:
// opening one again is not a reconnect.
func (l *loop) trim(now time.Duration) {
	n := 0
	for _, i := range l.free {
		c := &l.conns[i]
		if len(c.flights) > 0 || now-c.freedAt < l.e.idleLimit {
			break
		}
		l.closeSocket(i)
		c.opened = 0
		l.unopened = append(l.unopened, i)
		n++
	}
	l.free = slices.Delete(l.free, 0, n)
}
