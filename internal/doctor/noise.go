package doctor

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// MinNoiseRuns is the fewest valid runs of a scenario its noise is estimated from.
const MinNoiseRuns = 3

// firmNoiseRuns is how many runs make a noise estimate firm enough to state without a
// caveat (its standard deviation is then known to about ±24 %).
const firmNoiseRuns = 10

// Methods name how Noise estimates what the gate detects.
const (
	Method       = "seeded simulation of the gate's one-sided Mann–Whitney U test on normal noise with the measured standard deviation"
	MethodPaired = "seeded simulation of the gate's paired test (Wilcoxon's signed-rank test) on normal pair differences with the measured standard deviation of the pairs' log ratios"
)

// Designs Noise models: the gate against a stored baseline, or A/B mode.
const (
	DesignStored = "stored baseline"
	DesignAB     = "A/B"
)

// Assessments of a gated metric's tolerance on this runner.
const (
	// Real: the gate detects regressions of the warn tolerance.
	Real = "real"
	// Loose: it detects regressions beyond the fail tolerance, but not all beyond warn.
	Loose = "loose"
	// Theatre: it misses even regressions beyond the fail tolerance.
	Theatre = "theatre"
)

// NoiseOptions describe the gate whose sensitivity is wanted.
type NoiseOptions struct {
	Rules compare.Rules // α and each metric's gating and tolerances
	Runs  int           // runs per side the gate compares (the suite's gate.runs)
	// MaxRuns is the runs with confirmation runs added (gate.max_runs); at most Runs
	// means no confirmation stage.
	MaxRuns int
	// Target is the relative regression, in percent, to find the runs for (0: each
	// metric's warn tolerance). Metrics with an absolute tolerance use their warn tolerance.
	Target float64
	Trials int // simulated invocations per estimate (0: DefaultTrials)
	// Base is the base side of an A/A series measured in A/B mode beside the head (the
	// same code on both sides): the gate modelled is A/B mode's, which judges the pairs of
	// runs (nil: the gate against a stored baseline).
	Base *result.Result
	// History and Drift describe the spread between invocations a stored baseline's
	// comparison accounts for (compare.SpreadFor): the baseline's recordings and the
	// assumed gate.drift. A spread limits what the stored baseline can detect however many
	// runs are made. Neither is used in A/B mode.
	History []compare.HistoryPoint
	Drift   float64
}

// NoiseReport is what the gate can detect with the noise of an A/A series.
type NoiseReport struct {
	Suite    string  `json:"suite"`
	Profile  string  `json:"profile"`
	Design   string  `json:"design"`         // DesignStored or DesignAB
	Duet     bool    `json:"duet,omitempty"` // A/B: both sides ran at the same time
	Measured int     `json:"measured_runs"`  // runs per scenario of the A/A series
	Runs     int     `json:"runs"`           // runs per side the gate compares
	MaxRuns  int     `json:"max_runs"`
	Alpha    float64 `json:"alpha"`
	Gated    int     `json:"gated"` // gated metrics sharing α
	// Threshold is the p-value a single regression must reach in the first stage: α/m, or
	// α/(2m) when α is split with a confirmation stage, whose threshold is ConfirmThreshold.
	Threshold        float64 `json:"threshold"`
	ConfirmThreshold float64 `json:"confirm_threshold,omitempty"`
	Power            float64 `json:"power"`
	Method           string  `json:"method"`
	Target           float64 `json:"target,omitempty"` // percent; 0: each metric's warn tolerance
	// RunsForTarget is the runs per side with which every gated metric but those
	// OutOfReach ("scenario metric") detects its target.
	RunsForTarget int             `json:"runs_for_target"`
	OutOfReach    []string        `json:"out_of_reach,omitempty"`
	Scenarios     []NoiseScenario `json:"scenarios"`
	Warnings      []string        `json:"warnings,omitempty"`
}

// NoiseScenario is the noise of one scenario's metrics.
type NoiseScenario struct {
	Name    string        `json:"name"`
	Metrics []NoiseMetric `json:"metrics"`
}

