package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/aclements/go-moremath/stats"

	"github.com/stackgate/stackgate/internal/metric"
)

// MinSpreadRecordings is how many recordings of a baseline (the baseline and its history,
// of the same suite definition) the spread between invocations is estimated from; with
// fewer, the gate assumes Rules.Drift.
const MinSpreadRecordings = 3

// Spread is how far a metric's median moves between invocations of the same suite on this
// runner: the machine's drift (neighbours coming and going, a host that changed), which a
// stored baseline's own runs, all measured in one sitting, cannot show. In stored-baseline
// mode a change is significant only if it is significant against the runs and against
// this spread alone; A/B mode measures both revisions in one sitting and has none.
type Spread struct {
	// SD is the standard deviation of the metric's log median between invocations, in
	// percent (≈ the relative standard deviation).
	SD float64 `json:"sd"`
	// Recordings is how many recordings of the baseline SD was estimated from (0: it is
	// the configured gate.drift, the history being too short).
	Recordings int `json:"recordings"`
	// P is the one-sided p-value of the change against the spread alone; the metric's P
	// is the larger of it and the runs' test.
	P float64 `json:"p"`
	// Detectable is the smallest change in the bad direction, in percent, that the spread
	// lets be significant at the smallest threshold of the family.
	Detectable float64 `json:"detectable"`
}

// SpreadFor estimates the spread of a scenario's metric from the medians of a baseline's
// recordings of the suite definition hash (the baseline itself is the newest history
// point), or assumes drift percent (scaled for tail latencies, metric.DriftFactor) when
// fewer than MinSpreadRecordings hold the metric.
// The recordings may be of different revisions: what the code changed between them counts
// as spread too, which can only make the gate more careful, never raise a false alarm. ok
// is false when there is nothing to account for: a metric the machine's speed does not
// move (counts, memory; metric.Timed), or a drift of 0 and no history.
func SpreadFor(history []HistoryPoint, hash, scenario, name string, drift float64) (Spread, bool) {
	m, _ := metric.Lookup(name)
	if !m.Timed {
		return Spread{}, false
	}
	var logs []float64
	for _, p := range history {
		if m, ok := p.Medians[scenario][name]; ok && p.DefinitionHash == hash && m > 0 {
			logs = append(logs, math.Log(m))
		}
	}
	if len(logs) >= MinSpreadRecordings {
		return Spread{SD: 100 * StdDev(logs), Recordings: len(logs)}, true
	}
	if drift <= 0 {
		return Spread{}, false
	}
	return Spread{SD: 100 * math.Log1p(m.AssumedDrift(drift)/100)}, true
}

// Quantile is the p-quantile of the change between two invocations, in units of the
// spread's standard deviation of one invocation's log median times √2: Student's t with
// Recordings − 1 degrees of freedom, or the normal distribution for an assumed spread.
func (s Spread) Quantile(p float64) float64 { return stats.InvCDF(s.dist())(p) }

func (s Spread) dist() stats.DistCommon {
	if s.Recordings == 0 {
		return stats.StdNormal
	}
	return stats.TDist{V: float64(s.Recordings - 1)}
}

// spreadOf is the spread a comparison accounts for in a finding: only against a stored
// baseline, for metrics of relative change judged on their runs.
func (c *comparison) spreadOf(f *finding) (Spread, bool) {
	if c.mode() != ModeBaseline || f.mv.Absolute || f.mv.Pooled != nil || c.in.Head == nil {
		return Spread{}, false
	}
	return SpreadFor(c.in.History, c.in.Head.DefinitionHash, c.v.Scenarios[f.sc].Name, f.mv.Metric, c.rules.Drift)
}

// testSpread tests the finding's change against the spread alone and keeps the larger p:
// both the runs and the invocations must show the change. smallest is the family's
// smallest threshold, at which Detectable is computed.
func (f *finding) testSpread(s Spread, smallest float64) {
	if s.SD <= 0 || f.equal || f.mv.Better == BetterInfo || math.IsInf(f.mv.Change, 0) {
		return
	}
	scale := math.Sqrt2 * s.SD / 100 // two invocations, each with its own drift
	worse := math.Log1p(f.mv.Change)
	if f.mv.Better == BetterHigher {
		worse = -worse
	}
	dist := s.dist()
	s.P = 1 - dist.CDF(worse/scale)
	s.Detectable = DetectableChange(scale*s.Quantile(1-smallest), f.mv.Better)
	f.mv.Spread = &s
	f.mv.P = math.Max(f.mv.P, s.P)
	if f.pImproved < 1 {
		f.pImproved = math.Max(f.pImproved, dist.CDF(worse/scale))
		f.mv.PImproved = f.pImproved
	}
}

// DetectableChange turns a shift of the log median in the bad direction into percent of
// the baseline's median in that direction.
func DetectableChange(logShift float64, better string) float64 {
	if better == BetterHigher {
		return -100 * math.Expm1(-logShift)
	}
	return 100 * math.Expm1(logShift)
}

// warnSpread says, once per verdict, which gated metrics the stored baseline cannot judge
// because their spread between invocations hides even a change of their fail tolerance;
// scenarios whose figures agree share one entry.
func (c *comparison) warnSpread(family []*finding) {
	var entries []string
	scenarios := map[string][]string{}
	assumed := true
	for _, f := range family {
		if s := f.mv.Spread; s != nil && s.Detectable > f.mv.Tolerance.Fail {
			e := fmt.Sprintf("%s ±%.1f %% (only beyond %.1f %%, fail tolerance %.4g %%)", f.mv.Metric, s.SD, s.Detectable, f.mv.Tolerance.Fail)
			if scenarios[e] == nil {
				entries = append(entries, e)
			}
			scenarios[e] = append(scenarios[e], c.v.Scenarios[f.sc].Name)
			assumed = assumed && s.Recordings == 0
		}
	}
	if len(entries) == 0 {
		return
	}
	hidden := make([]string, len(entries))
	for i, e := range entries {
		hidden[i] = strings.Join(scenarios[e], ", ") + " " + e
	}
	from := "estimated from the baseline's recordings"
	if assumed {
		from = fmt.Sprintf("gate.drift, assumed until the baseline has %d recordings", MinSpreadRecordings)
	}
	c.warn("the stored baseline moves too much between invocations on this runner (%s) to tell a change of the fail tolerance from drift: %s; compare in A/B mode (run -against REV; the Action's default on pull requests), which measures both revisions side by side",
		from, strings.Join(hidden, "; "))
}
