package load

import (
	"context"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// DefaultTimeout bounds one request (dial, write and the whole response) when
// Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Request is what every connection sends, pre-encoded once.
type Request struct {
	Method string            // default "GET"
	URL    string            // absolute http:// URL (host:port must be an IP literal or "localhost"); https is an error for now
	Header map[string]string // extra headers; Host, Content-Length, Connection are set by the engine
	Body   []byte
}

// Check is what a right response looks like. Zero value: any 2xx status is right.
type Check struct {
	Status       int    // exact status expected (0 = any 2xx)
	BodyContains string // substring the body must contain ("" = no body check)
}

// Options of one load phase.
type Options struct {
	Connections int           // keep-alive connections = max requests in flight (>=1)
	Duration    time.Duration // measured window (>0)
	Warmup      time.Duration // traffic sent before the measured window on the same connections, not recorded
	Rate        float64       // 0 = closed loop; >0 = open loop at this many requests per second
	Timeout     time.Duration // per request (0 = DefaultTimeout)
	Check       Check
}

// Errors counts failed requests by kind.
type Errors struct {
	Connect int64 // dial failed
	Timeout int64 // no complete response within Timeout
	IO      int64 // read/write/reset/malformed response
	Status  int64 // response received, status not as expected (non-2xx or != Check.Status)
	Body    int64 // status right, body check failed
}

// Total is the number of failed requests of every kind.
func (e Errors) Total() int64 {
	return e.Connect + e.Timeout + e.IO + e.Status + e.Body
}

// socket counts the failures that produced no response at all, which Result.Requests
// does not include.
func (e Errors) socket() int64 {
	return e.Connect + e.Timeout + e.IO
}

// Second is one second of the measured window.
type Second struct {
	Requests int64 // responses completed in this second
	Errors   int64
}

// Result of one phase.
type Result struct {
	Requests   int64                   // requests completed in the measured window (right or wrong answers; not socket errors)
	Errors     Errors                  // failures in the measured window
	Elapsed    time.Duration           // actual length of the measured window
	Latency    *hdrhistogram.Histogram // µs; closed loop: service time; open loop: from intended send time (minus the generator's own lateness)
	Lateness   *hdrhistogram.Histogram // µs; open loop only: how late the generator itself released each request; empty for closed loop
	Backlogged int64                   // open loop: requests sent after their intended time because every connection was busy
	Unsent     int64                   // open loop: requests due in the window that could not be sent before the hard stop
	Reconnects int64                   // connections re-opened after the first one (server closed, Connection: close, errors)
	Series     []Second                // one entry per second of the measured window
}

// Throughput is the number of completed requests per second of the measured window.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// ErrorRate is the share of attempted requests that failed: Errors.Total() over
// Requests plus the socket-level errors (which never became a request). It is 0
// when nothing was attempted.
func (r *Result) ErrorRate() float64 {
	attempted := r.Requests + r.Errors.socket()
	if attempted == 0 {
		return 0
	}
	return float64(r.Errors.Total()) / float64(attempted)
}

// Run runs one phase against req and returns what was measured. It returns an error only when
// the phase could not run at all (bad options/URL, context cancelled before start); failed
// requests are data in Result.Errors. All connections are dialled before the clock starts.
// It stops by itself after Warmup+Duration (+ at most Timeout to drain), or when ctx ends;
// then it returns what was measured so far together with an error wrapping ctx.Err().
func Run(ctx context.Context, req Request, opt Options) (*Result, error) {
	opt, err := opt.normalized()
	if err != nil {
		return nil, err
	}
	tgt, err := newTarget(req, opt.Check)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, startError(err)
	}
	e := newEngine(ctx, tgt, opt)
	defer e.cancelDial()
	if err := e.dialAll(); err != nil {
		return nil, err
	}
	return e.run(ctx)
}