// NoiseMetric is one metric's run-to-run variation and what the gate detects with it.
// Noise, Detectable, Flags and Target are in the tolerance's unit: percent (of the mean
// for Noise, of the baseline's median for the rest), or the metric's own unit for metrics
// with an absolute tolerance. Detectable is +Inf when no regression can be significant
// with the runs, and NaN for metrics that are not gated or whose noise could not be
// estimated; JSON writes both as null.
type NoiseMetric struct {
	Metric   string  `json:"metric"`
	Unit     string  `json:"unit"`
	Gated    bool    `json:"gated"`
	Absolute bool    `json:"absolute,omitempty"`
	N        int     `json:"n"`
	Median   float64 `json:"median"`
	CV       float64 `json:"cv"`
	// Noise is the run-to-run standard deviation.
	Noise     float64           `json:"noise"`
	Tolerance compare.Tolerance `json:"tolerance"`
	// Detectable is the smallest regression the gate finds significant in Power of
	// invocations; Flags, max(Detectable, warn tolerance), the smallest it can flag.
	Detectable float64 `json:"detectable"`
	Flags      float64 `json:"flags"`
	Target     float64 `json:"target"`
	// RunsNeeded is the runs per side that make Target detectable (0: more than
	// MaxRunsAdvised).
	RunsNeeded int    `json:"runs_needed"`
	Assessment string `json:"assessment,omitempty"` // Real, Loose or Theatre (gated metrics)
	// Pairs is how many pairs of runs Noise was measured on when the metric is judged on
	// its pairs (A/B mode): Noise is then the standard deviation of their log ratios.
	Pairs int `json:"pairs,omitempty"`
	// Spread is the spread between invocations a stored baseline's comparison accounts for
	// (percent; nil when none), from SpreadRecordings recordings of the baseline (0: the
	// assumed gate.drift).
	Spread           float64 `json:"spread,omitempty"`
	SpreadRecordings int     `json:"spread_recordings,omitempty"`
}

// Noise measures the run-to-run variation of every scenario and metric of res, an A/A
// series, and estimates what the gate described by opt detects with it.
func Noise(res *result.Result, opt NoiseOptions) *NoiseReport {
	if opt.Rules.Alpha <= 0 {
		opt.Rules.Alpha = config.DefaultAlpha
	}
	m := gatedCount(res, opt.Rules)
	r := &NoiseReport{Suite: res.Suite, Profile: res.Profile, Design: DesignStored, Runs: opt.Runs, MaxRuns: max(opt.MaxRuns, opt.Runs),
		Alpha: opt.Rules.Alpha, Gated: m, Power: DefaultPower, Method: Method, Target: opt.Target}
	sens := r.sensitivity(opt)
	paired := &Sensitivity{Threshold: sens.Threshold, ConfirmThreshold: sens.ConfirmThreshold, ConfirmRatio: sens.ConfirmRatio,
		Trials: sens.Trials, Paired: true} // its own memo: a copy of sens would share its maps
	if opt.Base != nil {
		r.Design, r.Duet = DesignAB, res.Definition["load.duet"] == "true"
		if paired.reaches(opt.Runs) {
			r.Method = MethodPaired + "; " + Method + " for the rest"
		}
	}
	for _, sc := range res.Scenarios {
		r.Measured = max(r.Measured, len(sc.Runs))
		model := noiseModel{opt: opt, unpaired: sens, paired: paired, hash: res.DefinitionHash}
		if opt.Base != nil {
			model.base = opt.Base.Scenario(sc.Name)
		}
		r.Scenarios = append(r.Scenarios, model.scenario(&sc, &r.Warnings))
	}
	r.RunsForTarget, r.OutOfReach = runsForTarget(r.Scenarios)
	r.Warnings = append(r.Warnings, r.caveats()...)
	if b := opt.Base; b != nil && (b.Git.Revision != res.Git.Revision || res.Git.Dirty) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the sides are not the same code (the work tree %s, the base %s): the spread measured includes their difference; measure -against HEAD with a clean work tree",
			describeRevision(res.Git), describeRevision(b.Git)))
	}
	return r
}

