package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/doctor"
	"github.com/stackgate/stackgate/internal/gate"
)

// noiseOutDir is where `doctor -noise` writes its A/A series: beside run's output, not over it.
const noiseOutDir = "stackgate-out/noise"

// machineView is how doctor reads the runner: the real machine, or a fake one in tests.
type machineView struct {
	root      fs.FS
	openFiles func() (doctor.Limit, error)
	wait      func() // nil: doctor's default sampling interval
}

func doctorCommand(ctx context.Context, e *env, args []string) error {
	view := machineView{
		root:      os.DirFS("/"),
		openFiles: func() (doctor.Limit, error) { return doctor.ChildOpenFiles(ctx) },
	}
	return runDoctor(ctx, e, args, view)
}

// doctorFlags are doctor's flags; the suite flags matter with -noise only.
type doctorFlags struct {
	suite   suiteFlags
	strict  bool
	json    bool
	noise   bool
	target  string
	against string // -noise: measure the A/A series in A/B mode beside this revision
	turns   bool
	visited map[string]bool
}

func (f *doctorFlags) register(flags *flag.FlagSet) {
	flags.BoolVar(&f.strict, "strict", false, "exit 1 when a finding would invalidate measurements (status bad)")
	flags.BoolVar(&f.json, "json", false, "write the findings (and the noise report) as JSON")
	flags.BoolVar(&f.noise, "noise", false, "also measure an A/A series of the suite and report the smallest regression the gate can detect on this runner")
	flags.StringVar(&f.suite.config, "config", config.DefaultFile, "suite definition `file`: its pinning and connections are checked; -noise measures it")
	flags.IntVar(&f.suite.runs, "runs", 0, "-noise: runs per scenario of the A/A series (default: the suite's gate.runs, or quick.runs with -quick)")
	flags.BoolVar(&f.suite.quick, "quick", false, "-noise: the quick profile (short phases; the gate modelled is the quick one)")
	flags.StringVar(&f.target, "target", "", "-noise: the regression to find the runs for, e.g. 5% (default: each metric's warn tolerance)")
	flags.StringVar(&f.suite.out, "out", noiseOutDir, "-noise: output `directory` of the A/A series (result and logs)")
	flags.BoolVar(&f.suite.keep, "keep", false, "-noise: keep the scratch directory")
	flags.StringVar(&f.suite.runner, "runner", "", "-noise: runner `name` (default: $STACKGATE_RUNNER, the config's runner, the host name)")
	flags.Uint64Var(&f.suite.seed, "seed", 0, "-noise: seed of the shuffled scenario order (default: random)")
	flags.DurationVar(&f.suite.lockWait, "lock-timeout", gate.DefaultLockTimeout, "-noise: how long to wait while another invocation measures on this machine (0: do not wait)")
	flags.StringVar(&f.against, "against", "", "-noise: model A/B mode: measure git `revision` beside the work tree (HEAD of a clean work tree: the same code on both sides) and judge the pairs as run -against does")
	flags.BoolVar(&f.turns, "turns", false, "-noise -against: the sides take turns instead of a duet, as run -against -turns")
}

// noiseOnly are the flags that only -noise uses.
var noiseOnly = []string{"runs", "quick", "target", "out", "keep", "runner", "seed", "lock-timeout", "against", "turns"}

// runDoctor checks the runner seen through view and, with -noise, measures its noise.
func runDoctor(ctx context.Context, e *env, args []string, view machineView) error {
	var f doctorFlags
	flags := newFlags(e, "doctor", "[-strict] [-json] [-config file] [-noise [-runs N] [-quick] [-target 5%] [-out DIR] [-against REV [-turns]]]")
	f.register(flags)
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	f.visited = map[string]bool{}
	flags.Visit(func(fl *flag.Flag) { f.visited[fl.Name] = true })
	target, err := f.check()
	if err != nil {
		return err
	}
	suite, err := f.readSuite()
	if err != nil {
		return err
	}
	findings := doctor.Check(view.root, doctor.Options{Suite: suite, OpenFiles: view.openFiles, Wait: view.wait})
	if !f.json {
		if err := doctor.Render(e.stdout, findings); err != nil {
			return err
		}
	}
	var noise *doctor.NoiseReport
	if f.noise {
		if noise, err = measureNoise(ctx, e, &f, target); err != nil {
			return err
		}
	}
	if err := showDoctor(e, f.json, findings, noise); err != nil {
		return err
	}
	return strictExit(f.strict, findings)
}

