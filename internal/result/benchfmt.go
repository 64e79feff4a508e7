package result

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// benchUnits maps metric names to Go benchmark units. Latencies get a "-ms" suffix and the
// error rate "-%" so benchstat shows what they are; benchstat's own units are not used
// because it would rescale and rename them.
func benchUnit(metric, unit string) string {
	switch unit {
	case "req/s":
		return "req/s"
	case "%":
		return metric + "-%"
	}
	return metric + "-" + unit
}

// WriteBenchfmt writes r in the Go benchmark format, one line per run of each scenario, so
// that `benchstat base.txt head.txt` works on stackgate data. units gives each metric's unit
// (the metric catalogue); metrics are written in its order.
func WriteBenchfmt(w io.Writer, r *Result, metrics []string, units map[string]string) error {
	bw := benchfmt.NewWriter(w)
	config := []benchfmt.Config{
		{Key: "goos", Value: []byte("linux"), File: true},
		{Key: "suite", Value: []byte(r.Suite), File: true},
		{Key: "profile", Value: []byte(r.Profile), File: true},
		{Key: "runner", Value: []byte(r.Fingerprint.Runner), File: true},
		{Key: "cpu", Value: []byte(r.Fingerprint.CPUModel), File: true},
		{Key: "definition", Value: []byte(r.DefinitionHash), File: true},
	}
	if r.Git.Revision != "" {
		config = append(config, benchfmt.Config{Key: "commit", Value: []byte(r.Git.Revision), File: true})
	}
	for _, sc := range r.Scenarios {
		for _, run := range sc.Runs {
			if len(run.Invalid) > 0 {
				continue
			}
			rec := &benchfmt.Result{
				Config: config,
				Name:   benchfmt.Name(fmt.Sprintf("Stack/scenario=%s", benchName(sc.Name))),
				Iters:  1,
			}
			for _, m := range metrics {
				if v, ok := run.Metrics[m]; ok {
					rec.Values = append(rec.Values, benchfmt.Value{Value: v, Unit: benchUnit(m, units[m])})
				}
			}
			if err := bw.Write(rec); err != nil {
				return fmt.Errorf("writing benchmark format: %w", err)
			}
		}
	}
	return nil
}

// benchName keeps a scenario name usable in a benchmark name (no spaces or slashes).
func benchName(s string) string {
	return strings.NewReplacer(" ", "_", "/", "_").Replace(s)
}
