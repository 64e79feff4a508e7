package load

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stackgate/stackgate/internal/cpuset"
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
		// timeout of a request: short only where a timeout is the failure under test, so
		// that a busy machine cannot turn another kind of failure into a timeout
		timeout time.Duration
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
			name: "body length mismatch", answer: true, check: Check{BodyLength: 5},
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
			name: "slow server times out", timeout: 100 * time.Millisecond,
			url:  func(t *testing.T) string { return startHTTPServer(t, slow).URL },
			kind: func(e Errors) int64 { return e.Timeout },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := cmp.Or(tt.timeout, 3*time.Second)
			res := mustRun(t, Request{URL: tt.url(t)}, Options{Connections: 2, Duration: window, Timeout: timeout, Check: tt.check})
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
	// Two loops share the schedule: every ticket is sent once.
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 4, Duration: 2 * time.Second, Rate: rate, Loops: 2})
	// Every ticket of the window is accounted for, exactly.
	if got := res.Requests + res.Errors.Total() + res.Unsent; got != 2*rate || res.Errors.Total() != 0 {
		t.Errorf("requests %d + errors %+v + unsent %d = %d, want %d tickets answered without error", res.Requests, res.Errors, res.Unsent, got, 2*rate)
	}
	// Per second only roughly: a busy machine may hold the loop or the server back for a
	// while, and the answers of one second complete in the next.
	for i, s := range res.Series {
		if s.Requests == 0 {
			t.Errorf("second %d: no request", i)
		}
	}
	if res.Lateness.TotalCount() != res.Requests {
		t.Errorf("lateness holds %d values for %d requests", res.Lateness.TotalCount(), res.Requests)
	}
	if res.Sent < 2*rate-2 || res.Sent > 2*rate {
		t.Errorf("%d requests sent in the window, want about %d", res.Sent, 2*rate)
	}
	// A pacer that cannot keep the rate falls behind for good: most requests go out late.
	// (The tail is the machine's: a busy one holds the loop back now and then.)
	if p50 := res.Lateness.ValueAtQuantile(50); p50 > 5_000 {
		t.Errorf("generator lateness p50 = %dµs: the pacer cannot keep %d req/s", p50, rate)
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
	// About a quarter of the tickets fall due while all 4 connections are stuck in a stall:
	// they waited for the server, and carry no lateness of the generator's.
	if res.Backlogged < res.Requests/5 {
		t.Errorf("%d of %d requests backlogged, though all 4 connections were stuck in each stall", res.Backlogged, res.Requests)
	}
	if late := res.Lateness.ValueAtQuantile(50); late > 5_000 {
		t.Errorf("generator lateness p50 = %dµs: the stall was charged to the generator", late)
	}
	if s := res.Series[0]; s.P99 < 100*time.Millisecond || s.P50 > s.P99 {
		t.Errorf("first second of the series %+v: want its p99 to show the stalls", s)
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

func TestBodyLengthCheckPasses(t *testing.T) {
	srv := startRawServer(t, replyWith("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+chunk(`{"message":"Hello, World!"}`, 5)+"0\r\n\r\n"))
	res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: 2, Duration: window, Check: Check{BodyLength: 27, BodyContains: "World"}})
	if res.Requests == 0 || res.Errors.Total() != 0 {
		t.Errorf("requests %d, errors %+v; want the 27-byte chunked body accepted", res.Requests, res.Errors)
	}
}

// With pipelining, each connection keeps several requests in flight, and every answer
// is matched to its request, even when the server answers them in one write.
func TestPipelining(t *testing.T) {
	srv := startRawServer(t, answerEachRequest(helloResponse))
	const conns, depth = 2, 8
	res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: conns, Duration: window, Pipeline: depth, Check: Check{BodyContains: "Hello"}})
	if res.Requests == 0 || res.Errors.Total() != 0 || res.Reconnects != 0 || srv.conns.Load() != conns {
		t.Errorf("requests %d, errors %+v, reconnects %d, server connections %d; want answers on %d kept connections",
			res.Requests, res.Errors, res.Reconnects, srv.conns.Load(), conns)
	}
}

