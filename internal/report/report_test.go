package report

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackgate/stackgate/internal/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestSummary(t *testing.T) {
	run := func(n int, tp, p99, errs float64) result.Run {
		return result.Run{Run: n, Metrics: map[string]float64{
			"throughput": tp, "error_rate": errs, "p50": p99 / 4, "p90": p99 / 2, "p99": p99, "p999": p99 * 1.5, "max": p99 * 2}}
	}
	r := &result.Result{
		Scenarios: []result.Scenario{
			{Name: "json", Runs: []result.Run{run(1, 35120.4, 1.2, 0), run(2, 34980, 1.31, 0), run(3, 36001, 1.1, 0)}},
			{Name: "queries", Runs: []result.Run{run(1, 1420, 15.9, 0.25), run(2, 1388, 17.2, 0)}},
			{Name: "empty"},
		},
		Warnings: []result.Warning{
			{Scenario: "queries", Run: 2, Message: "latency phase: the stack did not keep up"},
			{Message: "asking git: not a repository"},
		},
	}
	var b bytes.Buffer
	if err := Summary(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.txt", b.Bytes())
}

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.in...)
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %g, want %g", c.in, got, c.want)
		}
		if !equal(in, c.in) {
			t.Errorf("Median modified its input")
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing must be NaN")
	}
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
