package ghaction

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/stackgate/stackgate/internal/config"
)

// Modes of the Action (the mode input).
const (
	ModeGate   = "gate"   // judge the code against the baseline
	ModeRecord = "record" // measure and write a new baseline into the workspace
	ModeAB     = "ab"     // A/B: the base revision measured beside the head in one invocation
	// ModeAuto is ab on pull requests and merge groups, gate on other events: a stored
	// baseline recorded hours or days earlier carries the machine's drift since then,
	// which a duet of both revisions cancels (README, "How the gate decides").
	ModeAuto = "auto"
)

// Defaults of the inputs, for a runner (or a test) that does not set them; action.yml
// declares the same values.
const (
	DefaultMode        = ModeAuto
	DefaultFailOn      = "regression"
	DefaultAcceptLabel = "stackgate: accept-regression"
	DefaultOutDir      = "stackgate-out"
)

// Inputs are the Action's inputs, as action.yml passes them in INPUT_* variables.
type Inputs struct {
	Config      string // suite file
	Mode        string // gate, record, ab or auto
	BaselineDir string // "": baselines/ next to the config file
	Token       string // never printed, never written anywhere
	Comment     bool   // upsert the sticky pull-request comment
	FailOn      string // as -fail-on: regression, warn, inconclusive (comma-separated)
	AllowForks  bool   // run fork pull requests on a self-hosted runner
	RunnerName  string // "": $STACKGATE_RUNNER, the config's runner, the host name
	Quick       bool   // the suite's quick profile
	Shard       string // "i/n": measure one shard of a matrix; publish nothing to the PR
	Results     string // result files (globs) to merge and judge instead of measuring
	AcceptLabel string // the label that accepts a regression
	OutDir      string // output directory
}

// TokenInput is the environment variable of the github-token input.
const TokenInput = "INPUT_GITHUB-TOKEN"

// inputNames are the inputs the Action reads, as action.yml names them.
var inputNames = []string{
	"config", "mode", "baseline-dir", "github-token", "comment", "fail-on", "allow-forks",
	"runner-name", "quick", "shard", "results", "accept-label", "out-dir",
}

// ReadInputs reads the inputs the way go-githubactions does (INPUT_ + the upper-cased name,
// hyphens kept: INPUT_GITHUB-TOKEN), fills in defaults, and refuses values it cannot use.
func ReadInputs(getenv func(string) string) (Inputs, error) {
	gha := githubactions.New(githubactions.WithGetenv(getenv))
	get := func(name, def string) string {
		if v := gha.GetInput(name); v != "" {
			return v
		}
		return def
	}
	in := Inputs{
		Config:      get("config", config.DefaultFile),
		Mode:        strings.ToLower(get("mode", DefaultMode)),
		BaselineDir: get("baseline-dir", ""),
		Token:       get("github-token", ""),
		FailOn:      get("fail-on", DefaultFailOn),
		RunnerName:  get("runner-name", ""),
		Shard:       get("shard", ""),
		Results:     get("results", ""),
		AcceptLabel: get("accept-label", DefaultAcceptLabel),
		OutDir:      get("out-dir", DefaultOutDir),
	}
	var err error
	for _, b := range []struct {
		name string
		def  bool
		to   *bool
	}{{"comment", true, &in.Comment}, {"allow-forks", false, &in.AllowForks}, {"quick", false, &in.Quick}} {
		if *b.to, err = boolInput(get(b.name, ""), b.name, b.def); err != nil {
			return in, err
		}
	}
	switch in.Mode {
	case ModeGate, ModeRecord, ModeAB, ModeAuto:
	default:
		return in, refusef("input mode %q: use auto, gate, record or ab", in.Mode)
	}
	if in.Shard != "" && in.Results != "" {
		return in, refusef("inputs shard and results exclude each other: shard jobs measure, the final job merges their results")
	}
	return in, nil
}

func boolInput(v, name string, def bool) (bool, error) {
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, refusef("input %s %q: use true or false", name, v)
	}
	return b, nil
}

// String shows the inputs without the token, so that formatting Inputs (%v) can never
// print it.
func (in Inputs) String() string {
	token := "not set"
	if in.Token != "" {
		token = "set"
	}
	return fmt.Sprintf("config=%s mode=%s fail-on=%s comment=%t quick=%t token %s", in.Config, in.Mode, in.FailOn, in.Comment, in.Quick, token)
}