// sensitivity sets the thresholds the gate's α gives one regression and returns the
// estimator for them.
func (r *NoiseReport) sensitivity(opt NoiseOptions) *Sensitivity {
	m := max(r.Gated, 1)
	confirm := r.MaxRuns > r.Runs && r.Runs > 0
	s := &Sensitivity{Threshold: r.Alpha / float64(m), Trials: opt.Trials}
	if confirm {
		s.Threshold = r.Alpha / 2 / float64(m)
		s.ConfirmThreshold = s.Threshold
		s.ConfirmRatio = float64(r.MaxRuns-r.Runs) / float64(r.Runs)
	}
	r.Threshold, r.ConfirmThreshold = s.Threshold, s.ConfirmThreshold
	return s
}

// gatedCount is how many gated metrics of res share the gate's α.
func gatedCount(res *result.Result, rules compare.Rules) int {
	n := 0
	for _, sc := range res.Scenarios {
		for _, name := range sc.Metrics() {
			if rules.Metrics[name].Gated {
				n++
			}
		}
	}
	return n
}

// noiseModel is the gate a scenario's noise is judged by.
type noiseModel struct {
	opt              NoiseOptions
	unpaired, paired *Sensitivity
	base             *result.Scenario // A/B mode: the scenario's base side
	hash             string           // the suite definition's, for the stored baseline's spread
}

func (nmod noiseModel) scenario(sc *result.Scenario, warnings *[]string) NoiseScenario {
	out := NoiseScenario{Name: sc.Name}
	present := map[string]bool{}
	for _, name := range sc.Metrics() {
		present[name] = true
	}
	few := false
	for _, m := range metric.All {
		if !present[m.Name] || m.Better == metric.Info {
			continue
		}
		nm := nmod.metric(m, sc)
		few = few || nm.N < MinNoiseRuns
		out.Metrics = append(out.Metrics, nm)
	}
	if few {
		*warnings = append(*warnings, fmt.Sprintf("scenario %s: fewer than %d valid runs, so its noise cannot be estimated", sc.Name, MinNoiseRuns))
	}
	return out
}

// metric measures one metric's noise and what the gate detects with it: on its pairs
// when A/B mode judges it on them (compare's canPair: a relative metric with enough pairs
// for the signed-rank test to reach the threshold), else on its runs.
func (nmod noiseModel) metric(m metric.Metric, sc *result.Scenario) NoiseMetric {
	opt, sens, xs := nmod.opt, nmod.unpaired, sc.Samples(m.Name)
	var pairs []float64
	if nmod.base != nil && !m.Absolute && nmod.paired.reaches(opt.Runs) {
		pairs = compare.LogRatios(sc, nmod.base, m.Name)
	}
	rule := opt.Rules.Metrics[m.Name]
	s := compare.Summarize(xs)
	nm := NoiseMetric{Metric: m.Name, Unit: m.Unit, Gated: rule.Gated, Absolute: m.Absolute, N: s.N,
		Median: s.Median, CV: s.CV, Tolerance: compare.Tolerance{Warn: rule.Tolerance.Warn, Fail: rule.Tolerance.Fail},
		Noise: 100 * s.CV, Detectable: math.NaN(), Flags: math.NaN(), Target: math.NaN()}
	switch {
	case m.Absolute:
		nm.Noise = compare.StdDev(xs)
	case pairs != nil:
		sens, nm.Pairs, nm.N = nmod.paired, len(pairs), len(pairs)
		nm.Noise = 100 * compare.StdDev(pairs)
		nm.CV = nm.Noise / 100
	}
	if nm.N < MinNoiseRuns {
		nm.CV, nm.Noise = math.NaN(), math.NaN()
		return nm
	}
	if !nm.Gated {
		return nm
	}
	warn := nm.Tolerance.Warn
	nm.Detectable = sens.Detectable(opt.Runs, nm.Noise, warn)
	nm.Flags = math.Max(nm.Detectable, warn)
	nm.Target = warn
	if opt.Target > 0 && !m.Absolute {
		nm.Target = opt.Target
	}
	nm.RunsNeeded = sens.RunsNeeded(nm.Noise, warn, nm.Target)
	if nmod.base == nil {
		nmod.addSpread(&nm, m, sc.Name)
	}
	nm.Flags = math.Max(nm.Detectable, warn)
	nm.Assessment = assess(nm.Detectable, nm.Tolerance)
	return nm
}

