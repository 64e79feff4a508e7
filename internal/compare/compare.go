package compare

import (
	"time"

	"github.com/stackgate/stackgate/internal/result"
)

// Modes of a comparison (Verdict.Mode).
const (
	ModeBaseline = "baseline" // head against a stored baseline
	ModeAB       = "ab"       // head against the base revision measured in the same invocation
	ModeNone     = "none"     // nothing to compare with
)

// Better values of MetricVerdict.
const (
	BetterHigher = "higher"
	BetterLower  = "lower"
	BetterInfo   = "info"
)

// NoBaselineReason is the verdict's reason when there is no baseline yet.
const NoBaselineReason = "no baseline yet: run `stackgate baseline update`"

// HistoryPoint is an earlier baseline's medians, kept in the baseline file.
type HistoryPoint struct {
	Recorded       time.Time
	Revision       string
	DefinitionHash string
	Medians        map[string]map[string]float64 // scenario → metric → median
}

// Input of a comparison.
type Input struct {
	Base    *result.Result // nil: no baseline yet
	Head    *result.Result
	History []HistoryPoint // oldest first; may be empty
	Mode    string         // ModeBaseline (the default) or ModeAB; ModeNone when Base is nil
}

// Stage is the share of the invocation's α one comparison may spend (see the package doc:
// confirm before alerting). Bonferroni judges every gated metric against Alpha/m instead
// of Holm's step-down thresholds.
type Stage struct {
	Alpha      float64
	Bonferroni bool
}

// Stages splits the invocation's α between the first comparison (Holm at α/2) and the
// confirmation of the scenarios NeedsConfirmation lists (Bonferroni at α/2 over the same
// family).
func Stages(alpha float64) (first, second Stage) {
	return Stage{Alpha: alpha / 2}, Stage{Alpha: alpha / 2, Bonferroni: true}
}

// Compare judges head against base with rules, spending the whole α in one stage. Pure:
// no I/O, deterministic.
func Compare(in Input, rules Rules) *Verdict {
	return CompareStage(in, rules, Stage{Alpha: rules.alpha()})
}

// CompareStage judges head against base spending stage's α (rules.Alpha when zero).
func CompareStage(in Input, rules Rules, stage Stage) *Verdict {
	if stage.Alpha <= 0 {
		stage.Alpha = rules.alpha()
	}
	c := &comparison{in: in, rules: rules, stage: stage}
	return c.run()
}

// comparison is the state of one CompareStage call.
type comparison struct {
	in    Input
	rules Rules
	stage Stage
	v     *Verdict
	// blocked holds, per scenario of v, why it was not compared statistically.
	blocked  []blocker
	findings []*finding
	// machineOK is false when the machine identity differs and that is not allowed.
	machineOK bool
}

// finding is one metric of one scenario being judged.
type finding struct {
	sc        int // index of the scenario in the verdict
	mv        *MetricVerdict
	head      []float64
	base      []float64
	tested    bool    // both sides have samples and the scenario is compared
	equal     bool    // every sample of both sides has the same value
	pImproved float64 // one-sided p for "head is better" (1 unless the change is an improvement)
	tooFew    string  // why no difference can ever be significant ("" when one can)
	// pairs are log(head/base) of the runs measured side by side in A/B mode (the same run
	// number: one after the other, ABBA), nil in other modes; paired says the test is
	// made on them.
	pairs  []float64
	paired bool
}

func (c *comparison) run() *Verdict {
	c.v = c.header()
	if c.in.Base == nil {
		c.noBaseline()
	} else {
		c.checkMachine()
		c.checkSuiteDefinition()
		c.scenarios()
	}
	c.judge()
	c.rollUp()
	return c.v
}

func (c *comparison) header() *Verdict {
	v := &Verdict{Schema: VerdictSchema, Mode: c.mode(), Alpha: c.stage.Alpha, Scenarios: []ScenarioVerdict{}}
	if c.in.Head != nil {
		v.Suite = c.in.Head.Suite
		v.Head = side(c.in.Head)
		v.Duet = v.Mode == ModeAB && c.in.Head.Definition["load.duet"] == "true"
	}
	if c.in.Base != nil {
		b := side(c.in.Base)
		v.Baseline = &b
		if v.Suite == "" {
			v.Suite = c.in.Base.Suite
		}
	}
	return v
}

func (c *comparison) mode() string {
	switch {
	case c.in.Base == nil:
		return ModeNone
	case c.in.Mode == "":
		return ModeBaseline
	}
	return c.in.Mode
}

func side(r *result.Result) Side {
	return Side{Revision: r.Git.Revision, Dirty: r.Git.Dirty, Started: r.Started, DefinitionHash: r.DefinitionHash,
		Runner: r.Fingerprint.Runner, Profile: r.Profile}
}

// headScenarios is the head's scenarios (none when there is no head).
func (c *comparison) headScenarios() []result.Scenario {
	if c.in.Head == nil {
		return nil
	}
	return c.in.Head.Scenarios
}
