package report

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/metric"
)

// The verdicts below are written by hand the way package compare fills them in, so the
// renderers are tested on their own.

func sum(n int, median, spread float64) compare.Summary {
	return compare.Summary{N: n, Median: median, Lo: median * (1 - spread), Hi: median * (1 + spread)}
}

// tooFew is the summary of a sample too small for a confidence interval (benchmath: ±∞).
func tooFew(n int, median float64) compare.Summary {
	return compare.Summary{N: n, Median: median, Lo: math.Inf(-1), Hi: math.Inf(1)}
}

func mv(name string, level compare.Level, base, head compare.Summary, p float64, reason string) compare.MetricVerdict {
	m, _ := metric.Lookup(name)
	better := map[metric.Direction]string{metric.LowerIsBetter: "lower", metric.HigherIsBetter: "higher", metric.Info: "info"}[m.Better]
	v := compare.MetricVerdict{
		Metric: name, Unit: m.Unit, Better: better, Gated: m.Gated, Level: level, Reason: reason,
		Baseline: base, Head: head, Absolute: m.Absolute, P: p,
		Tolerance: compare.Tolerance{Warn: m.Tolerance.Warn, Fail: m.Tolerance.Fail},
	}
	switch {
	case base.N == 0:
		v.Change = math.NaN()
	case m.Absolute:
		v.Change = head.Median - base.Median
	default:
		v.Change = head.Median/base.Median - 1
	}
	if m.Gated {
		v.Threshold = 0.01 / 9
	}
	v.Significant = p < 0.001
	return v
}

// improved marks a metric that got significantly better (p is for "head is worse"; the
// p of "head is better" is about its complement).
func improved(m compare.MetricVerdict) compare.MetricVerdict {
	m.Improved, m.Significant, m.PImproved = true, false, math.Round(1e6*(1-m.P))/1e6
	return m
}

var (
	baselineStarted = time.Date(2025, 11, 20, 14, 2, 11, 0, time.UTC)
	headStarted     = time.Date(2025, 11, 21, 9, 15, 40, 0, time.UTC)
)

func side(rev string, started time.Time, runner string) compare.Side {
	return compare.Side{Revision: rev, Started: started, Runner: runner, Profile: "full",
		DefinitionHash: "sha256:9f2c41d07be3a8e15c6f0d2b7a4e9c13"}
}

