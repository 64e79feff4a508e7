package compare

import (
	"cmp"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
)

// Rule is how one metric is judged.
type Rule struct {
	Gated bool
	// Tolerance is in percent of the baseline's median, or in the metric's own unit for
	// metrics with an absolute tolerance (metric.Absolute: error rate, in points).
	Tolerance Tolerance
}

// Rules are the gate rules of one invocation.
type Rules struct {
	// Alpha is the family-wise false-alarm rate over the gated metrics of the invocation.
	Alpha float64
	// Metrics holds a rule for every metric of metric.All; a metric without one is judged
	// by the catalogue's defaults.
	Metrics map[string]Rule
	// Drift is the relative standard deviation, in percent, assumed between invocations of
	// the same code when the baseline's history is too short to estimate it (see Spread);
	// 0 trusts a stored baseline as if it had been measured alongside the head.
	Drift float64
	// AllowDefinitionChange compares scenarios whose definition differs (a warning instead).
	AllowDefinitionChange bool
	// AllowOtherMachine compares results of different machines (a warning instead).
	AllowOtherMachine bool
	// Removed judges a scenario of the baseline that the head did not measure — removed
	// from the suite or renamed, so that a change cannot pass by dropping what regressed:
	// never pass. The zero value is inconclusive, which keeps local experiments possible;
	// the GitHub Action fails it on pull requests.
	Removed Removed
}

// Removed is how a baseline scenario missing from the head is judged.
type Removed struct {
	Level Level  // Inconclusive when empty
	Hint  string // what to do about it (DefaultRemovedHint when empty)
}

// DefaultRemovedHint is what a local run suggests for a scenario removed from the suite.
const DefaultRemovedHint = "record a new baseline with `stackgate baseline update` if that was intended"

func (r Removed) level() Level { return cmp.Or(r.Level, Inconclusive) }
func (r Removed) hint() string { return cmp.Or(r.Hint, DefaultRemovedHint) }

// RulesFromConfig merges the catalogue's defaults with the suite's [gate] table: gate.alpha
// and the gate/warn/fail overrides of gate.metric.<name>.
func RulesFromConfig(g config.Gate) Rules {
	r := Rules{Alpha: g.Alpha, Metrics: map[string]Rule{}, Drift: config.DefaultDrift}
	if r.Alpha <= 0 {
		r.Alpha = config.DefaultAlpha
	}
	if g.Drift != nil {
		r.Drift = *g.Drift
	}
	for _, m := range metric.All {
		rule := defaultRule(m)
		if o, ok := g.Metrics[m.Name]; ok {
			rule = override(rule, o)
		}
		r.Metrics[m.Name] = rule
	}
	return r
}

func defaultRule(m metric.Metric) Rule {
	return Rule{Gated: m.Gated && m.Better != metric.Info, Tolerance: Tolerance{Warn: m.Tolerance.Warn, Fail: m.Tolerance.Fail}}
}

func override(r Rule, o config.MetricRule) Rule {
	if o.Gate != nil {
		r.Gated = *o.Gate
	}
	if o.Warn != nil {
		r.Tolerance.Warn = *o.Warn
	}
	if o.Fail != nil {
		r.Tolerance.Fail = *o.Fail
	}
	return r
}

// alpha is the rules' α, or the default one for a zero Rules.
func (r Rules) alpha() float64 {
	if r.Alpha > 0 {
		return r.Alpha
	}
	return config.DefaultAlpha
}

// rule is how the metric called name is judged: the invocation's rule, else the
// catalogue's default; metrics the catalogue does not know are reported, never gated.
func (r Rules) rule(name string) Rule {
	m, known := metric.Lookup(name)
	if rule, ok := r.Metrics[name]; ok {
		rule.Gated = rule.Gated && known && m.Better != metric.Info
		return rule
	}
	if !known {
		return Rule{}
	}
	return defaultRule(m)
}