// A server that answers more slowly than the rate: requests queue for a free connection,
// the queueing delay is part of their latency, the generator itself is not blamed, and
// every ticket of the window is answered, failed or counted as unsent.
func TestOpenLoopOverload(t *testing.T) {
	srv := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond)
		hello(w, r)
	})
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 2, Duration: window, Rate: 1000, Timeout: 500 * time.Millisecond})
	t.Logf("requests %d, errors %+v, unsent %d, backlogged %d, p50 %dµs, max %dµs, saturated %q",
		res.Requests, res.Errors, res.Unsent, res.Backlogged, res.Latency.ValueAtQuantile(50), res.Latency.Max(), res.Saturated)
	if got := res.Requests + res.Errors.Total() + res.Unsent; got != 300 {
		t.Errorf("requests + errors + unsent = %d, want the 300 tickets of the window", got)
	}
	if res.Unsent == 0 || res.Backlogged < res.Requests/2 {
		t.Errorf("unsent %d, backlogged %d of %d; want most requests queued and some never sent", res.Unsent, res.Backlogged, res.Requests)
	}
	// Two connections serve 200 req/s of the 1000 due: the later a ticket, the longer it
	// queued, up to about the drain's 500 ms.
	if p50 := res.Latency.ValueAtQuantile(50); p50 < 100_000 {
		t.Errorf("latency p50 %dµs: the queueing delay was not charged", p50)
	}
	// Requests that waited for a connection carry no generator lateness: the wait is
	// the server's.
	if late := res.Lateness.ValueAtQuantile(50); late > 1000 {
		t.Errorf("generator lateness p50 %dµs: a slow server was charged to the generator", late)
	}
}

// A ramp raises the rate over the window: the series shows it.
func TestOpenLoopRamp(t *testing.T) {
	srv := startHTTPServer(t, hello)
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 4, Duration: 2 * time.Second, Rate: 100, RampTo: 300})
	if got := res.Requests + res.Errors.Total() + res.Unsent; got < 399 || got > 401 {
		t.Errorf("%d tickets, want 400 (the mean rate 200/s over 2 s)", got)
	}
	if len(res.Series) != 2 || res.Series[0].Requests > 170 || res.Series[1].Requests < 230 {
		t.Errorf("series %+v: want about 150 then 250 requests", res.Series)
	}
}

func TestGeneratorAccount(t *testing.T) {
	srv := startRawServer(t, answerEachRequest(helloResponse))
	res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: 4, Duration: window, Loops: 2})
	g := res.Generator
	if g.Loops != 2 || g.CPU <= 0 || g.Busiest <= 0 || g.Busiest > 1.5 || res.CPUPerRequest() <= 0 {
		t.Errorf("generator %+v, CPU per request %v; want 2 loops that used some CPU", g, res.CPUPerRequest())
	}
}

// The generator allocates nothing per request: a phase four times as long allocates
// about as much.
func TestNoAllocationPerRequest(t *testing.T) {
	srv := startRawServer(t, answerEachRequest(helloResponse))
	measure := func(d time.Duration) (allocs uint64, requests int64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: 8, Duration: d, Check: Check{BodyContains: "Hello"}})
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs, res.Requests
	}
	shortAllocs, shortReqs := measure(100 * time.Millisecond)
	longAllocs, longReqs := measure(400 * time.Millisecond)
	t.Logf("%d allocations for %d requests, %d for %d", shortAllocs, shortReqs, longAllocs, longReqs)
	if more := longReqs - shortReqs; more < 1000 || int64(longAllocs)-int64(shortAllocs) > more/50 {
		t.Errorf("%d more requests cost %d more allocations; want (almost) none", more, int64(longAllocs)-int64(shortAllocs))
	}
}

