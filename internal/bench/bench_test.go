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
	"github.com/stackgate/stackgate/internal/result"
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
		{"json fields", config.Expect{JSONFields: []string{"id", "randomNumber"}}, 200, "", `{"id":1,"randomNumber":2}`, ""},
		{"json array", config.Expect{JSONFields: []string{"id"}}, 200, "", `[{"id":1},{"id":2}]`, ""},
		{"json field missing", config.Expect{JSONFields: []string{"id", "randomNumber"}}, 200, "", `{"id":1}`, `the JSON body lacks the field "randomNumber"`},
		{"json array element missing a field", config.Expect{JSONFields: []string{"id"}}, 200, "", `[{"id":1},{"x":2}]`, `the JSON body lacks the field "id"`},
		{"empty json array", config.Expect{JSONFields: []string{"id"}}, 200, "", `[]`, "the body is an empty JSON array, expected objects with id"},
		{"not json", config.Expect{JSONFields: []string{"id"}}, 200, "", `<html>`, "the body is not JSON (invalid character '<' looking for beginning of value)"},
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
	for _, name := range []string{metric.Throughput, metric.ErrorRate, metric.P50, metric.P90, metric.P99, metric.P999, metric.Max} {
		if _, ok := m[name]; !ok {
			t.Errorf("metric %s missing from a run's samples", name)
		}
	}
}

func TestResourceSamples(t *testing.T) {
	statements, rows := int64(3000), int64(60000)
	tp := measured{
		load: &load.Result{Requests: 20_000, Elapsed: 2 * time.Second},
		use:  &result.Resources{StackCPU: 1.5, RSSPeak: 50e6, RSSSlope: 1e6, ThreadsPeak: 12, SessionsPeak: 8},
	}
	lat := measured{
		load: &load.Result{Requests: 1000, Elapsed: time.Second},
		use: &result.Resources{StackCPU: 0.05, DBCPU: 0.02, Statements: &statements, Rows: &rows,
			RSSPeak: 52e6, ThreadsPeak: 10, SessionsPeak: 9},
	}
	m := resourceSamples(tp, lat)
	want := map[string]float64{
		metric.CPUPerRequest:     50, // 0.05 s / 1000 requests = 50 µs
		metric.DBCPUPerRequest:   20,
		metric.QueriesPerRequest: 3,
		metric.RowsPerRequest:    60,
		metric.RSSPeak:           52,  // MB, the larger of the phases
		metric.RSSGrowth:         100, // 1 MB/s at 10 000 req/s
		metric.SessionsPeak:      9,
		metric.ThreadsPeak:       12,
	}
	for name, w := range want {
		if got, ok := m[name]; !ok || math.Abs(got-w) > 1e-9*math.Max(1, w) {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	lat.use.Statements, lat.use.Rows = nil, nil
	if _, ok := resourceSamples(tp, lat)[metric.QueriesPerRequest]; ok {
		t.Error("queries per request without pg_stat_statements")
	}
}

func TestNotes(t *testing.T) {
	quiet := &load.Result{Latency: load.NewHistogram(), Lateness: load.NewHistogram()}
	if n := notes(quiet, quiet, quiet, 100); len(n) != 0 {
		t.Errorf("notes for a clean run: %v", n)
	}
	late := &load.Result{Latency: load.NewHistogram(), Lateness: load.NewHistogram(), Backlogged: 7, Requests: 100}
	late.Lateness.RecordValue(20_000)
	closing := &load.Result{Latency: load.NewHistogram(), Lateness: load.NewHistogram(), Reconnects: 500, Abandoned: 3}
	stuck := &load.Result{Latency: load.NewHistogram(), Abandoned: 2}
	n := strings.Join(notes(stuck, closing, late, 100), "\n")
	for _, want := range []string{"did not keep up with 100 req/s (7 requests", "generator itself sent requests up to 20.0 ms late", "500 reconnects",
		"warm-up: 2 requests were still unanswered", "throughput phase: 3 requests were still unanswered"} {
		if !strings.Contains(n, want) {
			t.Errorf("notes lack %q:\n%s", want, n)
		}
	}
}
