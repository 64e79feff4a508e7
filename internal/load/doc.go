// Package load is stackgate's load engine. It sends one pre-encoded HTTP/1.1
// request over keep-alive connections and measures the answers: how many,
// how fast, and how many were wrong. It knows nothing of stacks, configs or
// baselines; Run is the whole API.
//
// # Client
//
// Each connection is one goroutine with a raw TCP socket (TCP_NODELAY), a
// read buffer and its own tally; net/http is not on the request path. The
// request bytes are built once and written with one Write. The response
// parser reads status and header lines in place from the buffer (header names
// compared without case and without allocating), honours Content-Length,
// chunked bodies with trailers, bodies that end with the connection
// (Connection: close, HTTP/1.0), responses without body (HEAD, 204, 304) and
// skips interim 1xx responses. Bodies are discarded unless Check.BodyContains
// is set; then they are searched as they stream by, keeping only the last
// len(BodyContains)-1 bytes between reads, so a match that spans reads or
// chunks is found without buffering the body. Each request has a deadline of
// Options.Timeout (SetDeadline).
//
// A failed request is data, never an error of Run: it is counted by kind in
// Result.Errors (Connect, Timeout, IO, Status, Body), its connection is
// closed, and the next request dials a new one. Every connection opened
// after a worker's first is counted in Result.Reconnects, so a server that
// closes connections (Connection: close, HTTP/1.0, errors) shows. One case is
// not an error: a server that closed an idle keep-alive connection before
// reading the request (the first read ends with no byte of answer on a
// connection that already served one). The request is sent again once on a
// new connection, as browsers do, and only the reconnect is counted.
//
// # Windows
//
// All connections are dialled before the clock starts. Traffic then runs for
// Options.Warmup (not recorded) and for the measured window of
// Options.Duration. Result.Elapsed is the window's length, shorter only when
// the context ended; Result.Series has one entry per (started) second of it.
//
// # Closed loop (Rate == 0): throughput
//
// Each connection sends its next request as soon as the previous answer
// arrived. An answer is recorded when it completes inside the window; the
// latency is the service time, from just before the request is written (or
// its connection dialled, when one is needed) to the end of the answer.
// Requests in flight at the end of the window are abandoned: their answers
// would not be recorded anyway.
//
// # Open loop (Rate > 0): latency without coordinated omission
//
// Requests follow a fixed timetable: ticket i is intended at i/Rate after
// traffic starts (a pure function, see schedule). A single pacer goroutine
// releases the tickets into a channel with room for Connections of them; each
// connection takes the next ticket when it is free. A ticket belongs to the
// measured window when its intended time does; tickets of the window that are
// still unsent at the end may go out until a hard stop at the end of the
// window plus Timeout, and their answers are recorded whenever they complete
// (in the last second of the series when after the window). What is left at
// the hard stop is Result.Unsent; a request still in flight there is a
// Timeout.
//
// Latency is timed from the intended time, so a server that stalls is charged
// for every request that had to wait for it, including the ones that waited
// in the channel because every connection was busy: a 200 ms stall at
// 1000 req/s delays 200 requests, not the 10 that were in flight.
//
// # Lateness accounting
//
// Go timers wake about a millisecond late on a VM, so the pacer sleeps until
// the next ticket is due and then releases every ticket that is due in one
// batch. A ticket that fell due while the pacer slept was released late by
// the generator itself; that delay, the ticket's generator lateness, is
// recorded in Result.Lateness and not charged to the server:
//
//	latency = done - (intended + generator lateness)
//
// A ticket that fell due while the pacer was blocked on the full channel
// (every connection busy) was late because of the server: its generator
// lateness is 0 and it counts as Backlogged, as does a ticket released when
// no connection was waiting for one. A Lateness histogram with a large tail
// means the generator, not the server, could not keep the rate.
//
// # Histograms
//
// Latency and Lateness are HdrHistograms in microseconds from NewHistogram
// (1 µs to 100 s, 3 significant figures; values outside are clamped to the
// bounds, not lost). Each connection records into its own and they are merged
// at the end, so recording takes no lock.
package load