func failingVerdict() *compare.Verdict {
	base := side("3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345", baselineStarted, "lab-1")
	p99 := mv("p99", compare.Fail, sum(10, 4.12, 0.06), sum(16, 4.87, 0.04), 0.0004, "p99 +18.2 % (p=0.0004, fail tolerance 10 %)")
	p99.Drift = &compare.Drift{Since: time.Date(2025, 9, 2, 8, 0, 0, 0, time.UTC), Revision: "0c1d2e3f4a5b6c7d8e9f", Change: 0.241, Baselines: 5, Creep: true}
	errRate := mv("error_rate", compare.Fail, compare.Summary{N: 10}, compare.Summary{N: 10, Median: 0.52, Lo: 0.31, Hi: 0.74}, 0.00003,
		"error_rate +0.52 points (0.00 % → 0.52 %, p=0.00003, fail tolerance 0 points)")
	return &compare.Verdict{
		Suite: "refstack", Mode: "baseline", Level: compare.Fail,
		Reason:   "queries error_rate +0.52 points (0.00 % → 0.52 %, p=0.00003, fail tolerance 0 points); 2 more regressions",
		Baseline: &base,
		Head:     side("a81d0c6e93f2b4c5d6e7f8091a2b3c4d5e6f7081", headStarted, "lab-1"),
		Alpha:    0.01, Gated: 9,
		Confirmation: &compare.Confirmation{Scenarios: []string{"db"}, AddedRuns: 6, StageAlpha: 0.005},
		Scenarios: []compare.ScenarioVerdict{
			{Name: "json", Level: compare.Pass, Reason: "no regression", Metrics: []compare.MetricVerdict{
				mv("throughput", compare.Pass, sum(10, 35120, 0.012), sum(10, 35310, 0.009), 0.71, "throughput +0.5 % (p=0.71)"),
				mv("error_rate", compare.Pass, compare.Summary{N: 10}, compare.Summary{N: 10}, 1, "error_rate +0.00 pt (p=1)"),
				improved(mv("p50", compare.Pass, sum(10, 0.30, 0.03), sum(10, 0.28, 0.04), 0.9992, "p50 −6.7 % (improved, p=0.0008, not gated)")),
				mv("p90", compare.Pass, sum(10, 0.61, 0.05), sum(10, 0.60, 0.05), 0.62, "p90 −1.6 % (p=0.62)"),
				mv("p99", compare.Pass, sum(10, 1.32, 0.08), sum(10, 1.30, 0.06), 0.62, "p99 −1.5 % (p=0.62)"),
				mv("p999", compare.Pass, sum(10, 2.9, 0.1), sum(10, 3.1, 0.12), 0.08, "p999 +6.9 % (p=0.08)"),
				mv("max", compare.Pass, sum(10, 8.7, 0.3), sum(10, 11.2, 0.35), 0.21, "max +28.7 % (p=0.21, not gated)"),
			}},
			{Name: "db", Level: compare.Fail, Reason: "p99 +18.2 % (p=0.0004, fail tolerance 10 %)", Metrics: []compare.MetricVerdict{
				mv("throughput", compare.Pass, sum(10, 9850, 0.011), sum(16, 9790, 0.01), 0.64, "throughput −0.6 % (p=0.64)"),
				mv("error_rate", compare.Pass, compare.Summary{N: 10}, compare.Summary{N: 16}, 1, "error_rate +0.00 pt (p=1)"),
				mv("p50", compare.Pass, sum(10, 0.91, 0.04), sum(16, 0.93, 0.03), 0.19, "p50 +2.2 % (p=0.19)"),
				mv("p90", compare.Pass, sum(10, 1.80, 0.05), sum(16, 1.96, 0.04), 0.003, "p90 +8.9 % (p=0.003, not gated)"),
				p99,
				significant(mv("p999", compare.Pass, sum(10, 7.9, 0.09), sum(16, 9.8, 0.08), 0.0008, "p999 +24.1 % (p=0.0008, significant, not gated)")),
				mv("max", compare.Pass, sum(10, 14.2, 0.2), sum(16, 19.0, 0.25), 0.02, "max +33.8 % (p=0.02, not gated)"),
			}},
			{Name: "queries", Level: compare.Fail, Reason: "error_rate +0.52 points (0.00 % → 0.52 %, p=0.00003, fail tolerance 0 points); 1 more regression", Metrics: []compare.MetricVerdict{
				mv("throughput", compare.Warn, sum(10, 1420, 0.008), sum(10, 1376, 0.007), 0.0009, "throughput −3.1 % (p=0.0009, beyond the warn tolerance 2 %)"),
				errRate,
				mv("p50", compare.Pass, sum(10, 5.1, 0.03), sum(10, 5.2, 0.03), 0.3, "p50 +2.0 % (p=0.3)"),
				mv("p90", compare.Pass, sum(10, 9.8, 0.04), sum(10, 10.1, 0.04), 0.2, "p90 +3.1 % (p=0.2)"),
				mv("p99", compare.Pass, sum(10, 16.4, 0.05), sum(10, 16.9, 0.05), 0.09, "p99 +3.0 % (p=0.09, no significant change)"),
				mv("p999", compare.Pass, sum(10, 22, 0.1), sum(10, 23, 0.1), 0.4, "p999 +4.5 % (p=0.4)"),
				mv("max", compare.Pass, sum(10, 41, 0.3), sum(10, 38, 0.3), 0.7, "max −7.3 % (p=0.7)"),
			}},
		},
		Warnings: []string{
			"json, run 4: latency phase: the stack did not keep up with 2000 req/s for 1.2 s",
			"kernel differs from the baseline's: 6.8.0-47-generic (baseline 6.8.0-45-generic); still comparable",
		},
	}
}

// significant marks an ungated metric whose change is significant.
func significant(m compare.MetricVerdict) compare.MetricVerdict {
	m.Significant = true
	return m
}

