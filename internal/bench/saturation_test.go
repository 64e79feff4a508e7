package bench

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/result"
)

// A phase the load generator limited makes its run invalid (left out of the samples)
// with the reason, shown as a warning, and per-second percentiles reach the result.
func TestSaturatedPhaseInvalidatesTheRun(t *testing.T) {
	phase := func(saturated string) *load.Result {
		return &load.Result{Requests: 10, Elapsed: time.Second, Latency: load.NewHistogram(), Lateness: load.NewHistogram(),
			Saturated: saturated, Series: []load.Second{{Requests: 10, P50: time.Millisecond, P99: 3 * time.Millisecond}}}
	}
	run, err := record(result.Run{}, 2, 100, measured{load: phase("a loop used 97% of its CPU")}, measured{load: phase("")})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Invalid) != 1 || !strings.Contains(run.Invalid[0], "throughput phase: a loop used 97%") {
		t.Errorf("invalid = %q, want the throughput phase's saturation", run.Invalid)
	}
	if s := run.Latency.Series[0]; s.P50 != 1 || s.P99 != 3 {
		t.Errorf("series second = %+v, want p50 1 ms and p99 3 ms", s)
	}
	if n := strings.Join(notes(nil, phase("x"), phase(""), 100), "\n"); !strings.Contains(n, "throughput phase: x — the run is invalid") {
		t.Errorf("notes lack the saturation:\n%s", n)
	}
	clean, err := record(result.Run{}, 2, 100, measured{load: phase("")}, measured{load: phase("")})
	if err != nil || len(clean.Invalid) != 0 {
		t.Errorf("clean run: invalid %q, %v", clean.Invalid, err)
	}
}

// A scenario whose every run was invalid could not be measured: an error (exit 3), never
// a verdict on no samples; one valid run is enough to go on.
func TestEveryRunInvalidIsAnError(t *testing.T) {
	invalid := result.Run{Run: 1, Invalid: []string{"latency phase: generator late"}}
	valid := result.Run{Run: 2}
	s := &side{name: "head", res: &result.Result{Scenarios: []result.Scenario{
		{Name: "json", Runs: []result.Run{invalid, valid}},
		{Name: "db", Runs: []result.Run{invalid, invalid}},
	}}}
	var be *Error
	if err := unmeasured(s); !errors.As(err, &be) || be.Scenario != "db" || !strings.Contains(err.Error(), "generator late") {
		t.Errorf("unmeasured = %v, want a bench error naming db and the reason", err)
	}
	s.res.Scenarios = s.res.Scenarios[:1]
	if err := unmeasured(s); err != nil {
		t.Errorf("unmeasured = %v with a valid run", err)
	}
}
