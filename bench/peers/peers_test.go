package main

import (
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
