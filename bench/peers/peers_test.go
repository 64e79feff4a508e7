package main

import (
	"strings"
	"testing"
	"time"
)

func TestStallTruth(t *testing.T) {
	got := stallTruth(2*time.Second, 200*time.Millisecond)
	want := [6]float64{10, 0, 0, 100, 180, 200}
	for i := range want {
		if abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("truth[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestParseWrk(t *testing.T) {
	out := "Running 10s test @ http://127.0.0.1:1/hello\n  452312 requests in 10.01s, 50.89MB read\nRequests/sec:  45187.21\n" +
		"stats requests=15356 mean=10.356 p50=0.484 p90=10.124 p95=90.338 p99=179.950 max=203.452\n"
	n, secs, err := parseWrk(out)
	if err != nil || n != 452312 || secs != 10.01 {
		t.Errorf("parseWrk = %d, %v, %v", n, secs, err)
	}
	if s := parseStats(out); s["p99"] != 179.95 || s["requests"] != 15356 {
		t.Errorf("parseStats = %v", s)
	}
}

func TestWrkErrors(t *testing.T) {
	out := "  1000 requests in 1.00s, 0.1MB read\n  Socket errors: connect 0, read 12, write 0, timeout 3\n  Non-2xx or 3xx responses: 5\n"
	if n := wrkErrors(out); n != 20 {
		t.Errorf("wrkErrors = %d, want 20", n)
	}
	if n := wrkErrors("  1000 requests in 1.00s\n"); n != 0 {
		t.Errorf("wrkErrors without errors = %d", n)
	}
}

func TestParseStacks(t *testing.T) {
	got := parseStacks("stackgate.toml:json,db  testdata/stacks/flask/stackgate.toml")
	if len(got) != 2 || got[0].file != "stackgate.toml" || strings.Join(got[0].scenarios, "|") != "json|db" || got[1].scenarios != nil {
		t.Errorf("parseStacks = %+v", got)
	}
}