func passingVerdict() *compare.Verdict {
	base := side("5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80", headStarted, "lab-1")
	return &compare.Verdict{
		Suite: "refstack", Mode: "ab", Level: compare.Pass,
		Reason:   "6 gated metrics within tolerance; 2 improved",
		Baseline: &base,
		Head:     side("a81d0c6e93f2b4c5d6e7f8091a2b3c4d5e6f7081", headStarted, "lab-1"),
		Alpha:    0.01, Gated: 6,
		Scenarios: []compare.ScenarioVerdict{
			{Name: "json", Level: compare.Pass, Reason: "no regression", Metrics: []compare.MetricVerdict{
				mv("throughput", compare.Pass, sum(12, 35120, 0.012), sum(12, 35050, 0.01), 0.58, "throughput −0.2 % (p=0.58)"),
				mv("error_rate", compare.Pass, compare.Summary{N: 12}, compare.Summary{N: 12}, 1, "error_rate +0.00 pt (p=1)"),
				mv("p50", compare.Pass, sum(12, 0.30, 0.03), sum(12, 0.30, 0.03), 0.5, "p50 +0.0 % (p=0.5)"),
				mv("p99", compare.Pass, sum(12, 1.32, 0.08), sum(12, 1.35, 0.07), 0.31, "p99 +2.3 % (p=0.31)"),
			}},
			{Name: "db", Level: compare.Pass, Reason: "p99 improved −12.4 %", Metrics: []compare.MetricVerdict{
				improved(mv("throughput", compare.Pass, sum(12, 9850, 0.011), sum(12, 10240, 0.01), 0.9996, "throughput +4.0 % (improved, p=0.0004)")),
				mv("error_rate", compare.Pass, compare.Summary{N: 12}, compare.Summary{N: 12}, 1, "error_rate +0.00 pt (p=1)"),
				mv("p50", compare.Pass, sum(12, 0.91, 0.04), sum(12, 0.84, 0.03), 0.9990, "p50 −7.7 % (p=0.999, not gated)"),
				improved(mv("p99", compare.Pass, sum(12, 4.12, 0.06), sum(12, 3.61, 0.05), 0.99995, "p99 −12.4 % (improved, p=0.00005)")),
			}},
		},
	}
}

func notComparableVerdict() *compare.Verdict {
	base := side("3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345", baselineStarted, "lab-1")
	notCompared := func(name string, b, h compare.Summary) compare.MetricVerdict {
		m := mv(name, compare.Inconclusive, b, h, math.NaN(), "")
		m.Reason = fmt.Sprintf("%s %s (not compared)", name, formatChange(&m))
		m.Threshold, m.Significant, m.Improved = 0, false, false
		return m
	}
	return &compare.Verdict{
		Suite: "refstack", Mode: "baseline", Level: compare.Inconclusive,
		Reason:   "not comparable: machine: CPU model: AMD EPYC 7443P 24-Core Processor → Intel(R) Xeon(R) E-2388G CPU @ 3.20GHz; machine: runner: lab-1 → lab-2",
		Baseline: &base,
		Head:     side("a81d0c6e93f2b4c5d6e7f8091a2b3c4d5e6f7081", headStarted, "lab-2"),
		Alpha:    0.01, Gated: 6,
		Scenarios: []compare.ScenarioVerdict{
			{Name: "json", Level: compare.Inconclusive, Reason: "not comparable: measured on another machine than the baseline", Metrics: []compare.MetricVerdict{
				notCompared("throughput", sum(10, 35120, 0.012), sum(10, 52800, 0.01)),
				notCompared("error_rate", compare.Summary{N: 10}, compare.Summary{N: 10}),
				notCompared("p99", sum(10, 1.32, 0.08), sum(10, 0.94, 0.07)),
			}},
			{Name: "db", Level: compare.Inconclusive, Reason: "not comparable: measured on another machine than the baseline", Metrics: []compare.MetricVerdict{
				notCompared("throughput", sum(10, 9850, 0.011), sum(10, 14200, 0.01)),
				notCompared("error_rate", compare.Summary{N: 10}, compare.Summary{N: 10}),
				notCompared("p99", sum(10, 4.12, 0.06), sum(10, 2.87, 0.05)),
			}},
		},
		NotComparable: []string{
			"machine: CPU model: AMD EPYC 7443P 24-Core Processor → Intel(R) Xeon(R) E-2388G CPU @ 3.20GHz",
			"machine: runner: lab-1 → lab-2",
		},
	}
}

