// Package load is stackgate's load engine. It sends one pre-encoded HTTP/1.1 request
// over keep-alive connections and measures the answers: how many, how fast, and how many
// were wrong. It knows nothing of stacks, configs or baselines; Run is the whole API.
//
// # Client
//
// The connections are shared among a few event loops (Options.Loops, by default
// DefaultLoops: one per CPU the process may use but one), each a goroutine locked to its
// OS thread around its own epoll instance, with raw non-blocking sockets (TCP_NODELAY),
// yielding to the Go scheduler every few milliseconds. A loop writes a request
// with one send(2), reads answers with one read(2) into a buffer it shares among its
// connections, and waits with epoll_pwait2 (edge-triggered, nanosecond timeouts):
// two system calls per request plus a share of one wait, where wrk makes four and a
// goroutine per net.Conn makes three plus the scheduler's work. Nothing on the request
// path allocates. The request bytes are built once (Pipeline+1 copies, so that any run
// of pipelined requests is one slice of them).
//
// The response parser is pushed the bytes as they arrive, in pieces of any size: status
// and header lines are parsed in place (header names compared without case and without
// allocating), a line split between two reads is kept for the next, bodies are counted
// and discarded. It honours Content-Length, chunked bodies with trailers, bodies that
// end with the connection (Connection: close, HTTP/1.0), responses without body (HEAD,
// 204, 304) and skips interim 1xx responses. With Check.BodyContains the body is
// searched as it streams by, keeping only the last len(BodyContains)-1 bytes between
// pieces, so a match that spans reads or chunks is found without buffering the body;
// Check.BodyLength compares the decoded length.
//
// A failed request is data, never an error of Run: it is counted by kind in Result.Errors
// (Connect, Timeout, IO, Status, Body), its connection is closed, and the next request on
// it opens a new one. Every connection opened after a connection's first is counted in
// Result.Reconnects, so a server that closes connections (Connection: close, HTTP/1.0,
// errors) shows. Two cases are not errors: a server that closes an idle keep-alive
// connection (the loop sees the end of the stream and closes its side; the next request
// reconnects), and a reused connection that ends before any byte of the answer (the server
// closed it as the request left): the request is sent again once on a new connection, as
// browsers do, and only the reconnect is counted. Timeouts are checked every Timeout/16
// (between 1 ms and 100 ms), not armed per request: a request times out between Timeout
// and about 1.06 × Timeout after it was handed to its connection.
//
// # Generator failures
//
// A connection the generator cannot open because of its own machine — no file
// descriptor left (EMFILE, ENFILE), no local port (EADDRNOTAVAIL), no kernel memory
// (ENOBUFS, ENOMEM) — says nothing about the target and is not its connect error: the
// phase stops at once, and Run returns what it measured with an error wrapping
// ErrGenerator that names the errno and the fix.
//
// # Windows
//
// Traffic runs for Options.Warmup (not recorded) and for the measured window of
// Options.Duration, then the phase drains (below). Result.Elapsed is the window's
// length, shorter only when the context ended or the generator failed; Result.Series has
// one entry per (started) second of it, with the requests, errors and the p50 and p99
// latency of the answers completed in that second.
//
// # Closed loop (Rate == 0): throughput
//
// Every connection is dialled before the clock starts. Each sends its next request as
// soon as the previous answer arrived (with Pipeline > 1, it keeps that many in flight).
// An answer is recorded when it completes inside the window; the latency is the service
// time, from just before the request is written (or its connection dialled, when one is
// needed) to the end of the answer.
//
// At the end of the window the loop stops sending and drains: it waits until every
// request in flight has been answered or has failed, without recording them, at most
// Timeout after the window. So when Run returns, the target holds no request of the
// phase in its queues, and a phase that follows (stackgate runs a warm-up, then the
// throughput phase, then the latency phase, each a Run) starts on an idle target instead
// of one still serving the abandoned requests of the one before. Requests still
// unanswered when the drain ends are counted in Result.Abandoned. The generator's CPU
// time is taken at the end of the window: the drain records nothing.
//
// # Open loop (Rate > 0): latency without coordinated omission
//
// Requests follow a fixed timetable: ticket i is intended at i/Rate after traffic starts
// (a pure function, see schedule; with RampTo the rate changes linearly over the
// window). With n loops, loop k sends tickets k, k+n, k+2n, ... as they fall due, on any
// of its connections that has room; a ticket due when none has room waits, and is sent
// as soon as one has. So the requests in flight are bounded by Connections × Pipeline
// and the queue of waiting tickets costs no memory: it is the range of ticket numbers
// due and not yet sent.
//
// The loop uses connections as a population of clients does (see pool.go): only the
// first connection is dialled before the clock, to find the target's address; a ticket
// goes to the open connection freed last, and a new connection is dialled for it only
// when none is free, up to Connections; a connection left idle for a second (or four
// intervals between requests, at low rates) is closed. So the connections open follow
// the load, not the bound, and the latency at a fixed rate does not depend on the bound
// while the target keeps up: a server whose workers each wait on one connection, such as
// Gunicorn's sync workers, is never held by connections that carry no request. Dialling
// is part of a request's latency, as it is for a client; closing an idle connection is
// the generator's choice, and opening it again is not a reconnect.
//
// A ticket belongs to the measured window when its intended time does; tickets of the
// window that are still unsent at the end may go out until a hard stop at the end of the
// window plus Timeout, and their answers are recorded whenever they complete (in the last
// second of the series when after the window). What is left at the hard stop is
// Result.Unsent; a request still in flight there is a Timeout.
//
// Latency is timed from the intended time, so a server that stalls is charged for every
// request that had to wait for it, including the ones that waited for a free connection:
// a 200 ms stall at 1000 req/s delays 200 requests, not the 10 that were in flight.
//
// # Lateness accounting
//
// A loop sleeps until its next ticket is due (epoll_pwait2 with a timer slack of 1 µs),
// then sends every ticket that is due. A ticket that fell due while a connection had room
// but was sent later — the thread woke late, or was busy with other connections — was
// late by the generator's own fault; that delay, the ticket's generator lateness, is
// recorded in Result.Lateness and not charged to the server:
//
//	latency = done - (intended + generator lateness)
//
// A ticket that fell due while every connection was busy waited for the server: its
// generator lateness is 0 and it counts in Result.Backlogged.
//
// # Self-saturation
//
// A generator that runs out of CPU measures itself. Each loop measures its thread's CPU
// time from the start of the window (Result.Generator); when one used SaturatedBusy of a
// CPU or more, or when its loops were busy (half of that) and the p90 of the open-loop
// lateness exceeds SaturatedLateness (a tenth of the interval at slow rates),
// Result.Saturated says so and why. Late sends of idle loops are the machine's (steal,
// other processes), not a saturated generator: not charged to the target either way.
//
// # Histograms
//
// Latency and Lateness are HdrHistograms in microseconds from NewHistogram (1 µs to
// 100 s, 3 significant figures; values outside are clamped to the bounds, not lost).
// Each loop records into its own histogram of the current second, which is merged into
// the loop's window histogram and into the series when the second ends, so recording
// takes no lock and memory does not grow with the number of connections or the length of
// the run.
package load
