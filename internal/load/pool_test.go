package load

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The open loop's choice of connection, step by step: the open connection freed last
// first, a new one only when none is open and free, and the ones idle for idleLimit
// closed, the least recently used first.
func TestPoolPrefersTheConnectionFreedLast(t *testing.T) {
	e := &engine{opt: Options{Rate: 100, RampTo: 100, Loops: 1, Pipeline: 1}, sched: newSchedule(100), idleLimit: time.Second}
	l := &loop{e: e, rel: releaser{sched: e.sched, step: 1, total: 1000}}
	for range 4 {
		l.conns = append(l.conns, conn{fd: -1, flights: make([]flight, 0, 1)})
	}
	open := func(i int32) {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		l.conns[i].fd = fd
		l.conns[i].opened++
	}
	t.Cleanup(l.closeSockets)
	open(0) // dialled before the clock
	l.listAll()
	check := func(step string, free, unopened []int32) {
		t.Helper()
		if !slices.Equal(l.free, free) || !slices.Equal(l.unopened, unopened) {
			t.Fatalf("%s: free %v, unopened %v; want %v and %v", step, l.free, l.unopened, free, unopened)
		}
	}
	check("listed", []int32{0}, []int32{1, 2, 3})

	if i := l.take(); i != 0 {
		t.Fatalf("first request on connection %d, want the open one, 0", i)
	}
	if i := l.take(); i != 3 {
		t.Fatalf("second request on connection %d, want a new one, 3", i)
	}
	open(3)
	l.markFree(3, 10*time.Millisecond)
	l.markFree(0, 20*time.Millisecond)
	check("both answered", []int32{3, 0}, []int32{1, 2})
	if i := l.take(); i != 0 {
		t.Fatalf("third request on connection %d, want 0, freed last", i)
	}
	l.markFree(0, 30*time.Millisecond)

	// At 1.02 s connection 3 has been idle for 1.01 s, 0 for 0.99 s.
	l.trim(1020 * time.Millisecond)
	check("trimmed", []int32{0}, []int32{1, 2, 3})
	if c := l.conns[3]; c.fd != -1 || c.opened != 0 {
		t.Errorf("trimmed connection: fd %d, opened %d; want closed, and its next open not a reconnect", c.fd, c.opened)
	}
	if l.conns[0].fd < 0 {
		t.Error("connection 0, used 0.99 s ago, was closed")
	}

	l.closeIdle(0) // the server closed it
	check("closed by the server", nil, []int32{1, 2, 3, 0})
	if !l.hasRoom() || l.take() != 0 {
		t.Error("the connection the server closed is not the next to dial")
	}
}

func TestIdleLimit(t *testing.T) {
	for _, c := range []struct {
		rate, rampTo float64
		loops        int
		want         time.Duration
	}{
		{1000, 1000, 1, time.Second},
		{2, 2, 1, 2 * time.Second},           // four intervals of 0.5 s
		{100, 1, 1, 4 * time.Second},         // the lowest rate of a ramp
		{10, 10, 4, 1600 * time.Millisecond}, // each of 4 loops sends every 0.4 s
	} {
		if got := idleLimit(Options{Rate: c.rate, RampTo: c.rampTo, Loops: c.loops}); got != c.want {
			t.Errorf("idleLimit(rate %v→%v, %d loops) = %v, want %v", c.rate, c.rampTo, c.loops, got, c.want)
		}
	}
}

// syncServer serves as Gunicorn's sync workers do: each of its workers accepts one
// connection, blocks until it has read one request, answers it after a delay with
// Connection: close, and closes the connection. A connection that carries no request
// holds its worker until the client closes it: empty counts those.
type syncServer struct {
	ln       net.Listener
	requests atomic.Int64
	empty    atomic.Int64
	wg       sync.WaitGroup
}

func startSyncServer(t *testing.T, workers int, delay time.Duration) *syncServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &syncServer{ln: ln}
	for range workers {
		s.wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				s.serve(c, delay)
			}
		})
	}
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *syncServer) serve(c net.Conn, delay time.Duration) {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a client that never writes nor closes
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		if errors.Is(err, io.EOF) {
			s.empty.Add(1)
		}
		return
	}
	s.requests.Add(1)
	time.Sleep(delay)
	_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
	_ = req.Body.Close()
}

func (s *syncServer) url() string { return "http://" + s.ln.Addr().String() + "/" }

// An open loop with many more connections allowed than its rate needs opens a connection
// only for a request: no worker of a sync server sits on a connection without one (the
// bug: every allowed connection was opened before the clock, and the workers waited on
// idle ones while the requests queued behind them).
func TestOpenLoopOpensConnectionsForRequests(t *testing.T) {
	srv := startSyncServer(t, 5, 20*time.Millisecond)
	res := mustRun(t, Request{URL: srv.url()}, Options{Connections: 100, Duration: 500 * time.Millisecond, Rate: 100})
	t.Logf("requests %d, errors %+v, server: %d requests, %d connections without one; latency p50 %dµs p99 %dµs",
		res.Requests, res.Errors, srv.requests.Load(), srv.empty.Load(), res.Latency.ValueAtQuantile(50), res.Latency.ValueAtQuantile(99))
	if res.Requests != 50 || res.Errors.Total() != 0 {
		t.Errorf("requests %d, errors %+v; want the 50 tickets answered", res.Requests, res.Errors)
	}
	if n := srv.empty.Load(); n != 0 {
		t.Errorf("the server accepted %d connections that carried no request", n)
	}
}

// At a rate a keep-alive server answers well within the interval, one connection carries
// every request: the open connection freed last is used again, the others are never
// opened.
func TestOpenLoopReusesTheConnectionFreedLast(t *testing.T) {
	srv := startHTTPServer(t, hello)
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 10, Duration: time.Second, Rate: 20})
	// One request in 50 ms: a second connection is needed only when an answer takes
	// longer than that (a busy machine); all ten were opened before.
	if n := srv.conns.Load(); n > 3 || res.Requests != 20 || res.Reconnects != 0 {
		t.Errorf("%d connections for %d requests (%d reconnects); want one or two, without reconnects", n, res.Requests, res.Reconnects)
	}
}
