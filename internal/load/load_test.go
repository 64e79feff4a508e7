package load

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

const window = 300 * time.Millisecond

func TestClosedLoopReusesConnections(t *testing.T) {
	srv := startHTTPServer(t, hello)
	const conns = 3
	res := mustRun(t, Request{URL: srv.URL + "/json"}, Options{Connections: conns, Duration: window})
	if got := srv.conns.Load(); got != conns {
		t.Errorf("server saw %d connections, want exactly %d", got, conns)
	}
	if res.Requests == 0 || res.Errors.Total() != 0 || res.Reconnects != 0 {
		t.Errorf("requests %d, errors %+v, reconnects %d; want requests, no errors, no reconnects", res.Requests, res.Errors, res.Reconnects)
	}
	if res.Elapsed != window || res.Lateness.TotalCount() != 0 || res.Backlogged != 0 || res.Unsent != 0 {
		t.Errorf("elapsed %v, lateness count %d, backlogged %d, unsent %d; want %v and zeros for a closed loop",
			res.Elapsed, res.Lateness.TotalCount(), res.Backlogged, res.Unsent, window)
	}
}

func TestClosedLoopWarmupIsNotRecorded(t *testing.T) {
	srv := startHTTPServer(t, hello)
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 1, Duration: window, Warmup: window})
	served := srv.requests.Load()
	// Half of the traffic fell in the warm-up; leave room for uneven speed.
	if res.Requests == 0 || res.Requests > served*4/5 {
		t.Errorf("recorded %d of the %d requests served; want the warm-up's left out", res.Requests, served)
	}
}

// Servers that end connections must show as reconnects, not as errors.
func TestServersThatCloseConnections(t *testing.T) {
	const conns = 2
	tests := []struct {
		name  string
		raw   string
		check Check
	}{
		{name: "Connection: close", raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"},
		{name: "HTTP/1.0 without length", raw: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world", check: Check{BodyContains: "world"}},
		// Closes after each answer without saying so: the next request finds the
		// connection closed before any answer and goes again on a new one.
		{name: "silent close after each answer", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRawServer(t, replyOnceAndClose(tt.raw))
			res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: conns, Duration: window, Check: tt.check})
			t.Logf("requests %d, reconnects %d, server connections %d", res.Requests, res.Reconnects, srv.conns.Load())
			if res.Requests == 0 || res.Errors.Total() != 0 {
				t.Fatalf("requests %d, errors %+v; want requests and no errors", res.Requests, res.Errors)
			}
			// Every request but the first of each connection needs a new one;
			// requests straddling the window's edges may be counted on one side only.
			if res.Reconnects < res.Requests-2*conns || res.Reconnects > res.Requests+conns {
				t.Errorf("reconnects %d for %d requests; want about one per request", res.Reconnects, res.Requests)
			}
		})
	}
}

func TestResponsesWithoutBodyKeepTheConnection(t *testing.T) {
	tests := []struct {
		status int
		check  Check
	}{
		{http.StatusNoContent, Check{}},
		{http.StatusNotModified, Check{Status: http.StatusNotModified}},
	}
	for _, tt := range tests {
		srv := startHTTPServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tt.status) })
		res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 2, Duration: window, Check: tt.check})
		if res.Requests == 0 || res.Errors.Total() != 0 || res.Reconnects != 0 || srv.conns.Load() != 2 {
			t.Errorf("status %d: requests %d, errors %+v, reconnects %d, server connections %d; want requests on 2 kept connections",
				tt.status, res.Requests, res.Errors, res.Reconnects, srv.conns.Load())
		}
	}
}

func TestChunkedBodyCheck(t *testing.T) {
	body := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(`{"id":17,"randomNumber":4242}`, 4) + "0\r\n\r\n"
	tests := []struct {
		needle   string
		bodyErrs bool
	}{
		{`"randomNumber":4242`, false}, // spans five chunks
		{`"randomNumber":4243`, true},
	}
	for _, tt := range tests {
		srv := startRawServer(t, replyWith(body))
		res := mustRun(t, Request{URL: srv.url("/db")}, Options{Connections: 2, Duration: window, Check: Check{BodyContains: tt.needle}})
		want := Errors{}
		if tt.bodyErrs {
			want.Body = res.Requests
		}
		if res.Requests == 0 || res.Errors != want || res.Reconnects != 0 {
			t.Errorf("needle %q: requests %d, errors %+v, reconnects %d; want errors %+v on kept connections",
				tt.needle, res.Requests, res.Errors, res.Reconnects, want)
		}
	}
}

