// Package gate is one gate invocation end to end, shared by the command line and the
// GitHub Action so that a laptop and a CI runner take the same path: load the baseline,
// measure the suite, compare, add confirmation runs when a regression is suspected but not
// yet significant, and write the result and verdict files. It never prints and never
// decides exit codes; it returns what happened.
package gate

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/scratch"
)

// Options of one invocation.
type Options struct {
	Suite     *config.Suite // profile already applied
	Runs      int           // head runs of the first stage (0: the suite's gate.runs)
	OutDir    string        // result, verdict, logs (kept)
	Baselines string        // baselines directory ("": <configdir>/baselines)
	Runner    string
	Keep      bool // keep the scratch directory
	Seed      uint64
	Env       []string
	Tool      string
	// AllowDefinitionChange and AllowOtherMachine compare anyway, with a warning.
	AllowDefinitionChange bool
	AllowOtherMachine     bool
	// Removed judges a baseline scenario the head did not measure (inconclusive when
	// zero; the GitHub Action fails it on pull requests).
	Removed  compare.Removed
	Progress func(bench.Event)
	// Scenarios limits the invocation to these scenarios (nil: all): shard Shard ("i/n")
	// of a matrix.
	Scenarios []string
	Shard     string
	// Against is a git revision to measure beside the head in the same invocation (A/B
	// mode) instead of comparing with the stored baseline. Both revisions' stacks then run
	// at the same time, run by run (a duet, config.Suite.Duet), unless Turns is set or the
	// suite cannot (config.Suite.CheckDuet): then they take turns (ABBA).
	Against string
	Turns   bool
	// Measurements take turns on a machine (see package lock): LockPath ("" =
	// lock.DefaultPath) is waited for up to LockTimeout (0 = DefaultLockTimeout, negative =
	// do not wait), and Waiting is told when the wait begins.
	LockPath    string
	LockTimeout time.Duration
	Waiting     func(holder string)
	// ReadBaseline reads the baseline at a path (nil: baseline.Read). The GitHub Action
	// reads it from a pull request's base commit, so that a PR cannot pass itself by
	// editing the baseline file.
	ReadBaseline func(path string) (*baseline.Baseline, error)
}

// Outcome is what an invocation produced.
type Outcome struct {
	Result       *result.Result
	Verdict      *compare.Verdict
	ResultPath   string
	VerdictPath  string
	ReportPath   string // the HTML report (report.HTMLFile), next to the verdict
	BaselinePath string
	ScratchDir   string // set when kept
	// BaseResult is the base revision's result in A/B mode.
	BaseResult     *result.Result
	BaseResultPath string
	// shownBase is the base the HTML report draws: the baseline's full result from its raw
	// sidecar when there is one (histograms, series), else what was compared.
	shownBase *result.Result
}

// BaselinePath is where the suite's baseline for opt's runner lives.
func (opt Options) BaselinePath() string {
	dir := opt.Baselines
	if dir == "" {
		dir = opt.Suite.Path(baseline.DefaultDir)
	}
	return baseline.Path(dir, opt.Runner, opt.Suite)
}

func (opt Options) runs() int {
	if opt.Runs > 0 {
		return opt.Runs
	}
	return opt.Suite.Gate.Runs
}

// Run measures the suite and judges it against the stored baseline (or, with Against, the
// base revision measured in the same invocation). The result file is written before anything
// else can fail; when the measurement fails the verdict says error and the measurement's
// error is returned.
func Run(ctx context.Context, opt Options) (*Outcome, error) {
	if opt.Against != "" {
		return runAB(ctx, opt)
	}
	out := &Outcome{BaselinePath: opt.BaselinePath()}
	base, err := opt.readBaseline(out.BaselinePath)
	if err != nil {
		return out, err // an unreadable baseline is bad input: fail before measuring
	}
	err = openSession(ctx, opt, out, nil, func(s *session) error {
		_, res, err := s.first(ctx)
		if res == nil {
			return err
		}
		in := compare.Input{Base: base.result(), Head: res, History: base.history(), Mode: compare.ModeBaseline}
		out.shownBase = base.raw(out.BaselinePath)
		extend := func(ctx context.Context, only []string, first, runs int) error {
			_, extra, err := s.confirm(ctx, only, first, runs)
			appendRuns(in.Head, extra)
			return errors.Join(err, saveResult(out.ResultPath, in.Head))
		}
		return finishJudging(ctx, opt, out, in, err, extend)
	})
	return out, err
}