// check refuses -noise's flags without -noise and parses -target (percent).
func (f *doctorFlags) check() (float64, error) {
	if !f.noise {
		for _, name := range noiseOnly {
			if f.visited[name] {
				return 0, usageErrorf("-%s needs -noise", name)
			}
		}
	}
	if f.turns && f.against == "" {
		return 0, usageErrorf("-turns needs -against: it says how A/B mode measures")
	}
	if f.target == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.target), "%")), 64)
	if err != nil || v <= 0 || v >= 100 {
		return 0, usageErrorf("-target %q: give a regression in percent, e.g. 5%%", f.target)
	}
	return v, nil
}

// readSuite reads the suite for the checks: a missing default stackgate.toml is no
// suite (pinning is then unknown); a file named with -config, or needed by -noise, must be
// there.
func (f *doctorFlags) readSuite() (*config.Suite, error) {
	if _, err := os.Stat(f.suite.config); errors.Is(err, fs.ErrNotExist) && !f.visited["config"] && !f.noise {
		return nil, nil
	}
	return config.Read(f.suite.config)
}

// measureNoise runs the suite's A/A series — against a revision in A/B mode with -against —
// and says what the gate detects with its noise: A/B mode's paired test, or the test
// against a stored baseline with the spread between invocations the baseline accounts for.
func measureNoise(ctx context.Context, e *env, f *doctorFlags, target float64) (*doctor.NoiseReport, error) {
	opt, err := f.suite.options(e)
	if err != nil {
		return nil, err
	}
	opt.Against, opt.Turns = f.against, f.turns
	progress := newProgress(e.stderr)
	progress.attach(&opt, f.suite.lockWait)
	measure := gate.Measure
	if opt.Against != "" {
		measure = gate.MeasureAB
	}
	out, err := measure(ctx, opt)
	progress.finish()
	if out.ScratchDir != "" {
		fmt.Fprintf(e.stderr, "scratch directory (kept): %s\n", out.ScratchDir)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "A/A series: %s\n", out.ResultPath)
	rules := compare.RulesFromConfig(opt.Suite.Gate)
	no := doctor.NoiseOptions{
		Rules: rules, Runs: opt.Suite.Gate.Runs, MaxRuns: opt.Suite.Gate.MaxRuns, Target: target, Base: out.BaseResult,
	}
	if opt.Against == "" {
		no.Drift = rules.Drift
		switch b, err := baseline.Read(opt.BaselinePath()); {
		case err == nil:
			no.History = b.CompareHistory()
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	return doctor.Noise(out.Result, no), nil
}

// doctorReport is doctor's JSON output.
type doctorReport struct {
	Findings []doctor.Finding    `json:"findings"`
	Noise    *doctor.NoiseReport `json:"noise,omitempty"`
}

// showDoctor writes the JSON report, or the noise report after the findings already shown.
func showDoctor(e *env, asJSON bool, findings []doctor.Finding, noise *doctor.NoiseReport) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doctorReport{Findings: findings, Noise: noise})
	}
	if noise == nil {
		return nil
	}
	fmt.Fprintln(e.stdout)
	return doctor.RenderNoise(e.stdout, noise)
}

// strictExit fails the command (exit 1) under -strict when a finding would invalidate
// measurements.
func strictExit(strict bool, findings []doctor.Finding) error {
	bad := doctor.Invalidating(findings)
	if !strict || len(bad) == 0 {
		return nil
	}
	names := make([]string, len(bad))
	for i, f := range bad {
		names[i] = f.Name
	}
	return &gateError{code: ExitRegression, level: compare.Fail,
		reason: fmt.Sprintf("the runner would invalidate measurements (-strict): %s", strings.Join(names, ", "))}
}