// Every kind of failure is counted as its kind, never fatal to the phase.
func TestFailuresAreCountedByKind(t *testing.T) {
	status500 := func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) }
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	tests := []struct {
		name   string
		url    func(t *testing.T) string
		check  Check
		kind   func(Errors) int64
		answer bool // failures are answers (counted in Requests)
	}{
		{
			name: "non-2xx is a status error", answer: true,
			url:  func(t *testing.T) string { return startHTTPServer(t, status500).URL },
			kind: func(e Errors) int64 { return e.Status },
		},
		{
			name: "other status than expected", answer: true, check: Check{Status: 201},
			url:  func(t *testing.T) string { return startHTTPServer(t, hello).URL },
			kind: func(e Errors) int64 { return e.Status },
		},
		{
			name: "body mismatch", answer: true, check: Check{BodyContains: "Goodbye"},
			url:  func(t *testing.T) string { return startHTTPServer(t, hello).URL },
			kind: func(e Errors) int64 { return e.Body },
		},
		{
			name: "reset connections are IO errors",
			url:  func(t *testing.T) string { return startRawServer(t, resetAfterRequest).url("/") },
			kind: func(e Errors) int64 { return e.IO },
		},
		{
			name: "refused connections are connect errors",
			url:  func(t *testing.T) string { return "http://" + freeAddr(t) + "/" },
			kind: func(e Errors) int64 { return e.Connect },
		},
		{
			name: "slow server times out",
			url:  func(t *testing.T) string { return startHTTPServer(t, slow).URL },
			kind: func(e Errors) int64 { return e.Timeout },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRun(t, Request{URL: tt.url(t)}, Options{Connections: 2, Duration: window, Timeout: 100 * time.Millisecond, Check: tt.check})
			n := tt.kind(res.Errors)
			t.Logf("requests %d, errors %+v, reconnects %d", res.Requests, res.Errors, res.Reconnects)
			if n == 0 || n != res.Errors.Total() {
				t.Errorf("errors %+v: want all of one kind", res.Errors)
			}
			if tt.answer != (res.Requests == n) || !tt.answer && res.Requests != 0 {
				t.Errorf("requests %d for %d failures; answered failures count as requests, socket errors do not", res.Requests, n)
			}
			if res.ErrorRate() != 1 {
				t.Errorf("error rate %v, want 1", res.ErrorRate())
			}
		})
	}
}

func TestOpenLoopKeepsTheRate(t *testing.T) {
	srv := startHTTPServer(t, hello)
	const rate = 200
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 4, Duration: 2 * time.Second, Rate: rate})
	// Every ticket of the window is accounted for, exactly.
	if got := res.Requests + res.Errors.Total() + res.Unsent; got != 2*rate || res.Errors.Total() != 0 {
		t.Errorf("requests %d + errors %+v + unsent %d = %d, want %d tickets answered without error", res.Requests, res.Errors, res.Unsent, got, 2*rate)
	}
	for i, s := range res.Series {
		if s.Requests < rate*8/10 || s.Requests > rate*12/10 {
			t.Errorf("second %d: %d requests, want about %d", i, s.Requests, rate)
		}
	}
	if res.Lateness.TotalCount() != res.Requests {
		t.Errorf("lateness holds %d values for %d requests", res.Lateness.TotalCount(), res.Requests)
	}
	if p99 := res.Lateness.ValueAtQuantile(99); p99 > 50_000 {
		t.Errorf("generator lateness p99 = %dµs: the pacer cannot keep %d req/s", p99, rate)
	}
}

func TestOpenLoopWarmupIsNotRecorded(t *testing.T) {
	srv := startHTTPServer(t, hello)
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 2, Duration: window, Warmup: 200 * time.Millisecond, Rate: 100})
	if res.Requests != 30 || srv.requests.Load() < 45 {
		t.Errorf("recorded %d of %d served; want the 30 of the window out of about 50", res.Requests, srv.requests.Load())
	}
}