func noBaselineVerdict() *compare.Verdict {
	noBase := func(name string, h compare.Summary) compare.MetricVerdict {
		m := mv(name, compare.Inconclusive, compare.Summary{}, h, math.NaN(), "")
		m.Reason = name + " " + FormatQuantity(h.Median, m.Unit) + " (no baseline)"
		m.Threshold, m.Significant, m.Improved = 0, false, false
		if !m.Gated {
			m.Level = compare.Pass
		}
		return m
	}
	return &compare.Verdict{
		Suite: "refstack", Mode: "none", Level: compare.Inconclusive,
		Reason: "no baseline yet: run `stackgate baseline update`",
		Head: compare.Side{Revision: "a81d0c6e93f2b4c5d6e7f8091a2b3c4d5e6f7081", Dirty: true, Started: headStarted,
			Runner: "laptop", Profile: "quick", DefinitionHash: "sha256:0b7e5d2c9a41f3e86d1c0a7b5e3f9d24"},
		Scenarios: []compare.ScenarioVerdict{
			{Name: "json", Level: compare.Inconclusive, Reason: "no baseline yet", Metrics: []compare.MetricVerdict{
				noBase("throughput", tooFew(3, 35120)),
				noBase("error_rate", tooFew(3, 0)),
				noBase("p50", tooFew(3, 0.30)),
				noBase("p99", tooFew(3, 1.32)),
			}},
			{Name: "slow", Level: compare.Inconclusive, Reason: "no baseline yet", Metrics: []compare.MetricVerdict{
				noBase("throughput", tooFew(3, 4870)),
				noBase("error_rate", tooFew(3, 0.04)),
				noBase("p50", tooFew(3, 20.6)),
				noBase("p99", tooFew(3, 1240)),
			}},
		},
		Warnings: []string{"3 runs per scenario: at n ≤ 3 no difference can ever be significant; set runs = 10 or more"},
	}
}

func errorVerdict() *compare.Verdict {
	base := side("3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345", baselineStarted, "lab-1")
	return &compare.Verdict{
		Suite: "refstack", Mode: "baseline", Level: compare.Error,
		Reason:   "update could not be measured: correctness check failed: POST /update?n=5: status 500 (want 200)",
		Baseline: &base,
		Head:     side("a81d0c6e93f2b4c5d6e7f8091a2b3c4d5e6f7081", headStarted, "lab-1"),
		Alpha:    0.01, Gated: 3,
		Scenarios: []compare.ScenarioVerdict{
			{Name: "json", Level: compare.Pass, Reason: "no regression", Metrics: []compare.MetricVerdict{
				mv("throughput", compare.Pass, sum(10, 35120, 0.012), sum(10, 35020, 0.01), 0.61, "throughput −0.3 % (p=0.61)"),
				mv("error_rate", compare.Pass, compare.Summary{N: 10}, compare.Summary{N: 10}, 1, "error_rate +0.00 pt (p=1)"),
				mv("p99", compare.Pass, sum(10, 1.32, 0.08), sum(10, 1.34, 0.07), 0.4, "p99 +1.5 % (p=0.4)"),
			}},
			{Name: "update", Level: compare.Error,
				Reason: "correctness check failed: POST /update?n=5: status 500 (want 200), body \"<h1>Internal Server Error</h1>\n| see the app's log |\""},
		},
		Warnings: []string{"update: the app's log is in logs/update-run1-app.log"},
	}
}

// warnVerdict: one gated metric beyond its warn tolerance only.
func warnVerdict() *compare.Verdict {
	v := failingVerdict()
	v.Scenarios = v.Scenarios[2:3]
	sc := &v.Scenarios[0]
	sc.Metrics[1] = mv("error_rate", compare.Pass, compare.Summary{N: 10}, compare.Summary{N: 10}, 1, "error_rate +0.00 points (0.00 % → 0.00 %, all runs equal, no change)")
	sc.Level, sc.Reason = compare.Warn, sc.Metrics[0].Reason
	v.Level, v.Reason, v.Gated, v.Confirmation = compare.Warn, "queries "+sc.Reason, 3, nil
	v.Warnings = nil
	return v
}

// inconclusiveVerdict: a gated metric beyond its fail tolerance that the runs could not
// confirm, after a confirmation stage.
func inconclusiveVerdict() *compare.Verdict {
	v := failingVerdict()
	v.Scenarios = v.Scenarios[:2]
	db := &v.Scenarios[1]
	p99 := mv("p99", compare.Inconclusive, sum(10, 4.12, 0.2), sum(16, 4.74, 0.25), 0.03,
		"p99 +15.0 % beyond the fail tolerance 10 % but not significant (p=0.03, needed ≤ 0.0011)")
	p99.Significant = false
	db.Metrics[4] = p99
	db.Level, db.Reason = compare.Inconclusive, p99.Reason
	v.Level, v.Reason, v.Gated = compare.Inconclusive, "db "+p99.Reason, 6
	v.Warnings = nil
	return v
}

