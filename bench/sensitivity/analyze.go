package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	gateconfig "github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/doctor"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// invocation is one `stackgate run -against` of the harness and what it saw.
type invocation struct {
	N       int     `json:"n"`
	Cost    int     `json:"cost_us"`
	Design  string  `json:"design,omitempty"` // "turns" (ABBA; also when empty), "duet", "pinned" (a duet with load.cpus) or "stored"
	Dir     string  `json:"dir"`
	Exit    int     `json:"exit"`
	Seconds float64 `json:"seconds"`
	// Measuring is the time from the first run to the last, confirmation included.
	Measuring float64 `json:"measuring_seconds"`
	Level     string  `json:"level"`   // the verdict's
	Flagged   bool    `json:"flagged"` // a gated metric is warn or fail
	Runs      int     `json:"runs"`    // head runs of the scenario the verdict rests on
	// Change and P are the verdict's for throughput (head's median against base's).
	Change float64 `json:"throughput_change"`
	P      float64 `json:"throughput_p"`
	// Pairs are log(head/base) of the runs measured one after the other (ABBA), per metric.
	Pairs map[string][]float64 `json:"pairs"`
	// Head and Base are the samples of each side, per metric.
	Head map[string][]float64 `json:"head"`
	Base map[string][]float64 `json:"base"`
	// Today is whether this build's gate, judging the same runs again with the default
	// rules in one stage at the full α, flags a gated metric (A/B designs; not recorded).
	Today bool `json:"-"`
	// Stored are the stored design's re-judgements of the same runs against the same
	// baseline, per way of accounting for the drift between invocations: flagged or not.
	Stored map[string]bool `json:"stored,omitempty"`
	Err    string          `json:"error,omitempty"`
}

// pairedMetrics are the metrics whose pairs are kept.
var pairedMetrics = []string{metric.Throughput, metric.CPUPerRequest, metric.P99}

// analyze reads what the invocation wrote: the verdict, and both sides' results (the
// base's from the stored baseline's raw results in the stored design).
func (inv *invocation) analyze(scenario, baselines string) {
	var v compare.Verdict
	if err := readJSON(filepath.Join(inv.Dir, compare.VerdictFile), &v); err != nil {
		inv.Err = err.Error()
		return
	}
	inv.Level = string(v.Level)
	for _, sc := range v.Scenarios {
		for _, m := range sc.Metrics {
			if m.Gated && (m.Level == compare.Warn || m.Level == compare.Fail) {
				inv.Flagged = true
			}
			if sc.Name == scenario && m.Metric == metric.Throughput {
				inv.Change, inv.P, inv.Runs = m.Change, m.P, m.Head.N
			}
		}
	}
	head, err1 := result.Read(filepath.Join(inv.Dir, result.FileName))
	base, err2 := result.Read(filepath.Join(inv.Dir, gate.BaseResultFile))
	if inv.design() == "stored" {
		base, err2 = inv.rejudge(head, baselines)
	}
	if err1 != nil || err2 != nil {
		inv.Err = fmt.Sprint(err1, err2)
		return
	}
	inv.Measuring = head.Finished.Sub(head.Started).Seconds()
	inv.Pairs, inv.Head, inv.Base = map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	h, b := head.Scenario(scenario), base.Scenario(scenario)
	if h == nil || b == nil {
		inv.Err = "scenario " + scenario + " missing"
		return
	}
	if inv.design() != "stored" {
		v := compare.Compare(compare.Input{Base: base, Head: head, Mode: compare.ModeAB}, compare.RulesFromConfig(gateconfig.DefaultGate()))
		inv.Today = v.Level == compare.Warn || v.Level == compare.Fail
	}
	for _, name := range pairedMetrics {
		inv.Head[name], inv.Base[name] = h.Samples(name), b.Samples(name)
		if inv.design() != "stored" { // runs of a stored baseline have no partners
			inv.Pairs[name] = compare.LogRatios(h, b, name)
		}
	}
}