// The coordinated-omission test: a server that stalls 150 ms every 500 ms
// delays every request due during a stall, not only the few in flight. Timed
// from the intended send time, the tail shows the stall; the generator's own
// lateness stays small.
func TestOpenLoopChargesStallsToTheServer(t *testing.T) {
	const period, stall = 500 * time.Millisecond, 150 * time.Millisecond
	began := time.Now()
	srv := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		if phase := time.Since(began) % period; phase < stall {
			time.Sleep(stall - phase)
		}
		hello(w, r)
	})
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 4, Duration: 1500 * time.Millisecond, Rate: 200})
	if res.Requests != 300 || res.Errors.Total() != 0 {
		t.Fatalf("requests %d, errors %+v; want 300 answers", res.Requests, res.Errors)
	}
	p75, p99, maxLat := res.Latency.ValueAtQuantile(75), res.Latency.ValueAtQuantile(99), res.Latency.Max()
	t.Logf("latency mean %.0fµs p50 %dµs p75 %dµs p99 %dµs max %dµs; lateness p50 %dµs p99 %dµs max %dµs; backlogged %d",
		res.Latency.Mean(), res.Latency.ValueAtQuantile(50), p75, p99, maxLat,
		res.Lateness.ValueAtQuantile(50), res.Lateness.ValueAtQuantile(99), res.Lateness.Max(), res.Backlogged)
	// 30% of the requests fall due in a stall and wait up to 150 ms for its end.
	if p99 < 100_000 || maxLat < 100_000 || p75 < 5_000 {
		t.Errorf("latency p75 %dµs, p99 %dµs, max %dµs; want p99 and max >= 100 ms and p75 >= 5 ms", p75, p99, maxLat)
	}
	if late := res.Lateness.ValueAtQuantile(99); late > 50_000 {
		t.Errorf("generator lateness p99 = %dµs: the stall was charged to the generator", late)
	}
	if res.Backlogged == 0 {
		t.Errorf("no request was backlogged, though all 4 connections were stuck in each stall")
	}
}

// A server that never answers: the pacer blocks on busy connections, the
// phase still ends at the hard stop, and every ticket of the window is either
// a timeout or unsent.
func TestOpenLoopHardStop(t *testing.T) {
	srv := startRawServer(t, neverAnswer)
	began := time.Now()
	res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: 2, Duration: window, Rate: 100, Timeout: 200 * time.Millisecond})
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Run took %v, want about window + timeout", took)
	}
	t.Logf("timeouts %d, unsent %d, backlogged %d, reconnects %d", res.Errors.Timeout, res.Unsent, res.Backlogged, res.Reconnects)
	if res.Requests != 0 || res.Errors.Timeout == 0 || res.Unsent == 0 || res.Errors.Timeout+res.Unsent != 30 {
		t.Errorf("requests %d, timeouts %d, unsent %d; want 0 and the 30 tickets split between timeouts and unsent",
			res.Requests, res.Errors.Timeout, res.Unsent)
	}
}

func TestCancelMidPhaseReturnsWhatWasMeasured(t *testing.T) {
	for _, rate := range []float64{0, 100} {
		srv := startHTTPServer(t, hello)
		ctx, cancel := context.WithTimeout(t.Context(), window)
		began := time.Now()
		res, err := Run(ctx, Request{URL: srv.URL}, Options{Connections: 2, Duration: time.Minute, Rate: rate})
		cancel()
		if took := time.Since(began); took > 3*time.Second {
			t.Errorf("rate %v: Run took %v after the context ended at %v", rate, took, window)
		}
		if !errors.Is(err, context.DeadlineExceeded) || res == nil {
			t.Fatalf("rate %v: Run = %v, %v; want a result and the context's error", rate, res, err)
		}
		checkConsistent(t, res)
		if res.Requests == 0 || res.Elapsed < window/2 || res.Elapsed > 2*time.Second || res.Errors.Total() != 0 {
			t.Errorf("rate %v: requests %d in %v, errors %+v; want what the first %v measured, without errors",
				rate, res.Requests, res.Elapsed, res.Errors, window)
		}
	}
}

// localhost is dialled by name once, then by the address it reached.
func TestLocalhost(t *testing.T) {
	srv := startHTTPServer(t, hello)
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	res := mustRun(t, Request{URL: url}, Options{Connections: 2, Duration: window})
	if res.Requests == 0 || res.Errors.Total() != 0 {
		t.Errorf("requests %d, errors %+v", res.Requests, res.Errors)
	}
}

func TestNoGoroutineLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		fast := startHTTPServer(t, hello)
		never := startRawServer(t, neverAnswer)
		short := Options{Connections: 3, Duration: 200 * time.Millisecond, Timeout: 100 * time.Millisecond}
		mustRun(t, Request{URL: fast.URL}, short)
		mustRun(t, Request{URL: never.url("/")}, short)
		open := short
		open.Rate = 100
		mustRun(t, Request{URL: fast.URL}, open)
		mustRun(t, Request{URL: never.url("/")}, open)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		open.Duration = time.Minute
		_, _ = Run(ctx, Request{URL: fast.URL}, open)
		fast.Close()
		never.close()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
