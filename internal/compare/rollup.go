package compare

import (
	"strconv"
	"strings"
)

// rollUp gives every scenario and the verdict its level and reason: the worst wins.
func (c *comparison) rollUp() {
	for i := range c.v.Scenarios {
		sv := &c.v.Scenarios[i]
		if b := c.blocked[i]; b.reason != "" {
			sv.Level, sv.Reason = b.level, b.reason
			continue
		}
		summarizeScenario(sv)
	}
	rollUpVerdict(c.v)
	v := c.v
	switch {
	case c.in.Head == nil || len(v.Scenarios) == 0:
		v.Level, v.Reason = Error, "no scenario was measured"
	case !c.in.Head.Complete:
		v.Level, v.Reason = Error, c.in.Head.Error
		if v.Reason == "" {
			v.Reason = "the measurement did not complete"
		}
	case v.Level == Error: // a scenario could not be measured: its reason stands
	case c.in.Base == nil:
		v.Level, v.Reason = Inconclusive, NoBaselineReason
	case len(v.NotComparable) > 0 && v.Level == Inconclusive:
		v.Reason = "not comparable: " + strings.Join(v.NotComparable, "; ")
	}
}

// summarizeScenario rolls a compared scenario's metrics up.
func summarizeScenario(sv *ScenarioVerdict) {
	var items []item
	for _, m := range sv.Metrics {
		items = append(items, metricItem("", m))
	}
	sv.Level, sv.Reason = summarize(items)
}

// rollUpVerdict rolls the scenarios up into the verdict.
func rollUpVerdict(v *Verdict) {
	var items []item
	for _, sv := range v.Scenarios {
		if !sv.ExplainedByMetrics() {
			items = append(items, item{level: sv.Level, reason: sv.Name + ": " + sv.Reason})
			continue
		}
		for _, m := range sv.Metrics {
			items = append(items, metricItem(sv.Name+" ", m))
		}
	}
	v.Level, v.Reason = summarize(items)
}

// ExplainedByMetrics tells a scenario whose level comes from its metrics from one that was
// not compared (not comparable, no baseline, not measured), whose own reason says why.
func (sv ScenarioVerdict) ExplainedByMetrics() bool {
	if sv.Level == Pass {
		return true
	}
	for _, m := range sv.Metrics {
		if m.Level == sv.Level && strings.HasPrefix(sv.Reason, m.Reason) {
			return true
		}
	}
	return false
}

// item is one finding of a roll-up.
type item struct {
	level    Level
	reason   string
	gated    bool
	improved bool
}

func metricItem(where string, m MetricVerdict) item {
	return item{level: m.Level, reason: where + m.Reason, gated: m.Gated, improved: m.Improved}
}

// summarize is the worst level of items and a reason naming the worst finding and how
// many more there are, or how many gated metrics are within tolerance.
func summarize(items []item) (Level, string) {
	level := Pass
	for _, it := range items {
		level = Worst(level, it.level)
	}
	if level == Pass {
		return Pass, passReason(items)
	}
	var worst item
	counts := map[string]int{}
	for _, it := range items {
		if it.level == level && worst.reason == "" {
			worst = it
			continue
		}
		if k := kind(it.level); k != "" {
			counts[k]++
		}
	}
	parts := []string{worst.reason}
	for _, k := range []string{"error", "regression", "inconclusive"} {
		if n := counts[k]; n > 0 {
			parts = append(parts, countText(n, k, k == kind(level)))
		}
	}
	return level, strings.Join(parts, "; ")
}

// kind groups levels for counting: warn and fail are both regressions.
func kind(l Level) string {
	switch l {
	case Error:
		return "error"
	case Warn, Fail:
		return "regression"
	case Inconclusive:
		return "inconclusive"
	}
	return ""
}

// countText is "1 more regression", "2 errors", "3 inconclusive".
func countText(n int, kind string, more bool) string {
	word := kind
	if n != 1 && kind != "inconclusive" {
		word += "s"
	}
	if more {
		word = "more " + word
	}
	return strconv.Itoa(n) + " " + word
}

func passReason(items []item) string {
	gated, improved := 0, 0
	for _, it := range items {
		if it.gated {
			gated++
		}
		if it.improved {
			improved++
		}
	}
	s := plural(gated, "gated metric") + " within tolerance"
	if gated == 0 {
		s = "no gated metric"
	}
	if improved > 0 {
		s += "; " + strconv.Itoa(improved) + " improved"
	}
	return s
}