// storedAnalyses are the ways the stored design's runs are re-judged against their
// baseline: the drift between invocations estimated from the baseline's recordings (what
// the gate does), assumed (gate.drift, as for a baseline without history), or ignored (the
// gate before it accounted for drift).
var storedAnalyses = []struct {
	name    string
	history bool
	drift   float64
	gateCPU bool // cpu_per_req gated too (warn 2 %, fail 5 %): the steal-immune metric of lever 4
}{
	{"stored: drift from the baseline's recordings (the gate)", true, gateconfig.DefaultDrift, false},
	{fmt.Sprintf("stored: gate.drift %g %% assumed (no history)", gateconfig.DefaultDrift), false, gateconfig.DefaultDrift, false},
	{"stored: drift ignored (the gate before)", false, 0, false},
	{"stored, cpu_per_req gated: drift from the recordings", true, gateconfig.DefaultDrift, true},
	{fmt.Sprintf("stored, cpu_per_req gated: gate.drift %g %% assumed", gateconfig.DefaultDrift), false, gateconfig.DefaultDrift, true},
	{"stored, cpu_per_req gated: drift ignored", false, 0, true},
}

// rejudge judges head against the stored baseline in each of storedAnalyses, with the
// default rules at the full α, and returns the baseline's runs. head holds the runs of both
// of the invocation's stages when it had confirmation runs.
func (inv *invocation) rejudge(head *result.Result, baselines string) (*result.Result, error) {
	paths, _ := filepath.Glob(filepath.Join(baselines, "*", "*.json"))
	var b *baseline.Baseline
	for _, p := range paths {
		if !strings.HasSuffix(p, ".raw.json") {
			var err error
			if b, err = baseline.Read(p); err != nil {
				return nil, err
			}
		}
	}
	if b == nil || head == nil {
		return nil, fmt.Errorf("no baseline in %s", baselines)
	}
	inv.Stored = map[string]bool{}
	for _, a := range storedAnalyses {
		in := compare.Input{Base: b.Result(), Head: head, Mode: compare.ModeBaseline}
		if a.history {
			in.History = b.CompareHistory()
		}
		drift := a.drift
		g := gateconfig.Gate{Alpha: gateconfig.DefaultAlpha, Drift: &drift}
		if a.gateCPU {
			on, warn, fail := true, 2.0, 5.0
			g.Metrics = map[string]gateconfig.MetricRule{metric.CPUPerRequest: {Gate: &on, Warn: &warn, Fail: &fail}}
		}
		v := compare.Compare(in, compare.RulesFromConfig(g))
		inv.Stored[a.name] = v.Level == compare.Warn || v.Level == compare.Fail
	}
	return b.Result(), nil
}

func (inv invocation) line() string {
	if inv.Err != "" {
		return fmt.Sprintf("%-5s cost %3d µs: exit %d, %s", inv.design(), inv.Cost, inv.Exit, inv.Err)
	}
	return fmt.Sprintf("%-5s cost %3d µs: %-12s throughput %+6.1f %% (p=%.2g), paired median %+6.1f %%, cpu/req paired %+6.1f %%, %d runs, %.0f s",
		inv.design(), inv.Cost, inv.Level, 100*inv.Change, inv.P, 100*medianChange(inv.Pairs[metric.Throughput]),
		100*medianChange(inv.Pairs[metric.CPUPerRequest]), inv.Runs, inv.Seconds)
}

// design is how the invocation measured: "turns", "duet", "pinned" or "stored".
func (inv invocation) design() string {
	if inv.Design == "" {
		return "turns"
	}
	return inv.Design
}