// oneScenarioVerdict: a suite of one scenario with a long name, failing on p99 only.
func oneScenarioVerdict() *compare.Verdict {
	v := failingVerdict()
	sc := v.Scenarios[1]
	sc.Name = "GET /api/v2/users/{id}/orders?limit=50&expand=items_and_payments"
	v.Scenarios = []compare.ScenarioVerdict{sc}
	v.Reason, v.Gated, v.Warnings, v.Confirmation = sc.Name+" "+sc.Reason, 3, nil, nil
	return v
}

// hundredScenarios: 100 scenarios, every tenth failing on p99.
func hundredScenarios() *compare.Verdict { return manyScenarios(100, 10) }

var verdictCases = []struct {
	name    string
	verdict func() *compare.Verdict
}{
	{"fail", failingVerdict},
	{"pass", passingVerdict},
	{"warn", warnVerdict},
	{"inconclusive", inconclusiveVerdict},
	{"not_comparable", notComparableVerdict},
	{"no_baseline", noBaselineVerdict},
	{"error", errorVerdict},
	{"one_scenario", oneScenarioVerdict},
	{"100_scenarios", hundredScenarios},
}

func TestTerminal(t *testing.T) {
	for _, c := range verdictCases {
		for _, color := range []bool{false, true} {
			name := "terminal_" + c.name
			if color {
				name += "_color"
			}
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := Terminal(&b, c.verdict(), TerminalOptions{Color: color}); err != nil {
					t.Fatal(err)
				}
				golden(t, name+".golden", b.Bytes())
			})
		}
	}
}

