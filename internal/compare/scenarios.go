package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// blocker says why a scenario was not compared statistically; its zero value: it was.
type blocker struct {
	level  Level
	reason string
}

// noBaseline lists head's scenarios with their summaries: nothing to compare with.
func (c *comparison) noBaseline() {
	for i := range c.headScenarios() {
		h := &c.in.Head.Scenarios[i]
		why := unmeasured(h)
		if why.reason == "" {
			why = blocker{Inconclusive, "no baseline yet"}
		}
		c.addScenario(h, nil, why)
	}
}

// scenarios builds a verdict for every head scenario and for every baseline scenario the
// head should have measured but did not.
func (c *comparison) scenarios() {
	for i := range c.headScenarios() {
		h := &c.in.Head.Scenarios[i]
		b := c.in.Base.Scenario(h.Name)
		c.addScenario(h, b, c.whyNotCompared(h, b))
	}
	if c.in.Head == nil {
		return
	}
	for i := range c.in.Base.Scenarios {
		b := &c.in.Base.Scenarios[i]
		if c.in.Head.Scenario(b.Name) == nil && c.in.Head.Shard == "" {
			c.addScenario(&result.Scenario{Name: b.Name}, b, blocker{c.rules.Removed.level(), c.removedReason(b.Name)})
		}
	}
}

// removedReason says why a baseline scenario has no head runs: the head's suite no longer
// has it, or (an older result that does not list its suite's scenarios) it was not measured.
// One shard of a matrix never gets here: the scenarios of the other shards are not its own.
func (c *comparison) removedReason(name string) string {
	what := "was not measured"
	if all := c.in.Head.AllScenarios; len(all) > 0 && !slices.Contains(all, name) {
		what = "was removed from the suite"
	}
	return fmt.Sprintf("scenario %s is in the baseline but %s: %s", name, what, c.rules.Removed.hint())
}

// whyNotCompared says why scenario h cannot be compared with b (zero when it can).
func (c *comparison) whyNotCompared(h, b *result.Scenario) blocker {
	if why := unmeasured(h); why.reason != "" {
		return why
	}
	switch {
	case !c.machineOK:
		return blocker{Inconclusive, "not comparable: measured on another machine than the baseline"}
	case b == nil:
		return blocker{Inconclusive, "no baseline for this scenario"}
	}
	if why := c.checkScenarioDefinition(h.Name); why != "" {
		return blocker{Inconclusive, why}
	}
	return blocker{}
}

// unmeasured is an error when h has no valid run: an unmeasured benchmark never passes.
func unmeasured(h *result.Scenario) blocker {
	if len(h.Runs) == 0 {
		return blocker{Error, "not measured: no runs"}
	}
	for _, r := range h.Runs {
		if len(r.Invalid) == 0 {
			return blocker{}
		}
	}
	return blocker{Error, "not measured: no valid run (" + strings.Join(h.Runs[0].Invalid, "; ") + ")"}
}

// addScenario appends the verdict of head scenario h against b (nil: none), with a
// finding for every metric either side measured. blocked says why it is not compared.
func (c *comparison) addScenario(h, b *result.Scenario, blocked blocker) {
	sv := ScenarioVerdict{Name: h.Name}
	var fs []*finding
	for _, name := range metricNames(h, b) {
		f := &finding{sc: len(c.v.Scenarios), head: h.Samples(name)}
		if b != nil {
			f.base = b.Samples(name)
		}
		f.mv = c.newMetricVerdict(name, f.head, f.base)
		if c.in.Mode == ModeAB && b != nil {
			f.pairs = LogRatios(h, b, name)
		}
		if pooled := pooledCounts(name, h, b); pooled != nil {
			f.mv.Pooled = pooled
			f.mv.Change = rate(pooled.Head) - rate(pooled.Base)
		}
		f.tested = blocked.reason == "" && len(f.head) > 0 && len(f.base) > 0
		fs = append(fs, f)
		sv.Metrics = append(sv.Metrics, *f.mv)
	}
	c.v.Scenarios = append(c.v.Scenarios, sv)
	c.blocked = append(c.blocked, blocked)
	// Point the findings at their final place in the verdict.
	last := &c.v.Scenarios[len(c.v.Scenarios)-1]
	for i, f := range fs {
		f.mv = &last.Metrics[i]
	}
	c.findings = append(c.findings, fs...)
}

// metricNames lists the metrics either side measured: the catalogue's in report order,
// then any others by name.
func metricNames(h, b *result.Scenario) []string {
	present := map[string]bool{}
	for _, s := range []*result.Scenario{h, b} {
		if s != nil {
			for _, n := range s.Metrics() {
				present[n] = true
			}
		}
	}
	var names []string
	for _, m := range metric.All {
		if present[m.Name] {
			names = append(names, m.Name)
			delete(present, m.Name)
		}
	}
	var rest []string
	for n := range present {
		rest = append(rest, n)
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// newMetricVerdict describes the metric's samples on both sides; the judgement comes later.
func (c *comparison) newMetricVerdict(name string, head, base []float64) *MetricVerdict {
	m, known := metric.Lookup(name)
	dir := m.Better
	if !known {
		dir = metric.Info
	}
	rule := c.rules.rule(name)
	mv := &MetricVerdict{
		Metric: name, Unit: m.Unit, Better: betterName(dir), Gated: rule.Gated, Level: Pass,
		Head: Summarize(head), Baseline: Summarize(base), Absolute: m.Absolute, Tolerance: rule.Tolerance, P: 1,
	}
	if len(head) > 0 && len(base) > 0 {
		mv.Change = change(mv.Baseline.Median, mv.Head.Median, mv.Absolute)
	}
	return mv
}

func betterName(d metric.Direction) string {
	switch d {
	case metric.HigherIsBetter:
		return BetterHigher
	case metric.LowerIsBetter:
		return BetterLower
	}
	return BetterInfo
}

// LogRatios are log(head/base) of metric name over the runs valid on both sides with the
// same run number — measured side by side in A/B mode — and a positive value on both (a
// ratio needs one): the pairs the A/B comparison judges.
func LogRatios(h, b *result.Scenario, name string) []float64 {
	base := map[int]float64{}
	for _, r := range b.Runs {
		if v, ok := r.Metrics[name]; ok && len(r.Invalid) == 0 && v > 0 {
			base[r.Run] = v
		}
	}
	var out []float64
	for _, r := range h.Runs {
		v, ok := r.Metrics[name]
		if bv, paired := base[r.Run]; ok && paired && len(r.Invalid) == 0 && v > 0 {
			out = append(out, math.Log(v/bv))
			delete(base, r.Run) // a run number pairs once
		}
	}
	return out
}
