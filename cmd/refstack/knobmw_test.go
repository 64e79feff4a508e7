package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scenarios are one request to each scenario endpoint.
var scenarios = []struct{ method, path string }{
	{"GET", "/json"}, {"GET", "/db"}, {"GET", "/queries?n=3"}, {"GET", "/slow"}, {"POST", "/update?n=3"},
}

// processCPU is the CPU time (user + system) this process has used.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCPUKnobBurnsProcessCPU(t *testing.T) {
	tests := []struct {
		name     string
		cpu      time.Duration
		path     string
		requests int
	}{
		{"1ms on /json", time.Millisecond, "/json", 20},
		{"10ms on /json", 10 * time.Millisecond, "/json", 5},
		{"5ms on /db", 5 * time.Millisecond, "/db", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startStack(t, knobs{cpu: tt.cpu})
			before := processCPU(t)
			for range tt.requests {
				ts.mustDo(t, "GET", tt.path)
			}
			// The client and server share this process: a lower bound only.
			if used, want := processCPU(t)-before, time.Duration(tt.requests)*tt.cpu; used < want {
				t.Errorf("%d requests used %v of process CPU, want at least %v", tt.requests, used, want)
			}
		})
	}
}

func TestDelayKnobSleeps(t *testing.T) {
	const delay = 30 * time.Millisecond
	ts := startStack(t, knobs{delay: delay})
	start := time.Now()
	ts.mustDo(t, "GET", "/json")
	if took := time.Since(start); took < delay {
		t.Errorf("request took %v, want at least the delay %v", took, delay)
	}
}

func TestExtraQueriesKnobAddsRoundTrips(t *testing.T) {
	tests := []struct {
		extra       int
		path        string
		requests    int
		wantRandom  int // RandomNumber calls: the knob's queries
		wantRowCall int // Row calls: the endpoint's own query
	}{
		{extra: 3, path: "/json", requests: 4, wantRandom: 12, wantRowCall: 0},
		{extra: 2, path: "/db", requests: 5, wantRandom: 10, wantRowCall: 5},
		{extra: 0, path: "/db", requests: 5, wantRandom: 0, wantRowCall: 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d on %s", tt.extra, tt.path), func(t *testing.T) {
			ts := startStack(t, knobs{extraQueries: tt.extra})
			for range tt.requests {
				if resp := ts.mustDo(t, "GET", tt.path); resp.status != http.StatusOK {
					t.Fatalf("status %d", resp.status)
				}
			}
			if got := ts.store.callCount("RandomNumber"); got != tt.wantRandom {
				t.Errorf("%d extra queries, want %d", got, tt.wantRandom)
			}
			if got := ts.store.callCount("Row"); got != tt.wantRowCall {
				t.Errorf("%d row queries, want %d", got, tt.wantRowCall)
			}
		})
	}
}

func TestExtraQueryErrorAnswers500(t *testing.T) {
	ts := startStack(t, knobs{extraQueries: 1})
	ts.store.err = fmt.Errorf("connection refused")
	if resp := ts.mustDo(t, "GET", "/json"); resp.status != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.status)
	}
}