// extender adds runs, numbered from first, of the scenarios only to the results being
// judged and saves them: the confirmation stage's measurement.
type extender func(ctx context.Context, only []string, first, runs int) error

// finishJudging judges in (unless measuring failed: then the verdict says error) and
// writes the verdict file into out.
func finishJudging(ctx context.Context, opt Options, out *Outcome, in compare.Input, err error, extend extender) error {
	if err == nil {
		out.Verdict, err = judge(ctx, opt, in, extend)
	} else {
		out.Verdict = compare.Compare(in, opt.rules()) // a side is incomplete: the verdict says error
	}
	return errors.Join(err, writeVerdict(out, opt.OutDir, in.Base))
}

// judge compares, and when a gated metric looks worse than its tolerance without being
// significant yet, adds runs to those scenarios and judges again on all runs. When the
// added runs cannot be made, the verdict is the first stage's, with what waited for them
// marked unconfirmed — never a fresh judgement at the full α of data already looked at.
func judge(ctx context.Context, opt Options, in compare.Input, extend extender) (*compare.Verdict, error) {
	rules := opt.rules()
	first, second := stages(rules.Alpha, opt.Suite.Gate.MaxRuns > opt.runs() && in.Base != nil)
	v := compare.CompareStage(in, rules, first)
	if second == nil {
		return v, nil
	}
	again := compare.NeedsConfirmation(v)
	if len(again) == 0 {
		return v, nil
	}
	added := opt.Suite.Gate.MaxRuns - opt.runs()
	if err := extend(ctx, again, opt.runs()+1, added); err != nil {
		return compare.Unconfirmed(v, again, unconfirmedLevel(err), err.Error()), err
	}
	final := compare.CompareStage(in, rules, *second)
	return compare.Merge(v, final, compare.Confirmation{Scenarios: again, AddedRuns: added, StageAlpha: second.Alpha}), nil
}

// unconfirmedLevel is what a metric waiting for confirmation becomes when the runs could
// not be made: an error when measuring them failed (the stack or the database broke),
// inconclusive when they could not start (the machine was busy, the output or scratch
// directory failed).
func unconfirmedLevel(err error) compare.Level {
	var be *bench.Error
	if errors.As(err, &be) {
		return compare.Error
	}
	return compare.Inconclusive
}

func saveResult(path string, r *result.Result) error {
	if err := result.Write(path, r); err != nil {
		return &OutputError{fmt.Errorf("saving the result: %w", err)}
	}
	return nil
}

// stages are the comparisons of an invocation: one spending the whole α, or, with a
// confirmation stage, α split between the two so that adding runs after looking cannot
// inflate false alarms (see compare.Stages).
func stages(alpha float64, confirmation bool) (compare.Stage, *compare.Stage) {
	if !confirmation {
		return compare.Stage{Alpha: alpha}, nil
	}
	first, second := compare.Stages(alpha)
	return first, &second
}

// appendRuns adds the runs of extra to the matching scenarios of r; the result is
// complete only if both measurements were.
func appendRuns(r, extra *result.Result) {
	seq := len(runsOf(r)) // extra's positions continue after every run measured so far
	for _, sc := range extra.Scenarios {
		if target := r.Scenario(sc.Name); target != nil {
			for _, run := range sc.Runs {
				run.Seq += seq
				target.Runs = append(target.Runs, run)
			}
		}
	}
	r.Finished = extra.Finished
	r.Complete = r.Complete && extra.Complete
	if extra.Error != "" {
		r.Error = extra.Error
	}
	r.Warnings = append(r.Warnings, extra.Warnings...)
}

