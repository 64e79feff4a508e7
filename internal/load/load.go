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
	BodyLength   int64  // exact body length in bytes, after chunked decoding (0 = not checked)
}

// Options of one load phase.
type Options struct {
	Connections int           // keep-alive connections (>=1)
	Duration    time.Duration // measured window (>0)
	Warmup      time.Duration // traffic sent before the measured window on the same connections, not recorded
	Rate        float64       // 0 = closed loop; >0 = open loop at this many requests per second
	// RampTo, in an open loop, makes the rate change linearly from Rate at the start of
	// the measured window to RampTo at its end (the warm-up runs at Rate), to find the
	// rate where latency turns; 0 keeps the rate constant.
	RampTo   float64
	Timeout  time.Duration // per request (0 = DefaultTimeout)
	Pipeline int           // requests in flight per connection (0 or 1: none pipelined, as browsers do)
	Loops    int           // event loops, one OS thread each (0 = one per CPU the process may use, at most Connections)
	// CPUs the loops' threads are pinned to (nil: not pinned, they run where the
	// kernel puts them); with Loops 0 there is one loop per CPU listed.
	CPUs  []int
	Check Check
}

// Errors counts failed requests by kind.
type Errors struct {
	Connect int64 // dial failed
	Timeout int64 // no complete response within Timeout
	IO      int64 // read/write/reset/malformed response
	Status  int64 // response received, status not as expected (non-2xx or != Check.Status)
	Body    int64 // status right, body check (substring or length) failed
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
	P50, P99 time.Duration // latency of the responses completed in this second (0 when none)
}

// Generator is what the load generator itself used during the phase: how close it came
// to being the limit instead of the target.
type Generator struct {
	Loops int // event loops, each on its own OS thread
	// CPU is the CPU time of the loops' threads from the start of the window to its end
	// (closed loop) or to the end of the phase (open loop, whose answers after the window
	// are recorded).
	CPU time.Duration
	// Busiest is the highest share of one CPU that a loop used over that time: a loop
	// near 1 had no time left to send or read, whatever the target could do.
	Busiest float64
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
	Sent       int64                   // open loop: requests due in the window and sent before its end; Sent/Elapsed is the rate achieved
	Reconnects int64                   // connections re-opened after the first one (server closed, Connection: close, errors)
	Series     []Second                // one entry per second of the measured window
	Generator  Generator
	// Abandoned, in a closed loop, counts the requests still unanswered when the drain
	// after the window ended (at Timeout): the target may still be working on them when
	// Run returns. 0 means the target was left with nothing of this phase.
	Abandoned int64
	// Saturated says why the generator, not the target, was the limit of this phase
	// ("" when it was not): its loops had no CPU time left, or it could not keep the
	// open-loop schedule. Such a phase measured the generator, not the target.
	Saturated string
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

// CPUPerRequest is the generator's CPU time per completed request.
func (r *Result) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.Generator.CPU / time.Duration(r.Requests)
}

// Run runs one phase against req and returns what was measured. Failed requests are data
// in Result.Errors. It returns an error without a Result when the phase could not run at
// all (bad options or URL, context ended before the start). It stops by itself after
// Warmup+Duration and the drain (at most Timeout more), when ctx ends, or when the
// generator itself fails; then it returns what was measured so far together with an
// error wrapping ctx.Err() or ErrGenerator.
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
	e, err := newEngine(tgt, opt)
	if err != nil {
		return nil, err
	}
	defer e.close()
	if err := e.dialAll(ctx); err != nil {
		return nil, err
	}
	return e.run(ctx)
}