func TestErrorEveryKnob(t *testing.T) {
	tests := []struct {
		every int
		want  []int
	}{
		{every: 1, want: []int{500, 500, 500}},
		{every: 3, want: []int{200, 200, 500, 200, 200, 500, 200}},
		{every: 0, want: []int{200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.every), func(t *testing.T) {
			ts := startStack(t, knobs{errorEvery: tt.every})
			var got []int
			for i := range tt.want {
				s := scenarios[i%len(scenarios)] // the count spans endpoints
				got = append(got, ts.mustDo(t, s.method, s.path).status)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWrongAnswerKnobFailsTheCorrectnessCheck(t *testing.T) {
	ts := startStack(t, knobs{wrongAnswer: true})
	for _, s := range scenarios {
		resp := ts.mustDo(t, s.method, s.path)
		if resp.status != http.StatusOK || resp.contentType != "application/json" {
			t.Errorf("%s %s: %d %q, want 200 application/json", s.method, s.path, resp.status, resp.contentType)
		}
		path, _, _ := strings.Cut(s.path, "?")
		if err := checkBody(path, 3, resp.body); err == nil {
			t.Errorf("%s %s: the wrong answer %q passes the correctness check", s.method, s.path, resp.body)
		}
	}
}

func TestLeakKnobRetainsMemory(t *testing.T) {
	const kb, requests = 512, 8
	const want = kb << 10 * requests
	ts := startStack(t, knobs{leakKB: kb})
	before := heapInUse()
	for range requests {
		ts.mustDo(t, "GET", "/json")
	}
	if got := ts.knobs.leakedBytes.Load(); got != want {
		t.Errorf("leaked %d bytes, want %d", got, want)
	}
	// Slack of one request's leak: garbage of earlier tests may be freed
	// between the two readings.
	if grown, least := heapInUse()-before, int64(want-kb<<10); grown < least {
		t.Errorf("live heap grew by %d bytes after a GC, want at least %d", grown, least)
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func TestCrashAfterKnobExits(t *testing.T) {
	ts := startStack(t, knobs{crashAfter: 2})
	// A fresh connection per request: Go's client retries an idempotent
	// request once when a reused connection drops, which would crash twice.
	ts.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 2 {
		if resp := ts.mustDo(t, "GET", "/db"); resp.status != http.StatusOK {
			t.Fatalf("request %d: status %d before the crash", i+1, resp.status)
		}
	}
	if codes := ts.exits.calls(); len(codes) != 0 {
		t.Fatalf("exited with %v before the crash", codes)
	}
	if resp, err := ts.do(t, "GET", "/json"); err == nil {
		t.Errorf("request 3 got an answer (%d %q), want a dropped connection", resp.status, resp.body)
	}
	if codes := ts.exits.calls(); !slices.Equal(codes, []int{crashExitCode}) {
		t.Errorf("exit calls %v, want [%d]", codes, crashExitCode)
	}
}

func TestKnobPathsLimitTheKnobs(t *testing.T) {
	ts := startStack(t, knobs{errorEvery: 1, paths: []string{"/db", "/update"}})
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/db", 500},
		{"POST", "/update", 500},
		{"GET", "/json", 200},
		{"GET", "/queries", 200},
		{"GET", "/slow", 200},
	}
	for _, tt := range tests {
		if got := ts.mustDo(t, tt.method, tt.path).status; got != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestKnobsNeverTouchHealthz(t *testing.T) {
	ts := startStack(t, knobs{
		cpu: time.Millisecond, delay: time.Millisecond, extraQueries: 5, leakKB: 1,
		errorEvery: 1, wrongAnswer: true, crashAfter: 1,
	})
	for range 3 {
		if resp := ts.mustDo(t, "GET", "/healthz"); resp.status != http.StatusOK || resp.body != "ok" {
			t.Errorf("GET /healthz: %d %q, want 200 ok", resp.status, resp.body)
		}
	}
	if n := ts.knobs.requests.Load(); n != 0 {
		t.Errorf("the knobs counted %d requests", n)
	}
	if codes := ts.exits.calls(); len(codes) != 0 {
		t.Errorf("exit calls %v", codes)
	}
	if got := ts.store.callCount("RandomNumber"); got != 0 {
		t.Errorf("%d extra queries", got)
	}
}

func TestNoKnobsNoMiddleware(t *testing.T) {
	ts := startStack(t, knobs{paths: []string{"/db"}}) // paths alone change nothing
	for _, s := range scenarios {
		ts.mustDo(t, s.method, s.path)
	}
	if n := ts.knobs.requests.Load(); n != 0 {
		t.Errorf("the knobs counted %d requests with no knob set", n)
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); err == nil {
		t.Error("sleep of an hour on a cancelled context returned no error")
	}
}