func runsOf(r *result.Result) []result.Run {
	var all []result.Run
	for _, sc := range r.Scenarios {
		all = append(all, sc.Runs...)
	}
	return all
}

func (opt Options) rules() compare.Rules {
	rules := compare.RulesFromConfig(opt.Suite.Gate)
	rules.AllowDefinitionChange = opt.AllowDefinitionChange
	rules.AllowOtherMachine = opt.AllowOtherMachine
	rules.Removed = opt.Removed
	return rules
}

// session is one invocation's measuring: the machine-wide lock, the scratch directory and
// the provisioned suite, held from the first run to the last confirmation run. The runs
// the verdict pools then come from one setup — the same builds, database server and
// dataset — and no other invocation measures between the stages.
type session struct {
	opt   Options
	out   *Outcome
	bench *bench.Session
	stale []result.Warning // what the cleanup of killed invocations removed
}

// openSession makes sure the output directory takes files, takes the machine-wide lock,
// removes what killed invocations left, makes the scratch directory, provisions the suite
// (in A/B mode baseSuite, the base revision's, beside it) and calls use; all of it ends
// when use returns.
func openSession(ctx context.Context, opt Options, out *Outcome, baseSuite *config.Suite, use func(*session) error) error {
	if err := writable(opt.OutDir); err != nil {
		return err
	}
	if err := removeOutputs(opt.OutDir); err != nil {
		return err
	}
	if err := bench.Preflight(opt.Suite); err != nil {
		return err
	}
	held, err := lock.Acquire(ctx, cmp.Or(opt.LockPath, lock.DefaultPath), opt.lockTimeout(), opt.Waiting)
	if err != nil {
		return err
	}
	defer held.Release()
	stale, err := cleanLeftovers(ctx, opt.Suite.Dir) // under the lock: nobody else is between creating and using one
	if err != nil {
		return err
	}
	dir, err := scratch.New("", opt.Keep)
	if err != nil {
		return err
	}
	if opt.Keep {
		out.ScratchDir = dir
	} else {
		defer os.RemoveAll(dir)
	}
	bo := bench.Options{
		Suite: opt.Suite, OutDir: opt.OutDir, ScratchDir: dir, Env: opt.Env, Only: opt.Scenarios, Shard: opt.Shard,
		Runner: opt.Runner, Tool: opt.Tool, Progress: opt.Progress, Base: baseSuite,
	}
	return bench.Open(ctx, bo, func(b *bench.Session) error {
		return use(&session{opt: opt, out: out, bench: b, stale: stale})
	})
}

// first measures the first stage and writes its results into the output directory. It
// returns nil results only when they could not be written.
func (s *session) first(ctx context.Context) (base, head *result.Result, err error) {
	base, head, err = s.measure(ctx, bench.Batch{Runs: s.opt.runs(), Seed: s.opt.Seed + 1, FirstRun: 1})
	head.Warnings = append(head.Warnings, s.stale...)
	if werr := s.out.save(s.opt.OutDir, base, head); werr != nil {
		return nil, nil, errors.Join(err, werr)
	}
	return base, head, err
}

// confirm measures runs more runs of the scenarios only, numbered from first: the
// confirmation stage, on the same setup as the first.
func (s *session) confirm(ctx context.Context, only []string, first, runs int) (base, head *result.Result, err error) {
	return s.measure(ctx, bench.Batch{Runs: runs, Seed: s.opt.Seed + uint64(first), FirstRun: first, Only: only, Confirming: true})
}

// measure runs a batch: the head's result, and in A/B mode the base revision's.
func (s *session) measure(ctx context.Context, b bench.Batch) (base, head *result.Result, err error) {
	results, err := s.bench.Measure(ctx, b)
	if len(results) == 2 {
		return results[0], results[1], err
	}
	return nil, results[0], err
}

