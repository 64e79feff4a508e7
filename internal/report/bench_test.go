package report

import (
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// The cost of judging a large suite and rendering every report of it: 100 scenarios of 12
// runs a side, every metric of the catalogue, a latency histogram and per-second series in
// every run — what `stackgate compare` and the end of `stackgate run` do. Run with
//
//	go test ./internal/report -run '^$' -bench Judge -benchtime 5x
//
// The target is well under a second for the whole (issue 17, item 12).

const (
	benchScenarios = 100
	benchRuns      = 12
)

// largeResults are a baseline and a head of n scenarios × runs runs: every tenth scenario's
// p99 is 20 % slower, every 25th loses 10 % of its throughput, every 7th burns 27 % more
// CPU per request; the rest vary around the same medians.
func largeResults(tb testing.TB, n, runs int) (head, base *result.Result) {
	side := func(rev string, started time.Time, worse bool) *result.Result {
		r := &result.Result{
			Schema: result.Schema, Tool: "stackgate bench", Suite: "large", Profile: "full", DefinitionHash: "sha256:large",
			Fingerprint: result.Fingerprint{Runner: "lab-1", CPUModel: "AMD EPYC 7443P 24-Core Processor", LogicalCPUs: 48, MemoryBytes: 128 << 30},
			Git:         result.Git{Revision: rev}, Started: started, Finished: started.Add(time.Hour), Complete: true,
		}
		for i := range n {
			sh := shape{throughput: 1000 + 97*float64(i), p50: 0.5 + 0.01*float64(i), p99: 2 + 0.05*float64(i), p99Series: true}
			cpu := 200.0
			if worse {
				if i%10 == 9 {
					sh.p99 *= 1.2
				}
				if i%25 == 24 {
					sh.throughput *= 0.9
				}
				if i%7 == 6 {
					cpu *= 1.27
				}
			}
			sc := result.Scenario{Name: fmt.Sprintf("GET /api/v1/endpoint-%03d", i)}
			for k := range runs {
				run := result.Run{
					Run: k + 1, Seq: k*n + i + 1, Metrics: map[string]float64{},
					Throughput: result.Phase{Connections: 64, Seconds: 20, Series: seconds(sh, k+1, 20)},
					Latency: result.Phase{Connections: 64, Rate: math.Round(sh.throughput / 2), Seconds: 20,
						Histogram: latencyHistogram(tb, sh, k+1), Series: seconds(sh, k+1, 20)},
				}
				for _, m := range metric.All {
					run.Metrics[m.Name] = benchMetric(m.Name, sh, cpu, wobble(i, k, worse))
				}
				sc.Runs = append(sc.Runs, run)
			}
			r.Scenarios = append(r.Scenarios, sc)
		}
		return r
	}
	base = side("3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345", baselineStarted, false)
	head = side("a81d0c6e93f2b4c5d6e7f8091a2b3c4d5e6f7081", headStarted, true)
	return head, base
}

// wobble is a run's deviation from the medians: a few percent, different on each side.
func wobble(scenario, run int, head bool) float64 {
	phase := 0.0
	if head {
		phase = 0.5
	}
	return 1 + 0.03*math.Sin(float64(3*run+scenario)+phase)
}

// benchMetric is a run's value of a metric for a scenario of shape sh: counts (sessions,
// threads, queries, rows) are whole numbers, as measured, and so have ties.
func benchMetric(name string, sh shape, cpu, w float64) float64 {
	switch name {
	case metric.Throughput:
		return sh.throughput * w
	case metric.ErrorRate:
		return 0.01 * w
	case metric.P50:
		return sh.p50 * w
	case metric.P90:
		return (sh.p50 + sh.p99) / 2 * w
	case metric.P99:
		return sh.p99 * w
	case metric.P999:
		return 2 * sh.p99 * w
	case metric.Max:
		return 3 * sh.p99 * w
	case metric.CPUPerRequest, metric.DBCPUPerRequest:
		return cpu * w
	case metric.RSSPeak:
		return 60 * w
	case metric.RSSGrowth:
		return 100 * (w - 1)
	case metric.SessionsPeak, metric.ThreadsPeak:
		return math.Round(8 * w * w)
	}
	return 1 // queries and rows per request
}

func BenchmarkJudgeAndReport(b *testing.B) {
	head, base := largeResults(b, benchScenarios, benchRuns)
	rules := compare.RulesFromConfig(config.DefaultGate())
	in := compare.Input{Base: base, Head: head, Mode: compare.ModeBaseline}
	v := compare.Compare(in, rules)
	steps := []struct {
		name string
		run  func(b *testing.B)
	}{
		{"compare", func(b *testing.B) { compare.Compare(in, rules) }},
		{"terminal", func(b *testing.B) {
			if err := Terminal(io.Discard, v, TerminalOptions{}); err != nil {
				b.Fatal(err)
			}
		}},
		{"markdown", func(b *testing.B) { Markdown(v, MarkdownOptions{Chart: true}) }},
		{"html", func(b *testing.B) {
			if err := HTML(io.Discard, v, head, base); err != nil {
				b.Fatal(err)
			}
		}},
		{"json", func(b *testing.B) {
			if _, err := VerdictJSON(v); err != nil {
				b.Fatal(err)
			}
		}},
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			for _, s := range steps {
				s.run(b)
			}
		}
	})
	for _, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				s.run(b)
			}
		})
	}
}