func TestSaturation(t *testing.T) {
	lateness := func(d time.Duration) *hdrhistogram.Histogram {
		h := NewHistogram()
		recordMicros(h, d)
		return h
	}
	tests := []struct {
		name     string
		gen      Generator
		openLoop bool
		late     time.Duration
		rate     float64
		want     string // in the reason; "" = not saturated
	}{
		{"idle generator", Generator{Busiest: 0.3}, false, 0, 0, ""},
		{"busy loop", Generator{Busiest: 0.95}, false, 0, 0, "95% of its CPU"},
		{"open loop on time", Generator{Busiest: 0.5}, true, 200 * time.Microsecond, 1000, ""},
		{"open loop late", Generator{Busiest: 0.5}, true, 20 * time.Millisecond, 1000, "late"},
		{"slow rate allows a tenth of its interval", Generator{}, true, 8 * time.Millisecond, 10, ""},
		{"both", Generator{Busiest: 1}, true, time.Second, 1000, "more loops; the load generator sent one request in ten 1s late or more (p90 of its own lateness, limit 5ms) while its loops were busy (100% of a CPU)"},
		// Late sends of idle loops are the machine's (steal, other processes), not the
		// generator's limit: not charged to the target, and the run stays valid.
		{"late but idle: the machine's fault", Generator{Busiest: 0.03}, true, 20 * time.Millisecond, 1000, ""},
	}
	for _, tt := range tests {
		got := saturation(tt.gen, tt.openLoop, lateness(tt.late), Options{Rate: tt.rate, RampTo: tt.rate})
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s: saturation = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A server that closes keep-alive connections after they idle a while: the loop sees the
// close while the connection is idle and reopens it for the next request, which counts as
// a reconnect, not as an error.
func TestIdleConnectionsClosedByTheServer(t *testing.T) {
	srv := startRawServer(t, closeWhenIdle("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 20*time.Millisecond))
	res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: 2, Duration: window, Rate: 20})
	t.Logf("requests %d, reconnects %d, server connections %d", res.Requests, res.Reconnects, srv.conns.Load())
	if res.Requests != 6 || res.Errors.Total() != 0 || res.Reconnects < 3 {
		t.Errorf("requests %d, errors %+v, reconnects %d; want the 6 requests answered, on reopened connections", res.Requests, res.Errors, res.Reconnects)
	}
}

// A closed loop returns only once the requests it had in flight at the end of the window
// are answered, without recording them: the server is left with nothing of the phase
// (the bug: they were abandoned in its queue, and the next phase found it busy with them).
func TestClosedLoopDrainsBeforeReturning(t *testing.T) {
	var inProgress atomic.Int64
	srv := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		inProgress.Add(1)
		defer inProgress.Add(-1)
		time.Sleep(50 * time.Millisecond)
		hello(w, r)
	})
	const conns = 4
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: conns, Duration: 200 * time.Millisecond})
	busy, served := inProgress.Load(), srv.requests.Load()
	if busy != 0 {
		t.Errorf("the server was still working on %d requests of the phase when Run returned", busy)
	}
	time.Sleep(100 * time.Millisecond)
	if later := srv.requests.Load(); later != served {
		t.Errorf("%d requests of the phase reached the server after Run returned", later-served)
	}
	// Every request begun in the window but the last of each connection was recorded.
	if res.Requests < served-2*conns || res.Requests >= served || res.Abandoned != 0 {
		t.Errorf("recorded %d of the %d requests served, %d abandoned; want all but those in flight at the window's edges, none abandoned",
			res.Requests, served, res.Abandoned)
	}
}

// The drain is bounded by the timeout: requests a server never answers are given up,
// counted as abandoned, not as the window's errors.
func TestClosedLoopDrainGivesUpAtTheTimeout(t *testing.T) {
	srv := startRawServer(t, neverAnswer)
	const conns = 3
	res := mustRun(t, Request{URL: srv.url("/")}, Options{Connections: conns, Duration: 250 * time.Millisecond, Timeout: 100 * time.Millisecond})
	t.Logf("timeouts %d, abandoned %d", res.Errors.Timeout, res.Abandoned)
	if res.Abandoned < 1 || res.Abandoned > conns || res.Errors.Timeout == 0 || res.Requests != 0 {
		t.Errorf("abandoned %d, timeouts %d, requests %d; want the requests in flight at the end abandoned, the window's timeouts counted", res.Abandoned, res.Errors.Timeout, res.Requests)
	}
}

// Loops pinned to CPUs run there while the phase lasts and leave no thread pinned after.
func TestLoopsPinnedToCPUs(t *testing.T) {
	available, err := cpuset.Thread()
	if err != nil {
		t.Fatal(err)
	}
	all := available.List()
	if len(all) < 2 {
		t.Skip("one CPU available: a pinned thread cannot be told from the others")
	}
	last := all[len(all)-1:]
	var pinnedDuring atomic.Int32
	srv := startHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		if pinnedDuring.Load() == 0 {
			pinnedDuring.Store(int32(threadsPinnedTo(t, cpuset.Format(last))))
		}
		hello(w, r)
	})
	res := mustRun(t, Request{URL: srv.URL}, Options{Connections: 2, Duration: window, CPUs: last})
	if res.Generator.Loops != 1 {
		t.Errorf("%d loops, want one per CPU listed", res.Generator.Loops)
	}
	if got := pinnedDuring.Load(); got < 1 {
		t.Errorf("%d threads pinned to CPU %v during the phase, want the loop's", got, last)
	}
	if got := threadsPinnedTo(t, cpuset.Format(last)); got != 0 {
		t.Errorf("%d threads still pinned to CPU %v after the phase, want none", got, last)
	}
	if _, err := Run(t.Context(), Request{URL: srv.URL}, Options{Connections: 1, Duration: window, CPUs: []int{cpuset.Max + 1}}); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("a CPU the machine lacks: error %v, want one saying it is not available", err)
	}
}

// threadsPinnedTo counts this process's threads whose Cpus_allowed_list is list.
func threadsPinnedTo(t *testing.T, list string) int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Error(err)
		return 0
	}
	n := 0
	for _, task := range tasks {
		data, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err == nil && strings.Contains(string(data), "Cpus_allowed_list:\t"+list+"\n") {
			n++
		}
	}
	return n
}