// save records the invocation's results and writes their files: the head's result, and
// in A/B mode the base revision's beside it.
func (out *Outcome) save(dir string, base, head *result.Result) error {
	out.Result, out.BaseResult = head, base
	out.ResultPath = filepath.Join(dir, result.FileName)
	if err := saveResult(out.ResultPath, head); err != nil {
		return err
	}
	if base != nil {
		out.BaseResultPath = filepath.Join(dir, BaseResultFile)
		return saveResult(out.BaseResultPath, base)
	}
	return nil
}

// DefaultLockTimeout is how long an invocation waits for another one measuring on the same
// machine: about one full suite.
const DefaultLockTimeout = 30 * time.Minute

func (opt Options) lockTimeout() time.Duration {
	switch {
	case opt.LockTimeout == 0:
		return DefaultLockTimeout
	case opt.LockTimeout < 0:
		return 0
	}
	return opt.LockTimeout
}

// BaseResultFile is the base revision's result in A/B mode.
const BaseResultFile = "stackgate-base-result.json"

// writable creates the output directory and proves it takes a file, before anything is
// started: a read-only or full directory is found now, not after minutes of measuring.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &OutputError{fmt.Errorf("creating the output directory: %w", err)}
	}
	probe := filepath.Join(dir, ".stackgate-probe")
	err := os.WriteFile(probe, make([]byte, 4096), 0o644)
	os.Remove(probe)
	if err != nil {
		return &OutputError{fmt.Errorf("the output directory %s cannot take files (%w): free some space or pass another -out", dir, err)}
	}
	return nil
}

// removeOutputs removes the files an earlier invocation wrote into the output directory,
// before this one measures: should it fail before writing its own (a full disk, a lock it
// never got), a later step must not read the earlier verdict as this run's.
func removeOutputs(dir string) error {
	for _, name := range []string{compare.VerdictFile, report.HTMLFile, result.FileName, BaseResultFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return &OutputError{fmt.Errorf("removing the previous invocation's %s from the output directory: %w", name, err)}
		}
	}
	return nil
}

// OutputError is a failure to write into the output directory.
type OutputError struct{ Err error }

func (e *OutputError) Error() string { return e.Err.Error() }
func (e *OutputError) Unwrap() error { return e.Err }

// writeVerdict writes the verdict file and, next to it, the HTML report of the verdict with
// the results behind it (base: the baseline or base revision compared with, if any).
func writeVerdict(out *Outcome, dir string, base *result.Result) error {
	if out.shownBase != nil {
		base = out.shownBase
	}
	out.VerdictPath = filepath.Join(dir, compare.VerdictFile)
	if err := result.WriteJSON(out.VerdictPath, verdictFile(out.Verdict)); err != nil {
		return &OutputError{fmt.Errorf("saving the verdict: %w", err)}
	}
	var page bytes.Buffer
	if err := report.HTML(&page, out.Verdict, out.Result, base); err != nil {
		return &OutputError{err}
	}
	path := filepath.Join(dir, report.HTMLFile)
	if err := result.WriteFileAtomic(path, page.Bytes()); err != nil {
		return &OutputError{fmt.Errorf("saving the HTML report: %w", err)}
	}
	out.ReportPath = path
	return nil
}

func verdictFile(v *compare.Verdict) *compare.Verdict {
	v.Schema = compare.VerdictSchema
	return v
}

// stored is a baseline read from disk, or nil when there is none yet.
type stored struct{ b *baseline.Baseline }

func (opt Options) readBaseline(path string) (*stored, error) {
	read := opt.ReadBaseline
	if read == nil {
		read = baseline.Read
	}
	b, err := read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &stored{b}, nil
}

func (s *stored) result() *result.Result {
	if s == nil {
		return nil
	}
	return s.b.Result()
}

// raw is the baseline's full result for reports, or nil when its sidecar is missing or
// does not belong to it (the comparison never needs it).
func (s *stored) raw(path string) *result.Result {
	if s == nil {
		return nil
	}
	r, err := s.b.RawResult(path)
	if err != nil {
		return nil
	}
	return r
}

func (s *stored) history() []compare.HistoryPoint {
	if s == nil {
		return nil
	}
	return s.b.CompareHistory()
}
