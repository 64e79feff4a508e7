package bench

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/metric"
)

func TestPlan(t *testing.T) {
	plan := Plan(4, 10, 42)
	if len(plan) != 40 {
		t.Fatalf("plan has %d steps, want 40", len(plan))
	}
	orders := map[string]bool{}
	for r := 0; r < 10; r++ {
		seen := map[int]bool{}
		order := ""
		for _, s := range plan[r*4 : r*4+4] {
			if s.Run != r+1 {
				t.Fatalf("step of run %d inside run %d's block", s.Run, r+1)
			}
			seen[s.Scenario] = true
			order += fmt.Sprint(s.Scenario)
		}
		if len(seen) != 4 {
			t.Fatalf("run %d does not measure every scenario once: %v", r+1, plan[r*4:r*4+4])
		}
		orders[order] = true
	}
	if len(orders) < 3 {
		t.Errorf("scenario order hardly varies between runs: %v", orders)
	}
	again := Plan(4, 10, 42)
	for i := range plan {
		if plan[i] != again[i] {
			t.Fatal("the plan is not a function of the seed")
		}
	}
}

func TestWrongAnswer(t *testing.T) {
	cases := []struct {
		name   string
		want   config.Expect
		status int
		ctype  string
		body   string
		reason string // "" = right answer
	}{
		{"any 2xx", config.Expect{}, 204, "", "", ""},
		{"non-2xx", config.Expect{}, 500, "text/plain", "boom", "status 500, expected a 2xx status"},
		{"exact status", config.Expect{Status: 201}, 200, "", "", "status 200, expected 201"},
		{"content type with charset", config.Expect{ContentType: "application/json"}, 200, "application/json; charset=utf-8", "{}", ""},
		{"wrong content type", config.Expect{ContentType: "application/json"}, 200, "text/html", "<p>", `content type "text/html", expected "application/json"`},
		{"missing content type", config.Expect{ContentType: "application/json"}, 200, "", "{}", `content type "", expected "application/json"`},
		{"body", config.Expect{BodyContains: "randomNumber"}, 200, "", `{"id":1,"randomNumber":2}`, ""},
		{"wrong body", config.Expect{BodyContains: "randomNumber"}, 200, "", `{"message":"wrong"}`, `the body does not contain "randomNumber"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := wrongAnswer(c.want, c.status, c.ctype, []byte(c.body)); got != c.reason {
				t.Errorf("got %q, want %q", got, c.reason)
			}
		})
	}
}

func TestSamples(t *testing.T) {
	tp := &load.Result{Requests: 9_000, Elapsed: 3 * time.Second, Latency: load.NewHistogram(), Lateness: load.NewHistogram(),
		Errors: load.Errors{Status: 50, Timeout: 10}}
	lat := &load.Result{Requests: 990, Elapsed: time.Second, Latency: load.NewHistogram(), Lateness: load.NewHistogram(),
		Errors: load.Errors{Connect: 10}}
	for i := int64(1); i <= 1000; i++ {
		lat.Latency.RecordValue(i * 100) // 0.1 ms … 100 ms
	}
	m := samples(tp, lat)
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > want*0.01 {
			t.Errorf("%s = %g, want ≈ %g", name, got, want)
		}
	}
	near("throughput", m[metric.Throughput], 3000)
	near("error rate", m[metric.ErrorRate], 100*70.0/10_010)
	near("p50", m[metric.P50], 50)
	near("p99", m[metric.P99], 99)
	near("max", m[metric.Max], 100)
	for _, mt := range metric.All {
		if _, ok := m[mt.Name]; !ok {
			t.Errorf("metric %s missing from a run's samples", mt.Name)
		}
	}
}

func TestNotes(t *testing.T) {
	quiet := &load.Result{Latency: load.NewHistogram(), Lateness: load.NewHistogram()}
	if n := notes(quiet, quiet, 100); len(n) != 0 {
		t.Errorf("notes for a clean run: %v", n)
	}
	late := &load.Result{Latency: load.NewHistogram(), Lateness: load.NewHistogram(), Backlogged: 7, Requests: 100}
	late.Lateness.RecordValue(20_000)
	closing := &load.Result{Latency: load.NewHistogram(), Lateness: load.NewHistogram(), Reconnects: 500}
	n := strings.Join(notes(closing, late, 100), "\n")
	for _, want := range []string{"did not keep up with 100 req/s (7 requests", "generator itself sent requests up to 20.0 ms late", "500 reconnects"} {
		if !strings.Contains(n, want) {
			t.Errorf("notes lack %q:\n%s", want, n)
		}
	}
}
