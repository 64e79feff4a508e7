package result

import (
	"fmt"
	"math"
	"sort"

	"github.com/stackgate/stackgate/internal/metric"
)

// Check refuses values no measurement can produce, so that a damaged or hand-edited file
// is bad input rather than a verdict: every sample is a finite number, none is negative
// unless its metric may be (metric.Metric.Signed), an error rate is a percentage, and every valid run has the metrics gated by default
// with a throughput above zero (a run where no request succeeded is an error, never a
// sample). Errors name the scenario, the run and the metric.
func (r *Result) Check() error {
	for _, sc := range r.Scenarios {
		for _, run := range sc.Runs {
			err := checkSamples(run.Metrics, len(run.Invalid) == 0)
			if err == nil && run.Counts != nil {
				err = run.Counts.check()
			}
			if err != nil {
				return fmt.Errorf("scenario %q, run %d, %w", sc.Name, run.Run, err)
			}
		}
	}
	return nil
}

// checkSamples checks one run's samples (all of them required when valid).
func checkSamples(samples map[string]float64, valid bool) error {
	names := make([]string, 0, len(samples))
	for name := range samples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := CheckSample(name, samples[name]); err != nil {
			return err
		}
	}
	if !valid {
		return nil
	}
	for _, m := range metric.All {
		if _, ok := samples[m.Name]; m.Gated && !ok {
			return fmt.Errorf("metric %q: missing (it is gated by default, every run has it)", m.Name)
		}
	}
	if samples[metric.Throughput] == 0 {
		return fmt.Errorf("metric %q: 0 (a run in which no request succeeded is not measured)", metric.Throughput)
	}
	return nil
}

// CheckSample refuses a value of the metric name that no measurement produces.
func CheckSample(name string, v float64) error {
	m, known := metric.Lookup(name)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("metric %q: %v is not a number a measurement gives", name, v)
	case v < 0 && known && !m.Signed:
		return fmt.Errorf("metric %q: %v is negative", name, v)
	case name == metric.ErrorRate && v > 100:
		return fmt.Errorf("metric %q: %v%% is more than all requests", name, v)
	}
	return nil
}

func (c Counts) check() error {
	if c.Requests < 0 || c.Errors < 0 || c.Errors > c.Requests {
		return fmt.Errorf("counts: %d errors of %d requests", c.Errors, c.Requests)
	}
	return nil
}