// addSpread limits what a stored baseline detects by its spread between invocations: the
// change must also stand out from that spread (compare's testSpread), which more runs of
// one invocation do not shrink. With Power, the change that does is the spread's
// threshold plus its Power-quantile.
func (nmod noiseModel) addSpread(nm *NoiseMetric, m metric.Metric, scenario string) {
	sp, ok := compare.SpreadFor(nmod.opt.History, nmod.hash, scenario, m.Name, nmod.opt.Drift)
	if !ok || m.Absolute {
		return
	}
	nm.Spread, nm.SpreadRecordings = sp.SD, sp.Recordings
	better := compare.BetterLower
	if m.Better == metric.HigherIsBetter {
		better = compare.BetterHigher
	}
	scale := math.Sqrt2 * sp.SD / 100
	byDrift := compare.DetectableChange(scale*(sp.Quantile(1-nmod.unpaired.Threshold)+sp.Quantile(nmod.unpaired.power())), better)
	nm.Detectable = math.Max(nm.Detectable, byDrift)
	if byDrift > nm.Target {
		nm.RunsNeeded = 0
	}
}

func assess(detectable float64, tol compare.Tolerance) string {
	switch {
	case detectable <= tol.Warn:
		return Real
	case detectable <= tol.Fail:
		return Loose
	}
	return Theatre
}

// runsForTarget is the most runs a gated metric needs for its target, and the metrics no
// number of runs up to MaxRunsAdvised brings there.
func runsForTarget(scenarios []NoiseScenario) (most int, outOfReach []string) {
	for _, sc := range scenarios {
		for _, m := range sc.Metrics {
			switch {
			case !m.Gated || math.IsNaN(m.Detectable):
			case m.RunsNeeded == 0:
				outOfReach = append(outOfReach, sc.Name+" "+m.Metric)
			default:
				most = max(most, m.RunsNeeded)
			}
		}
	}
	return most, outOfReach
}

// caveats are the report's general warnings.
func (r *NoiseReport) caveats() []string {
	var out []string
	if r.Gated == 0 {
		out = append(out, "no gated metric was measured: the gate has nothing to judge")
	}
	if s, ok := r.spread(); ok {
		from := "gate.drift, assumed until the baseline has 3 recordings"
		if s.SpreadRecordings > 0 {
			from = fmt.Sprintf("from %d recordings of the baseline", s.SpreadRecordings)
		}
		out = append(out, fmt.Sprintf("a stored baseline moves by ±%.1f %% between invocations (%s, %s), which no number of runs removes: "+
			"A/B mode (run -against REV, the Action's default on pull requests) measures both revisions side by side and has no such spread", s.Spread, s.Metric, from))
	}
	if r.Measured >= MinNoiseRuns && r.Measured < firmNoiseRuns {
		out = append(out, fmt.Sprintf("the noise is estimated from %d runs per scenario, so each figure is uncertain by about ±%.0f %%; more runs (-runs) make it firmer",
			r.Measured, 100/math.Sqrt(2*float64(r.Measured-1))))
	}
	return out
}

func describeRevision(g result.Git) string {
	rev := g.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if g.Dirty {
		rev += " with uncommitted changes"
	}
	return rev
}

// spread is the largest spread between invocations of a gated metric.
func (r *NoiseReport) spread() (NoiseMetric, bool) {
	var most NoiseMetric
	for _, sc := range r.Scenarios {
		for _, m := range sc.Metrics {
			if m.Gated && m.Spread > most.Spread {
				most = m
				most.Metric = sc.Name + " " + m.Metric
			}
		}
	}
	return most, most.Spread > 0
}

// MarshalJSON writes the figures that are infinite or undefined as null: JSON numbers
// cannot hold them.
func (m NoiseMetric) MarshalJSON() ([]byte, error) {
	type plain NoiseMetric
	return json.Marshal(struct {
		plain
		CV         *float64 `json:"cv"`
		Noise      *float64 `json:"noise"`
		Detectable *float64 `json:"detectable"`
		Flags      *float64 `json:"flags"`
		Target     *float64 `json:"target"`
	}{plain(m), finiteOrNil(m.CV), finiteOrNil(m.Noise), finiteOrNil(m.Detectable), finiteOrNil(m.Flags), finiteOrNil(m.Target)})
}

func finiteOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
