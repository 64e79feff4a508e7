package compare

import (
	"math/rand/v2"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// samples are one scenario's measurements: metric → one value per run.
type samples map[string][]float64

// scenario is a named scenario of a synthetic result.
type scenario struct {
	name    string
	metrics samples
}

var testStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// testDefinition is the definition every synthetic result has unless a test changes it.
func testDefinition() config.Definition {
	return config.Definition{
		"profile":                   `"full"`,
		"load.duration":             `"10s"`,
		"scenario.db.path":          `"/db"`,
		"scenario.json.path":        `"/json"`,
		"scenario.db.rate":          "1000",
		"scenario.json.rate":        "1000",
		"scenario.queries.path":     `"/queries?n=20"`,
		"process.app.run":           `["app"]`,
		"database.settings.fsync":   `"off"`,
		"database.name":             `"bench"`,
		"scenario.queries.rate":     "300",
		"scenario.update.path":      `"/update?n=5"`,
		"scenario.slow.path":        `"/slow"`,
		"scenario.update.rate":      "300",
		"scenario.slow.rate":        "200",
		"scenario.update.method":    `"POST"`,
		"load.connections.defaults": "32",
	}
}

var testDefinitionHash = testDefinition().Hash()

func testFingerprint() result.Fingerprint {
	return result.Fingerprint{Runner: "bench-1", CPUModel: "AMD EPYC 7302P", LogicalCPUs: 32, MemoryBytes: 64 << 30,
		Hostname: "bench-1", Kernel: "6.1.0-18-amd64", Governor: "performance", Turbo: "off", SMT: "off",
		GoVersion: "go1.26.0", PostgreSQL: "15.6"}
}

// newResult is a complete synthetic result of the scenarios, one run per sample.
func newResult(scenarios ...scenario) *result.Result {
	r := &result.Result{
		Schema: result.Schema, Tool: "stackgate test", Suite: "demo", Profile: config.ProfileFull,
		DefinitionHash: testDefinitionHash, Definition: testDefinition(), Fingerprint: testFingerprint(),
		Git: result.Git{Revision: "abc123"}, Started: testStart, Finished: testStart.Add(time.Hour), Complete: true,
	}
	for _, sc := range scenarios {
		r.Scenarios = append(r.Scenarios, newScenario(sc))
	}
	return r
}

func newScenario(sc scenario) result.Scenario {
	runs := 0
	for _, xs := range sc.metrics {
		runs = max(runs, len(xs))
	}
	out := result.Scenario{Name: sc.name}
	for i := range runs {
		run := result.Run{Run: i + 1, Seq: i, Metrics: map[string]float64{}}
		for name, xs := range sc.metrics {
			if i < len(xs) {
				run.Metrics[name] = xs[i]
			}
		}
		out.Runs = append(out.Runs, run)
	}
	return out
}

// normal draws n values with the mean and a standard deviation of sd·mean.
func normal(rng *rand.Rand, n int, mean, sd float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = mean + rng.NormFloat64()*sd*mean
	}
	return xs
}

// stack draws one scenario's default gated metrics: throughput, p99 and error rate with
// the given means and relative noise.
func stack(rng *rand.Rand, n int, throughput, p99, errorRate, noise float64) samples {
	return samples{
		metric.Throughput: normal(rng, n, throughput, noise),
		metric.P99:        normal(rng, n, p99, noise),
		metric.ErrorRate:  normal(rng, n, errorRate, noise),
	}
}

// repeat is n copies of v.
func repeat(v float64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = v
	}
	return xs
}

// scaled is xs times f.
func scaled(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

// findMetric returns the verdict of metric name in scenario sc, or nil.
func findMetric(v *Verdict, sc, name string) *MetricVerdict {
	for i := range v.Scenarios {
		if v.Scenarios[i].Name != sc {
			continue
		}
		for j := range v.Scenarios[i].Metrics {
			if v.Scenarios[i].Metrics[j].Metric == name {
				return &v.Scenarios[i].Metrics[j]
			}
		}
	}
	return nil
}

func findScenario(v *Verdict, name string) *ScenarioVerdict {
	for i := range v.Scenarios {
		if v.Scenarios[i].Name == name {
			return &v.Scenarios[i]
		}
	}
	return nil
}

// defaultRules are the rules of a suite that sets nothing in [gate].
// defaultRules are the default rules without a drift between invocations: the tests of the
// runs' statistics compare samples as if measured in one sitting (spread_test.go tests the
// drift).
func defaultRules() Rules {
	noDrift := 0.0
	return RulesFromConfig(config.Gate{Alpha: config.DefaultAlpha, Drift: &noDrift})
}
