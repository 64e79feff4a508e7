package load

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a loopback TCP server whose connections are handled by a
// function, for the answers net/http would not give (HTTP/1.0, resets,
// hand-made chunks). It counts connections and requests, and its cleanup
// closes every connection and waits for every handler.
type rawServer struct {
	ln       net.Listener
	conns    atomic.Int64
	requests atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	open     map[net.Conn]bool
	closed   bool
}

func startRawServer(t testing.TB, handle func(s *rawServer, c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, open: map[net.Conn]bool{}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(c) {
				c.Close()
				return
			}
			s.conns.Add(1)
			s.wg.Go(func() {
				defer s.untrack(c)
				handle(s, c)
			})
		}
	})
	t.Cleanup(s.close)
	return s
}

func (s *rawServer) url(path string) string { return "http://" + s.ln.Addr().String() + path }

func (s *rawServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.open[c] = true
	return true
}

func (s *rawServer) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
	c.Close()
}

func (s *rawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// eachRequest calls answer for every request read from c until the client
// goes away or answer returns false.
func eachRequest(s *rawServer, c net.Conn, answer func(w *bufio.Writer) bool) {
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		s.requests.Add(1)
		more := answer(bw)
		if bw.Flush() != nil || !more {
			return
		}
	}
}

// closeWhenIdle answers every request with raw and closes connections that stay idle
// for idle, as servers with a keep-alive timeout do.
func closeWhenIdle(raw string, idle time.Duration) func(*rawServer, net.Conn) {
	return func(s *rawServer, c net.Conn) {
		br := bufio.NewReader(c)
		for {
			_ = c.SetReadDeadline(time.Now().Add(idle))
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			s.requests.Add(1)
			if _, err := io.WriteString(c, raw); err != nil {
				return
			}
		}
	}
}

// replyWith answers every request with raw and keeps the connection.
func replyWith(raw string) func(*rawServer, net.Conn) {
	return func(s *rawServer, c net.Conn) {
		eachRequest(s, c, func(w *bufio.Writer) bool {
			w.WriteString(raw)
			return true
		})
	}
}

// replyOnceAndClose answers one request per connection with raw, then closes it.
func replyOnceAndClose(raw string) func(*rawServer, net.Conn) {
	return func(s *rawServer, c net.Conn) {
		eachRequest(s, c, func(w *bufio.Writer) bool {
			w.WriteString(raw)
			return false
		})
	}
}

// resetAfterRequest reads a request and resets the connection (RST, not FIN).
func resetAfterRequest(s *rawServer, c net.Conn) {
	eachRequest(s, c, func(*bufio.Writer) bool { return false })
	_ = c.(*net.TCPConn).SetLinger(0)
}

// neverAnswer reads requests and never answers, until the client leaves.
func neverAnswer(s *rawServer, c net.Conn) {
	eachRequest(s, c, func(*bufio.Writer) bool {
		_, _ = io.Copy(io.Discard, c)
		return false
	})
}

// httpServer is an httptest server that counts connections and requests.
type httpServer struct {
	*httptest.Server
	conns    atomic.Int64
	requests atomic.Int64
}

func startHTTPServer(t testing.TB, h http.HandlerFunc) *httpServer {
	t.Helper()
	s := &httpServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func hello(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprint(w, `{"message":"Hello, World!"}`)
}

// freeAddr returns a loopback address where nothing listens.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// checkConsistent asserts what must hold for every Result.
func checkConsistent(t *testing.T, res *Result) {
	t.Helper()
	var sum Second
	for _, s := range res.Series {
		sum.Requests += s.Requests
		sum.Errors += s.Errors
	}
	if sum.Requests != res.Requests || sum.Errors != res.Errors.Total() {
		t.Errorf("series adds up to %+v, totals are %d requests and %d errors", sum, res.Requests, res.Errors.Total())
	}
	if res.Latency.TotalCount() != res.Requests {
		t.Errorf("latency histogram holds %d values for %d requests", res.Latency.TotalCount(), res.Requests)
	}
	if want := int((res.Elapsed + time.Second - 1) / time.Second); len(res.Series) != want {
		t.Errorf("series has %d seconds for a window of %v", len(res.Series), res.Elapsed)
	}
}

func mustRun(t *testing.T, req Request, opt Options) *Result {
	t.Helper()
	res, err := Run(t.Context(), req, opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkConsistent(t, res)
	return res
}
