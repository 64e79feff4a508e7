package compare

import "slices"

// NeedsConfirmation lists the scenarios with a gated metric worse than its warn tolerance
// but not significant: the scenarios whose head runs the gate should extend before it
// decides (confirm before alerting).
func NeedsConfirmation(v *Verdict) []string {
	var out []string
	for _, sv := range v.Scenarios {
		if sv.Level == Error {
			continue
		}
		if slices.ContainsFunc(sv.Metrics, unconfirmed) {
			out = append(out, sv.Name)
		}
	}
	return out
}

// unconfirmed is a tested gated metric (it has a threshold) that looks worse beyond its
// warn tolerance without being significant — unless the spread between invocations alone
// keeps it from significance: more runs of this invocation cannot shrink that.
func unconfirmed(mv MetricVerdict) bool {
	return mv.Gated && mv.Threshold > 0 && !mv.Significant && suspected(&mv, mv.Tolerance.Warn) &&
		(mv.Spread == nil || mv.Spread.P <= mv.Threshold)
}

// Unconfirmed is the first stage's verdict when its confirmation runs could not be made:
// every metric of the scenarios listed that waited for them (NeedsConfirmation) becomes
// level — inconclusive, or error when measuring them failed — saying why; the rest of the
// first stage's judgement stands (its warn and fail were significant at its own α). It is
// never a fresh judgement at the full α: the data were already looked at once.
func Unconfirmed(first *Verdict, scenarios []string, level Level, why string) *Verdict {
	out := cloneVerdict(first)
	for i := range out.Scenarios {
		sv := &out.Scenarios[i]
		if !slices.Contains(scenarios, sv.Name) {
			continue
		}
		for j := range sv.Metrics {
			if m := &sv.Metrics[j]; unconfirmed(*m) {
				m.Level = Worst(m.Level, level)
				m.Reason += "; the confirmation runs could not be made: " + why
			}
		}
		summarizeScenario(sv)
	}
	rollUpVerdict(out)
	return out
}

// Merge combines the first stage's verdict with the confirmation stage's (the same
// invocation, head runs added to the scenarios c names) into the final verdict. A
// re-run scenario takes the second stage's judgement, which has more data, except that a
// warn or fail of the first stage stays: it was significant at the first stage's own α.
// Scenarios not re-run keep the first stage's judgement. The merged verdict spends both
// stages' α (Alpha is their sum) and records the confirmation.
func Merge(first, second *Verdict, c Confirmation) *Verdict {
	out := cloneVerdict(first)
	if second == nil {
		return out
	}
	out.Alpha = first.Alpha + second.Alpha
	out.Confirmation = &c
	for _, w := range second.Warnings {
		if !slices.Contains(out.Warnings, w) {
			out.Warnings = append(out.Warnings, w)
		}
	}
	for _, name := range c.Scenarios {
		i := slices.IndexFunc(out.Scenarios, func(s ScenarioVerdict) bool { return s.Name == name })
		j := slices.IndexFunc(second.Scenarios, func(s ScenarioVerdict) bool { return s.Name == name })
		if i >= 0 && j >= 0 {
			out.Scenarios[i] = mergeScenario(out.Scenarios[i], second.Scenarios[j])
		}
	}
	rollUpVerdict(out)
	for _, v := range []*Verdict{second, first} {
		if v.Level == Error && out.Level != Error {
			out.Level, out.Reason = Error, v.Reason
		}
	}
	return out
}

// mergeScenario combines the two stages' judgements of a re-run scenario.
func mergeScenario(s1, s2 ScenarioVerdict) ScenarioVerdict {
	if s2.Level == Error || !s2.ExplainedByMetrics() {
		return cloneScenario(s2) // the added runs could not be judged: say why
	}
	out := cloneScenario(s2)
	for j := range out.Metrics {
		m2 := &out.Metrics[j]
		k := slices.IndexFunc(s1.Metrics, func(m MetricVerdict) bool { return m.Metric == m2.Metric })
		if k < 0 {
			continue
		}
		if m1 := s1.Metrics[k]; (m1.Level == Warn || m1.Level == Fail) && m1.Level.severity() >= m2.Level.severity() {
			*m2 = m1
		}
	}
	for _, m1 := range s1.Metrics {
		if !slices.ContainsFunc(out.Metrics, func(m MetricVerdict) bool { return m.Metric == m1.Metric }) {
			out.Metrics = append(out.Metrics, m1)
		}
	}
	summarizeScenario(&out)
	return out
}

func cloneVerdict(v *Verdict) *Verdict {
	out := *v
	out.Scenarios = make([]ScenarioVerdict, len(v.Scenarios))
	for i, sv := range v.Scenarios {
		out.Scenarios[i] = cloneScenario(sv)
	}
	out.NotComparable = slices.Clone(v.NotComparable)
	out.Warnings = slices.Clone(v.Warnings)
	return &out
}

func cloneScenario(sv ScenarioVerdict) ScenarioVerdict {
	sv.Metrics = slices.Clone(sv.Metrics)
	return sv
}
