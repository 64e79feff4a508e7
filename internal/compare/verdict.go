package compare

import "time"

// VerdictSchema identifies the version of the verdict file format.
const VerdictSchema = "stackgate.verdict/v1"

// VerdictFile is the verdict file written into the output directory.
const VerdictFile = "stackgate-verdict.json"

// Level is the judgement of a metric, a scenario or a whole invocation.
type Level string

const (
	// Pass: no regression beyond tolerance was found (improvements and changes within
	// tolerance included).
	Pass Level = "pass"
	// Warn: a significant regression beyond the warn tolerance but within the fail tolerance.
	Warn Level = "warn"
	// Fail: a significant regression beyond the fail tolerance.
	Fail Level = "fail"
	// Inconclusive: the data cannot decide — not comparable, too few runs, or a change
	// beyond tolerance that is not significant.
	Inconclusive Level = "inconclusive"
	// Error: the benchmark itself could not be measured.
	Error Level = "error"
)

// severity orders levels for "the worst wins": error > fail > warn > inconclusive > pass.
func (l Level) severity() int {
	switch l {
	case Error:
		return 4
	case Fail:
		return 3
	case Warn:
		return 2
	case Inconclusive:
		return 1
	}
	return 0
}

// Worst returns the more severe of a and b.
func Worst(a, b Level) Level {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// Verdict is the outcome of comparing a head result with a baseline: what every report
// renders and what the exit code is decided from. It is stable: its JSON form is
// stackgate.verdict/v1.
type Verdict struct {
	Schema string `json:"schema"`
	Suite  string `json:"suite"`
	// Mode says what head was compared with: "baseline" (a stored baseline), "ab" (the
	// base revision measured in the same invocation), or "none" (nothing to compare with).
	Mode string `json:"mode"`
	// Duet says that in A/B mode both revisions' stacks ran at the same time, run by run
	// (run -duet), rather than in turns.
	Duet   bool   `json:"duet,omitempty"`
	Level  Level  `json:"level"`
	Reason string `json:"reason"` // one line a person understands

	Baseline *Side `json:"baseline,omitempty"`
	Head     Side  `json:"head"`

	// Alpha is the family-wise false-alarm rate of the invocation; Gated is how many
	// metrics share it (Holm's correction).
	Alpha float64 `json:"alpha"`
	Gated int     `json:"gated"`
	// Confirmation describes the added runs of the confirm-before-alerting stage, if any.
	Confirmation *Confirmation `json:"confirmation,omitempty"`

	Scenarios []ScenarioVerdict `json:"scenarios"`
	// NotComparable lists why head and baseline cannot be compared (empty when they can).
	NotComparable []string `json:"not_comparable,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
}

// NotMeasured is the verdict of a suite that could not be measured as a whole (the
// shards of a matrix that do not cover it), with why.
func NotMeasured(suite, reason string) *Verdict {
	return &Verdict{Schema: VerdictSchema, Suite: suite, Mode: ModeNone, Level: Error, Reason: reason, Scenarios: []ScenarioVerdict{}}
}

// Side identifies one side of the comparison.
type Side struct {
	Revision       string    `json:"revision,omitempty"`
	Dirty          bool      `json:"dirty,omitempty"`
	Started        time.Time `json:"started"`
	DefinitionHash string    `json:"definition_hash"`
	Runner         string    `json:"runner"`
	Profile        string    `json:"profile"`
}

// Confirmation is the second stage of a gate: runs added because a metric looked worse
// beyond its tolerance without being significant yet. The family-wise α is split between
// the stages, so looking twice does not inflate false alarms.
type Confirmation struct {
	Scenarios  []string `json:"scenarios"`   // scenarios that were run again
	AddedRuns  int      `json:"added_runs"`  // head runs added per scenario
	StageAlpha float64  `json:"stage_alpha"` // α of each stage
}

// ScenarioVerdict is the judgement of one scenario.
type ScenarioVerdict struct {
	Name    string          `json:"name"`
	Level   Level           `json:"level"`
	Reason  string          `json:"reason"`
	Metrics []MetricVerdict `json:"metrics"`
}

// MetricVerdict is the judgement of one metric of one scenario.
type MetricVerdict struct {
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// Better is "higher", "lower" or "info".
	Better string `json:"better"`
	Gated  bool   `json:"gated"`
	Level  Level  `json:"level"`
	Reason string `json:"reason"`

	Baseline Summary `json:"baseline"`
	Head     Summary `json:"head"`
	// Change is head's median against baseline's: relative (0.05 = +5 %) or, for metrics
	// with an absolute tolerance (error rate), in the metric's own unit.
	Change   float64 `json:"change"`
	Absolute bool    `json:"absolute,omitempty"`
	// Pooled are both sides' request counts, every run added up, for a metric judged on
	// them (the error rate): then Change is the pooled rates' difference and P comes from
	// Fisher's exact test on the counts.
	Pooled *Pooled `json:"pooled,omitempty"`
	// Pairs is the number of run pairs (head and base measured one after the other, A/B
	// mode) the metric was judged on; then Change is the median pair's ratio and P comes
	// from Wilcoxon's signed-rank test on the pairs' log ratios.
	Pairs int `json:"pairs,omitempty"`
	// P is the one-sided Mann–Whitney U p-value for "head is worse" (Fisher's exact test
	// for metrics judged on pooled counts, the signed-rank test for paired ones); Threshold
	// is what it had to be below after Holm's correction (0 for metrics that are not gated).
	P           float64 `json:"p"`
	Threshold   float64 `json:"threshold,omitempty"`
	Significant bool    `json:"significant"`
	// PImproved is the one-sided p-value for "head is better", tested when the median moved
	// in the good direction (absent otherwise); Improved says it was significant.
	PImproved float64 `json:"p_improved,omitempty"`
	Improved  bool    `json:"improved,omitempty"`

	Tolerance Tolerance `json:"tolerance"`
	// Spread is the metric's spread between invocations that a stored baseline's
	// comparison accounted for (nil in A/B mode and for absolute metrics).
	Spread *Spread `json:"spread,omitempty"`
	// Drift is head's change against the oldest baseline kept in the baseline's history,
	// so slow creep under tolerance is visible (nil when there is no history).
	Drift *Drift `json:"drift,omitempty"`
}

// Summary is the median of a sample, its distribution-free 95 % confidence interval and its
// run-to-run variation.
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	// CV is the run-to-run variation: the samples' standard deviation over their mean
	// (0 with fewer than two samples or a zero mean). It tells which signals a runner can
	// trust: a metric that varies 10 % from run to run cannot show a 2 % change.
	CV float64 `json:"cv"`
}

// Tolerance of a metric, in percent (relative) or in the metric's unit (absolute).
type Tolerance struct {
	Warn float64 `json:"warn"`
	Fail float64 `json:"fail"`
}

// Drift is a change against an older baseline.
type Drift struct {
	Since     time.Time `json:"since"`
	Revision  string    `json:"revision,omitempty"`
	Change    float64   `json:"change"`
	Baselines int       `json:"baselines"` // how many baselines the drift spans
	// Creep: a gated metric drifted beyond its warn tolerance in its bad direction — many
	// changes each within tolerance added up to one that is not.
	Creep bool `json:"creep,omitempty"`
}