// medianChange is the relative change of the median log ratio.
func medianChange(logs []float64) float64 {
	if len(logs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(logs)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return math.Exp(m) - 1
}

// design is one way of judging the same runs: does it flag a regression?
type design struct {
	name string
	flag func(inv invocation) bool
}

// designs judge the throughput of the scenario (CPU per request, and p99, for the last) at the
// per-metric level a single regression faces among the scenario's 3 gated metrics at the
// gate's α (0.01/3, no confirmation stage), with a warn tolerance.
func designs() []design {
	out := []design{
		{"stackgate as configured (verdict: any gated warn/fail)", func(inv invocation) bool { return inv.Flagged }},
		{"this build's gate, the same runs judged again (full α)", func(inv invocation) bool { return inv.Today }},
	}
	for _, tol := range []float64{0.005, 0.01, 0.02} {
		out = append(out, tests(metric.Throughput, compare.BetterHigher, tol)...)
		out = append(out, tests(metric.CPUPerRequest, compare.BetterLower, tol)...)
	}
	// p99, the latency-bound scenario's gated metric, at its default warn tolerance and the
	// one before.
	for _, tol := range []float64{0.03, 0.05} {
		out = append(out, tests(metric.P99, compare.BetterLower, tol)...)
	}
	return out
}

// tests are the unpaired and the paired test of one metric: significant at the level a
// single regression faces (0.01/3) and worse than tol.
func tests(name, better string, tol float64) []design {
	const level = 0.01 / 3
	worse := func(change float64) bool {
		if better == compare.BetterHigher {
			change = -change
		}
		return change > tol
	}
	return []design{
		{fmt.Sprintf("unpaired Mann-Whitney, %s, warn %.1f %%", name, 100*tol), func(inv invocation) bool {
			h, b := inv.Head[name], inv.Base[name]
			return len(h) > 0 && len(b) > 0 && compare.OneSidedP(h, b, better) <= level && worse(relMedian(h, b))
		}},
		{fmt.Sprintf("paired signed-rank, %s, warn %.1f %%", name, 100*tol), func(inv invocation) bool {
			d := inv.Pairs[name]
			return compare.SignedRankP(d, better) <= level && worse(medianChange(d))
		}},
	}
}

// relMedian is head's median against base's, relative.
func relMedian(h, b []float64) float64 {
	return compare.Summarize(h).Median/compare.Summarize(b).Median - 1
}

// printTable prints a table per measuring design (turns, duet) of the invocations.
func printTable(out io.Writer, c config, all []invocation) {
	byDesign := map[string][]invocation{}
	for _, inv := range all {
		byDesign[inv.design()] = append(byDesign[inv.design()], inv)
	}
	for _, d := range []string{"turns", "duet", "pinned", "stored"} {
		if len(byDesign[d]) > 0 {
			fmt.Fprintf(out, "== measured in %s\n", d)
			printDesignTable(out, c, byDesign[d])
			printDrift(out, c, d, byDesign[d])
			fmt.Fprintln(out)
		}
	}
}

// printDrift prints how far the throughput of unchanged code (cost 0) moved between
// invocations: the medians of the base sides in A/B mode, or in the stored design those of
// the baseline's recordings and of the A/A trials — the spread a stored baseline carries.
func printDrift(out io.Writer, c config, design string, invs []invocation) {
	var medians []float64
	for _, inv := range invs {
		side := inv.Base[metric.Throughput]
		if design == "stored" {
			side = nil
			if inv.Cost == 0 {
				side = inv.Head[metric.Throughput]
			}
		}
		if len(side) > 0 {
			medians = append(medians, compare.Summarize(side).Median)
		}
	}
	recordings := 0
	if design == "stored" {
		dir := c.out
		if c.analyze != "" {
			dir = c.analyze
		}
		paths, _ := filepath.Glob(filepath.Join(dir, "baselines", "*", "*.json"))
		for _, p := range paths {
			if b, err := baseline.Read(p); err == nil && !strings.HasSuffix(p, ".raw.json") {
				for _, h := range b.CompareHistory() {
					if m, ok := h.Medians[c.scenario][metric.Throughput]; ok {
						medians, recordings = append(medians, m), recordings+1
					}
				}
			}
		}
	}
	if len(medians) < 3 {
		return
	}
	logs := make([]float64, len(medians))
	for i, m := range medians {
		logs[i] = math.Log(m)
	}
	lo, hi := slices.Min(medians), slices.Max(medians)
	fmt.Fprintf(out, "unchanged code between invocations: %d throughput medians (%d of them the baseline's recordings), %.0f–%.0f req/s, sd of their logs %.1f %%\n",
		len(medians), recordings, lo, hi, 100*compare.StdDev(logs))
}

// printDesignTable prints, per way of judging and cost, the share of invocations flagged,
// and per cost the measured effect and time.
func printDesignTable(out io.Writer, c config, all []invocation) {
	byCost := map[int][]invocation{}
	for _, inv := range all {
		if inv.Err == "" {
			byCost[inv.Cost] = append(byCost[inv.Cost], inv)
		}
	}
	costs := mapsKeys(byCost)
	sort.Ints(costs)
	fmt.Fprintf(out, "%-58s", "flagged (warn or fail) in")
	for _, cost := range costs {
		label := fmt.Sprintf("+%d µs", cost)
		if cost == 0 {
			label = "A/A"
		}
		fmt.Fprintf(out, "  %10s", label)
	}
	fmt.Fprintln(out)
	judged := designs()
	if all[0].design() == "stored" {
		for _, a := range storedAnalyses {
			judged = append(judged, design{a.name, func(inv invocation) bool { return inv.Stored[a.name] }})
		}
	}
	for _, d := range judged {
		if (strings.HasPrefix(d.name, "paired") || strings.HasPrefix(d.name, "this build")) && all[0].design() == "stored" {
			continue // a stored baseline's runs have no partners; its own re-judgements follow
		}
		fmt.Fprintf(out, "%-58s", d.name)
		for _, cost := range costs {
			n := 0
			for _, inv := range byCost[cost] {
				if d.flag(inv) {
					n++
				}
			}
			fmt.Fprintf(out, "  %4d/%-2d%3s", n, len(byCost[cost]), "")
		}
		fmt.Fprintln(out)
	}
	kind := "paired "
	if all[0].design() == "stored" {
		kind = ""
	}
	for _, name := range pairedMetrics {
		fmt.Fprintf(out, "%-58s", "effect: median of "+kind+name+" changes")
		for _, cost := range costs {
			fmt.Fprintf(out, "  %+9.2f%%", 100*pooledMedian(byCost[cost], name))
		}
		fmt.Fprintln(out)
	}
	for _, name := range pairedMetrics {
		if kind == "" { // no pairs
			break
		}
		fmt.Fprintf(out, "%-58s", "spread of paired "+name+" changes (IQR)")
		for _, cost := range costs {
			fmt.Fprintf(out, "  %9.2f%%", 100*pooledIQR(byCost[cost], name))
		}
		fmt.Fprintln(out)
	}
	if kind != "" {
		printDetectable(out, byCost[0])
	}
	fmt.Fprintf(out, "%-58s", "seconds per invocation (median; measuring)")
	for _, cost := range costs {
		var total, measuring []float64
		for _, inv := range byCost[cost] {
			total, measuring = append(total, inv.Seconds), append(measuring, inv.Measuring)
		}
		fmt.Fprintf(out, "  %4.0f (%3.0f)", compare.Summarize(total).Median, compare.Summarize(measuring).Median)
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "\n(designs after the first re-judge the same runs; level %.4f = α 0.01 over 3 gated metrics; %s)\n", 0.01/3, strings.Join(c.extra, " "))
}

// detectablePairs are the numbers of pairs printDetectable models: the default runs, with
// the confirmation stage's, and what a duet measures in 6 minutes (12.3 s a pair here).
var detectablePairs = []int{12, 24, 29}

// printDetectable prints the throughput change the paired signed-rank test (level
// 0.01/3, no confirmation) finds with 90 % power at several numbers of pairs, for
// pairs as spread as the A/A invocations' (the standard deviation of all their pairs'
// log ratios, so drift between invocations counts too): what more pairs — a longer fixed
// design, or the most a sequential one could spend — would buy on this machine.
func printDetectable(out io.Writer, aa []invocation) {
	var logs []float64
	for _, inv := range aa {
		logs = append(logs, inv.Pairs[metric.Throughput]...)
	}
	if len(logs) < 3 {
		return
	}
	sd := compare.StdDev(logs)
	sens := doctor.Sensitivity{Threshold: 0.01 / 3, Paired: true, Power: 0.9}
	fmt.Fprintf(out, "A/A throughput pairs: sd of log ratios %.2f %%; detectable at 90 %% power with", 100*sd)
	for _, n := range detectablePairs {
		fmt.Fprintf(out, " %d pairs %.1f %%;", n, 100*math.Expm1(sens.Detectable(n, sd, 0)))
	}
	fmt.Fprintln(out)
}

// pooledMedian is the median of the invocations' pairs' changes, or without pairs (a
// stored baseline) the median of their changes of the median.
func pooledMedian(invs []invocation, name string) float64 {
	var all, unpaired []float64
	for _, inv := range invs {
		all = append(all, inv.Pairs[name]...)
		if h, b := inv.Head[name], inv.Base[name]; len(h) > 0 && len(b) > 0 {
			unpaired = append(unpaired, math.Log1p(relMedian(h, b)))
		}
	}
	if len(all) == 0 {
		return medianChange(unpaired)
	}
	return medianChange(all)
}

func pooledIQR(invs []invocation, name string) float64 {
	var all []float64
	for _, inv := range invs {
		all = append(all, inv.Pairs[name]...)
	}
	if len(all) < 4 {
		return math.NaN()
	}
	sort.Float64s(all)
	return math.Exp(all[3*len(all)/4]) - math.Exp(all[len(all)/4])
}

func mapsKeys(m map[int][]invocation) []int {
	var keys []int
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