func TestTerminalVerbose(t *testing.T) {
	var b bytes.Buffer
	if err := Terminal(&b, failingVerdict(), TerminalOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	golden(t, "terminal_fail_verbose.golden", b.Bytes())
	if strings.Contains(b.String(), "not shown") {
		t.Error("verbose output says rows were left out")
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Colour only decorates level words: without the escape sequences the output is the plain
// one, and every sequence wraps a level word.
func TestTerminalColorOnlyPaintsLevelWords(t *testing.T) {
	words := regexp.MustCompile("\x1b\\[[0-9;]+m(pass|WARN|FAIL|inconclusive|error|PASS|INCONCLUSIVE|ERROR)\x1b\\[0m")
	for _, c := range verdictCases {
		var plain, colored bytes.Buffer
		if err := Terminal(&plain, c.verdict(), TerminalOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := Terminal(&colored, c.verdict(), TerminalOptions{Color: true}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plain.String(), "\x1b") {
			t.Errorf("%s: escape sequence without Color", c.name)
		}
		if got := ansi.ReplaceAllString(colored.String(), ""); got != plain.String() {
			t.Errorf("%s: coloured output differs from the plain one beyond colours:\n%s", c.name, got)
		}
		if rest := words.ReplaceAllString(colored.String(), ""); strings.Contains(rest, "\x1b") {
			t.Errorf("%s: colour outside a level word:\n%q", c.name, rest)
		}
	}
}

// Without Verbose, passing metrics that are not gated are left out and counted.
func TestTerminalOmitsPassingUngatedMetrics(t *testing.T) {
	var b bytes.Buffer
	if err := Terminal(&b, failingVerdict(), TerminalOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// failingVerdict has 21 metrics: 9 gated, and 12 ungated ones that all passed, two of
	// them with a significant change (shown).
	if !strings.Contains(out, "… 10 passing metrics not gated and unchanged, not shown (-v shows every metric)") {
		t.Errorf("missing or wrong count of omitted rows:\n%s", out)
	}
	for _, hidden := range []string{"  p90 ", "  max "} {
		if strings.Contains(out, hidden) {
			t.Errorf("row %q shown without Verbose", hidden)
		}
	}
}

// A name or reason carrying terminal escape sequences or line breaks is shown escaped.
func TestTerminalEscapesControlCharacters(t *testing.T) {
	v := errorVerdict()
	v.Suite = "ref\x1b[2Jstack"
	v.Scenarios[0].Name = "js\non"
	var b bytes.Buffer
	if err := Terminal(&b, v, TerminalOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") {
		t.Errorf("raw escape sequence in the output:\n%q", out)
	}
	for _, want := range []string{`ref\x1b[2Jstack: ERROR`, "\n" + `js\non` + "\n", `body "<h1>Internal Server Error</h1>`, `| see the app's log |"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestFormatSummary(t *testing.T) {
	cases := []struct {
		s        compare.Summary
		unit     string
		absolute bool
		want     string
	}{
		{sum(10, 35120, 0.02), "req/s", false, "35.1k ±2%"},
		{sum(10, 1420, 0.008), "req/s", false, "1.42k ±1%"},
		{sum(10, 999.7, 0.01), "req/s", false, "1.00k ±1%"},
		{sum(10, 980, 0.01), "req/s", false, "980 ±1%"},
		{sum(10, 1.2e6, 0.01), "req/s", false, "1.20M ±1%"},
		{sum(10, 1.32, 0.08), "ms", false, "1.32ms ±8%"},
		{sum(10, 0.85, 0.1), "ms", false, "850µs ±10%"},
		{sum(10, 0.0123, 0.1), "ms", false, "12.3µs ±10%"},
		{sum(10, 1240, 0.1), "ms", false, "1.24s ±10%"},
		{sum(10, 16.94, 0.05), "ms", false, "16.9ms ±5%"},
		{compare.Summary{N: 10, Median: 0.52, Lo: 0.31, Hi: 0.74}, "%", true, "0.52% ±0.22pt"},
		{compare.Summary{N: 10}, "%", true, "0% ±0pt"},
		{compare.Summary{N: 10}, "req/s", false, "0 ±0%"},
		{tooFew(3, 1.32), "ms", false, "1.32ms ±∞"},
		{compare.Summary{N: 10, Median: 1, Lo: -1, Hi: 2}, "ms", false, "1.00ms ±?"},
		{compare.Summary{}, "ms", false, "-"},
		{compare.Summary{N: 5, Median: math.NaN()}, "ms", false, "-"},
		{sum(10, 12.5, 0.1), "MB", false, "12.5 MB ±10%"},
		{sum(10, 347, 0.06), "µs", false, "347µs ±6%"},
		{sum(10, 9, 0.1), "threads", false, "9 ±10%"},
		{compare.Summary{N: 10, Median: 299, Lo: 44, Hi: 554}, "B/req", true, "299 B/req ±255"},
	}
	for _, c := range cases {
		if got := formatSummary(c.s, c.unit, c.absolute); got != c.want {
			t.Errorf("formatSummary(%+v, %q) = %q, want %q", c.s, c.unit, got, c.want)
		}
	}
}

func TestFormatChangeAndP(t *testing.T) {
	changes := []struct {
		change   float64
		unit     string
		absolute bool
		want     string
	}{
		{0.182, "ms", false, "+18.2%"},
		{-0.031, "req/s", false, "−3.1%"},
		{0.00001, "ms", false, "0.0%"},
		{-0.00001, "ms", false, "0.0%"},
		{0.52, "%", true, "+0.52pt"},
		{-0.004, "%", true, "0.00pt"}, // rounds to zero: no sign
		{312.4, "B/req", true, "+312 B/req"},
		{-1.5, "B/req", true, "−1.50 B/req"},
		{math.NaN(), "ms", false, "-"},
		{math.Inf(1), "ms", false, "+∞"},
	}
	for _, c := range changes {
		m := compare.MetricVerdict{Change: c.change, Unit: c.unit, Absolute: c.absolute}
		if got := formatChange(&m); got != c.want {
			t.Errorf("formatChange(%g %s, %v) = %q, want %q", c.change, c.unit, c.absolute, got, c.want)
		}
	}
	ps := []struct {
		p    float64
		want string
	}{
		{0.002, "0.002"},
		{0.0023, "0.0023"},
		{0.71, "0.71"},
		{0.712, "0.71"},
		{1, "1"},
		{0.0001, "0.0001"},
		{0.00009, "<0.0001"},
		{0, "<0.0001"},
		{math.NaN(), "-"},
	}
	for _, c := range ps {
		if got := formatP(c.p); got != c.want {
			t.Errorf("formatP(%g) = %q, want %q", c.p, got, c.want)
		}
	}
}
