package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/stack"
)

// suiteFlags select and shape the suite; shared by run and baseline update.
type suiteFlags struct {
	config    string
	runs      int
	quick     bool
	out       string
	keep      bool
	runner    string
	baselines string
	seed      uint64
	lockWait  time.Duration
	verbose   bool
}

func (f *suiteFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", config.DefaultFile, "suite definition `file`")
	fs.IntVar(&f.runs, "runs", 0, "runs per scenario (default: the suite's gate.runs, or quick.runs with -quick)")
	fs.BoolVar(&f.quick, "quick", false, "short phases and few runs, for local tries and CI (compared with quick baselines only)")
	fs.StringVar(&f.out, "out", "stackgate-out", "output `directory`: result, verdict and the logs of every process (kept)")
	fs.BoolVar(&f.keep, "keep", false, "keep the scratch directory (builds, sockets) for inspection")
	fs.StringVar(&f.runner, "runner", "", "runner `name` (default: $STACKGATE_RUNNER, the config's runner, the host name)")
	fs.StringVar(&f.baselines, "baselines", "", "baselines `directory` (default: baselines/ next to the config file)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the shuffled scenario order (default: random)")
	fs.BoolVar(&f.verbose, "v", false, "show every phase of every run as a line, and every metric in the verdict")
	fs.DurationVar(&f.lockWait, "lock-timeout", gate.DefaultLockTimeout, "how long to wait while another invocation measures on this machine (0: do not wait)")
}

// options reads the suite and turns the flags into gate options.
func (f *suiteFlags) options(e *env) (gate.Options, error) {
	if f.runs < 0 || f.runs > config.MaxRuns {
		return gate.Options{}, usageErrorf("-runs %d: give a number of runs from 1 to %d (a suite file's gate.runs has the same limit)", f.runs, config.MaxRuns)
	}
	suite, err := config.Read(f.config)
	if err != nil {
		return gate.Options{}, err
	}
	if f.quick {
		suite = suite.WithQuick()
	}
	seed := f.seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	lockWait := f.lockWait
	if lockWait == 0 {
		lockWait = -1 // gate: do not wait
	}
	return gate.Options{
		Suite: suite, Runs: f.runs, OutDir: f.out, Baselines: f.baselines,
		Runner: runnerName(e, f.runner, suite), Keep: f.keep, Seed: seed,
		Env: stack.Environ(os.Environ()), Tool: "stackgate " + Version, LockTimeout: lockWait,
		LockPath: e.getenv(lock.PathEnv),
	}, nil
}

func runCommand(ctx context.Context, e *env, args []string) error {
	var f suiteFlags
	var j judgeFlags
	fs := newFlags(e, "run", "[flags]")
	f.register(fs)
	j.register(fs)
	against := fs.String("against", "", "measure git `revision` (e.g. origin/main) beside the work tree in the same invocation and judge against it (A/B mode) instead of the stored baseline")
	shard := fs.String("shard", "", "measure only shard `i/n` of the scenarios (every n-th in suite order, from the i-th): one job of a matrix; see stackgate merge")
	turns := fs.Bool("turns", false, "with -against: the revisions take turns (ABBA) instead of running their stacks at the same time (a duet, the default where the suite allows it)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *turns && *against == "" {
		return usageErrorf("-turns says how the base revision is measured beside the head: give it with -against REV")
	}
	failOn, err := parseFailOn(j.failOn)
	if err != nil {
		return err
	}
	opt, err := f.options(e)
	if err != nil {
		return err
	}
	if opt.Scenarios, opt.Shard, err = bench.ShardScenarios(*shard, opt.Suite.Scenarios); err != nil {
		return usageErrorf("-shard: %v", err)
	}
	opt.AllowDefinitionChange, opt.AllowOtherMachine = j.allowDefinition, j.allowMachine
	opt.Against, opt.Turns = *against, *turns
	progress := newProgress(e.stderr)
	progress.ab = opt.Against != ""
	progress.verbose = f.verbose
	progress.attach(&opt, f.lockWait)
	out, err := gate.Run(ctx, opt)
	progress.finish()
	if out.ScratchDir != "" {
		fmt.Fprintf(e.stderr, "scratch directory (kept): %s\n", out.ScratchDir)
	}
	return showOutcome(e, out, err, failOn, f.verbose)
}

// showOutcome prints the verdict (every metric when verbose) and the files written, and
// turns the verdict into the command's error (hence its exit code).
func showOutcome(e *env, out *gate.Outcome, err error, failOn failOn, verbose bool) error {
	if out != nil && out.Verdict != nil {
		if rerr := report.Terminal(e.stdout, out.Verdict, report.TerminalOptions{Color: colorful(e), Verbose: verbose}); rerr != nil {
			return rerr
		}
	}
	if out != nil && out.ResultPath != "" {
		fmt.Fprintf(e.stdout, "\nresult:  %s\n", out.ResultPath)
	}
	if out != nil && out.VerdictPath != "" {
		fmt.Fprintf(e.stdout, "verdict: %s\n", out.VerdictPath)
	}
	if out != nil && out.ReportPath != "" {
		fmt.Fprintf(e.stdout, "report:  %s\n", out.ReportPath)
	}
	if err != nil {
		return err
	}
	return verdictExit(out.Verdict, failOn)
}

// colorful: colour only on a terminal, and never when NO_COLOR is set (no-color.org).
func colorful(e *env) bool {
	return isTerminal(e.stdout) && e.getenv("NO_COLOR") == ""
}

func validateCommand(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "[-config file]")
	file := fs.String("config", config.DefaultFile, "suite definition `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	suite, err := config.Read(*file)
	if err != nil {
		return err
	}
	if err := bench.Preflight(suite); err != nil {
		return err
	}
	def := suite.Definition()
	fmt.Fprintf(e.stdout, "%s: suite %q is valid: %d scenarios, %d processes\ndefinition %s (quick: %s)\n",
		*file, suite.Suite, len(suite.Scenarios), len(suite.Processes), def.Hash(), suite.WithQuick().Definition().Hash())
	return nil
}

// runnerName is, in order: -runner, $STACKGATE_RUNNER, the config's runner, the host name.
func runnerName(e *env, flagValue string, suite *config.Suite) string {
	host, _ := os.Hostname()
	return firstNonEmpty(flagValue, e.getenv("STACKGATE_RUNNER"), suite.Runner, host)
}
