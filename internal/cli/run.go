package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/result"
)

// runFlags are the flags of `stackgate run`.
type runFlags struct {
	config string
	runs   int
	quick  bool
	out    string
	keep   bool
	runner string
	seed   uint64
}

func runCommand(ctx context.Context, e *env, args []string) error {
	var f runFlags
	fs := newFlags(e, "run", "[flags]")
	fs.StringVar(&f.config, "config", config.DefaultFile, "suite definition `file`")
	fs.IntVar(&f.runs, "runs", 0, "runs per scenario (default: the suite's gate.runs, or quick.runs with -quick)")
	fs.BoolVar(&f.quick, "quick", false, "short phases and few runs, for local tries and CI (compared with quick baselines only)")
	fs.StringVar(&f.out, "out", "stackgate-out", "output `directory`: result file and the logs of every process (kept)")
	fs.BoolVar(&f.keep, "keep", false, "keep the scratch directory (database files, builds) for inspection")
	fs.StringVar(&f.runner, "runner", "", "runner `name` recorded in the fingerprint (default: $STACKGATE_RUNNER, the config's runner, the host name)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the shuffled scenario order (default: random)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.runs < 0 {
		return usageErrorf("-runs %d: give a positive number of runs", f.runs)
	}
	suite, err := config.Read(f.config)
	if err != nil {
		return err
	}
	if f.quick {
		suite = suite.WithQuick()
	}
	if f.runs == 0 {
		f.runs = suite.Gate.Runs
	}
	res, err := measure(ctx, e, suite, f)
	if res == nil {
		return err
	}
	path := filepath.Join(f.out, result.FileName)
	if werr := result.Write(path, res); werr != nil {
		return errors.Join(err, fmt.Errorf("saving the result: %w", werr))
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "partial result written to %s\n", path)
		return err
	}
	if err := report.Summary(e.stdout, res); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nresult: %s\n", path)
	return nil
}

// measure prepares the output and scratch directories and runs the suite.
func measure(ctx context.Context, e *env, suite *config.Suite, f runFlags) (*result.Result, error) {
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return nil, &badInputError{fmt.Errorf("creating the output directory: %w", err)}
	}
	scratch, err := newScratchDir()
	if err != nil {
		return nil, err
	}
	if f.keep {
		fmt.Fprintf(e.stderr, "scratch directory (kept): %s\n", scratch)
	} else {
		defer os.RemoveAll(scratch)
	}
	seed := f.seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	progress := newProgress(e.stderr, f.runs*len(suite.Scenarios))
	defer progress.finish()
	return bench.Measure(ctx, bench.Options{
		Suite:      suite,
		Runs:       f.runs,
		OutDir:     f.out,
		ScratchDir: scratch,
		Env:        os.Environ(),
		Seed:       seed,
		Runner:     runnerName(e, f.runner, suite),
		Tool:       "stackgate " + Version,
		Progress:   progress.event,
	})
}

// newScratchDir makes the directory for builds, database files and sockets. Other users
// must be able to traverse it: PostgreSQL (and processes configured with `user`) run
// unprivileged when stackgate runs as root.
func newScratchDir() (string, error) {
	dir, err := os.MkdirTemp("", "stackgate-")
	if err != nil {
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	return dir, nil
}

// runnerName is, in order: -runner, $STACKGATE_RUNNER, the config's runner, the host name.
func runnerName(e *env, flagValue string, suite *config.Suite) string {
	host, _ := os.Hostname()
	return firstNonEmpty(flagValue, e.getenv("STACKGATE_RUNNER"), suite.Runner, host)
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
	def := suite.Definition()
	fmt.Fprintf(e.stdout, "%s: suite %q is valid: %d scenarios, %d processes\ndefinition %s (quick: %s)\n",
		*file, suite.Suite, len(suite.Scenarios), len(suite.Processes), def.Hash(), suite.WithQuick().Definition().Hash())
	return nil
}
