package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stackgate/stackgate/internal/result"
)

func helloServer(t *testing.T, status int, seen *atomic.Value) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen.Store(r.Method + " " + r.Header.Get("X-Probe"))
		}
		w.WriteHeader(status)
		fmt.Fprint(w, "Hello, World!")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The command line of stackgate load: flags before or after the URL, the summary, and
// the exit codes that tell a measured endpoint from one that could not be measured.
func TestLoadCommand(t *testing.T) {
	ok := helloServer(t, 200, nil).URL
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"closed loop", []string{"load", "-c", "2", "-d", "300ms", ok + "/hello"}, ExitOK,
			[]string{"closed loop", "requests", "p99", "generator", "0 (0.00%)"}, ""},
		{"flags after the URL, as wrk users type them", []string{"load", ok, "-c", "3", "-d", "300ms", "-pipeline", "2"}, ExitOK,
			[]string{"3 connections"}, ""},
		{"checks count wrong answers", []string{"load", "-c", "1", "-d", "200ms", "-expect-body", "Goodbye", ok}, ExitNotMeasured,
			[]string{"body"}, "no request succeeded"},
		{"no URL", []string{"load", "-c", "2"}, ExitBadInput, nil, "load needs a URL"},
		{"two URLs", []string{"load", ok, ok}, ExitBadInput, nil, "load takes one URL"},
		{"bad header", []string{"load", "-H", "nocolon", ok}, ExitBadInput, nil, "Name: value"},
		{"ramp without rate", []string{"load", "-ramp-to", "10", ok}, ExitBadInput, nil, "-ramp-to needs -rate"},
		{"bad option", []string{"load", "-c", "0", ok}, ExitBadInput, nil, "connections must be at least 1"},
		{"https", []string{"load", "https://127.0.0.1:1/"}, ExitBadInput, nil, "https is not supported"},
		{"help", []string{"load", "-h"}, ExitOK, []string{"-rate", "-expect-status", "-json"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(c.args...)
			bad := code != c.code || !strings.Contains(errOut, c.stderr)
			for _, s := range c.stdout {
				bad = bad || !strings.Contains(out, s)
			}
			if bad {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
		})
	}
}

func TestLoadSendsMethodHeadersAndBody(t *testing.T) {
	var seen atomic.Value
	srv := helloServer(t, 201, &seen)
	code, out, errOut := run("load", "-c", "1", "-d", "200ms", "-method", "POST", "-H", "X-Probe: yes", "-body", "{}", "-expect-status", "201", "-expect-length", "13", srv.URL)
	if code != ExitOK || seen.Load() != "POST yes" {
		t.Errorf("exit %d, server saw %v\n%s%s", code, seen.Load(), out, errOut)
	}
}

// measuredOrSaturated reports whether a run of stackgate load either measured (exit 0)
// or refused its numbers because its generator could not keep up (exit 3, saying so):
// on a machine busy with other tests the open loop's own lateness may pass the bound.
func measuredOrSaturated(code int, stderr string) bool {
	return code == ExitOK || code == ExitNotMeasured && strings.Contains(stderr, "the load generator was the limit")
}

// An open loop, in the summary and in JSON: the schedule kept exactly, the generator's
// own lateness shown apart, a ramp named.
func TestLoadOpenLoop(t *testing.T) {
	srv := helloServer(t, 200, nil)
	code, out, errOut := run("load", "-json", "-c", "2", "-d", "1s", "-rate", "40", srv.URL)
	if !measuredOrSaturated(code, errOut) {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var r loadReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.Requests != 40 || r.Sent != 40 || r.Rate != 40 || r.Lateness == nil || len(r.Series) != 1 || r.Series[0].Requests != 40 {
		t.Errorf("report %+v", r)
	}
	if (code == ExitOK) != (r.Saturated == "") {
		t.Errorf("exit %d with saturated %q: the exit code must follow the flag", code, r.Saturated)
	}
	code, out, errOut = run("load", "-d", "300ms", "-rate", "20", "-ramp-to", "60", srv.URL)
	if !measuredOrSaturated(code, errOut) || !strings.Contains(out, "ramping from 20 to 60 req/s") || !strings.Contains(out, "lateness") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestLoadJSON(t *testing.T) {
	srv := helloServer(t, 200, nil)
	code, out, errOut := run("load", "-json", "-c", "2", "-d", "1s", srv.URL)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var r loadReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.Requests == 0 || r.Rate != 0 || r.Lateness != nil || len(r.Series) != 1 || r.Series[0].Requests != r.Requests || r.Generator.Loops < 1 {
		t.Errorf("report %+v", r)
	}
	if r.Latency.P50 <= 0 || r.Latency.P99 < r.Latency.P50 || r.Latency.Max < r.Latency.P99 {
		t.Errorf("latency %+v: percentiles out of order", r.Latency)
	}
	h, err := result.DecodeHistogram(r.Histogram)
	if err != nil || h.TotalCount() != r.Requests {
		t.Errorf("histogram: %v, %d values for %d requests", err, h.TotalCount(), r.Requests)
	}
}
