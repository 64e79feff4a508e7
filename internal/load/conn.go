package load

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// conn is one keep-alive connection of a loop: its socket, the requests it has in
// flight (more than one only when pipelining) and the state of the response being read.
// It is only touched by its loop's goroutine.
type conn struct {
	fd         int           // -1 when closed
	gen        int32         // bumped at every open, so events of an earlier socket are ignored
	connecting bool          // a non-blocking connect is in progress
	writing    bool          // waiting for room in the socket buffer
	listed     bool          // in one of the loop's lists of connections with room for a request (pool.go)
	served     int           // responses read on the current socket
	opened     int           // sockets opened so far; all but the first are reconnects
	freedAt    time.Duration // when it was last put in a list with room (open loop: how long it idled)
	out        int           // request bytes still to write
	outOff     int           // where the next byte to write starts in the engine's wire
	parser     parser
	carry      []byte   // an unfinished line kept between reads
	flights    []flight // requests in flight, oldest first
}

// flight is one request handed to a connection.
type flight struct {
	begin       time.Duration // when it was handed over (closed loop: the start of its latency)
	ticket      ticket        // open loop
	retried     bool          // already sent again once on a new connection
	reconnected bool          // it needed a new connection
}

// errUnsolicited is a response that no request asked for.
var errUnsolicited = errors.New("bytes received with no request in flight")

// push hands f to the connection.
func (c *conn) push(f flight) { c.flights = append(c.flights, f) }

// pop removes the oldest request in flight.
func (c *conn) pop() flight {
	f := c.flights[0]
	n := copy(c.flights, c.flights[1:])
	c.flights = c.flights[:n]
	return f
}

// resetStream prepares for a new socket: nothing half read, nothing half written.
func (c *conn) resetStream(reqLen int) {
	c.parser.reset()
	c.carry = c.carry[:0]
	c.served = 0
	c.outOff = 0
	c.out = len(c.flights) * reqLen
}

// reset forgets the response being read (a new socket starts a new stream).
func (p *parser) reset() {
	p.state, p.started, p.f = stStatus, false, framing{contentLength: -1}
}

// classify names the kind of a failed exchange.
func classify(err error) outcome {
	if errors.Is(err, errDialTimeout) {
		return outConnect
	}
	return outIO
}

// noResponse marks an error that ended a connection before any byte of the answer: on a
// reused connection it means the server had closed it while idle.
func noResponse(err error) error {
	return fmt.Errorf("%w: %w", errNoResponse, err)
}

// isAgain reports whether a non-blocking call would have blocked.
func isAgain(err error) bool {
	return err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
}
