package ghaction

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// job is one invocation's work once the plan is known.
type job struct {
	env  Env
	w    *workflow
	in   Inputs
	ev   *event
	plan plan
	rep  *Report

	api      *api
	apiTried bool
}

// prepared is a suite ready to judge or record.
type prepared struct {
	opt  gate.Options
	head *result.Result // shard results merged, judged instead of measuring (nil: measure)
	// base is, in mode ab with results, the base revision's results of the shards merged:
	// what head is judged against.
	base  *result.Result
	notes []string // shown under the verdict line
}

func (p *prepared) note(n string) {
	if n != "" {
		p.notes = append(p.notes, n)
	}
}

// gate judges the code: measures (or merges the shards' results) and publishes the verdict.
func (j *job) gate(ctx context.Context) error {
	p, err := j.prepare(ctx)
	if errors.Is(err, result.ErrNotMergeable) {
		return j.publishUnmeasured(ctx, p, err) // a shard job failed: fail closed, visibly
	}
	if err != nil {
		return err
	}
	var out *gate.Outcome
	if p.head != nil {
		out, err = j.env.Gate.Judge(p.opt, p.base, p.head)
	} else {
		out, err = j.env.Gate.Run(ctx, p.opt)
	}
	j.rep.Outcome = out
	if out == nil || out.Verdict == nil {
		return err // nothing was judged (bad input): there is no verdict to publish
	}
	if p.head == nil {
		p.note(j.measuredNote(ctx))
	}
	if perr := j.publish(ctx, out, p.notes); perr != nil {
		err = errors.Join(err, perr)
	}
	return err
}

// publishUnmeasured publishes an error verdict when the shards' results are not one whole
// measurement (one is missing, given twice, of another definition): the pull request shows
// why, and the job fails with exit 3 — never a pass on the shards that are there.
func (j *job) publishUnmeasured(ctx context.Context, p *prepared, cause error) error {
	v := compare.NotMeasured(p.opt.Suite.Suite, cause.Error())
	out := &gate.Outcome{Verdict: v}
	if err := mkdirAll(j.in.OutDir); err != nil {
		return errors.Join(cause, err)
	}
	out.VerdictPath = filepath.Join(j.in.OutDir, compare.VerdictFile)
	if err := result.WriteJSON(out.VerdictPath, v); err != nil {
		return errors.Join(cause, &gate.OutputError{Err: fmt.Errorf("saving the verdict: %w", err)})
	}
	j.rep.Outcome = out
	return errors.Join(cause, j.publish(ctx, out, p.notes))
}

// record writes a new baseline into the workspace, for the workflow to commit.
func (j *job) record(ctx context.Context) error {
	if j.in.Shard != "" {
		return refusef("mode record with a shard: a baseline needs every scenario; record the merged results of the shards with the results input")
	}
	p, err := j.prepare(ctx)
	if err != nil {
		return err
	}
	from := ""
	if p.head != nil {
		if from, err = saveResult(j.in.OutDir, p.head); err != nil {
			return err
		}
	}
	u, err := j.env.Gate.UpdateBaseline(ctx, p.opt, from)
	if u != nil && u.Outcome == nil && from != "" {
		u.Outcome = &gate.Outcome{Result: p.head, ResultPath: from}
	}
	j.rep.Update = u
	if err != nil {
		return err
	}
	j.rep.Verdict = "recorded"
	var b strings.Builder
	if err := report.BaselineUpdate(&b, u.Path, u.Old, u.New); err != nil {
		return err
	}
	summary := fmt.Sprintf("### stackgate: new baseline for %s\n\n````text\n%s````\n\nCommit %s (through a pull request or a bot commit) for the gate to use it.\n",
		report.EscapeMarkdown(p.opt.Suite.Suite), b.String(), report.EscapeMarkdown(u.Path))
	return errors.Join(j.w.summary(summary), j.w.annotate(levelNotice, "stackgate", "recorded the baseline "+u.Path))
}

// prepare reads the suite, applies the base commit's gate rules and baseline on pull
// requests and merge groups, and selects the shard or merges the shards' results. When the
// shards' results are not one whole measurement, it returns the suite with the error (the
// job publishes that as an error verdict).
func (j *job) prepare(ctx context.Context) (*prepared, error) {
	suite, err := config.Read(j.in.Config)
	if err != nil {
		return nil, err
	}
	p := &prepared{}
	var base *baseCommit
	if j.plan.baseSHA != "" {
		if base, err = openBase(ctx, j.env.Git, j.plan.baseSHA); err != nil {
			return nil, err
		}
		notes, err := base.rules(ctx, suite)
		if err != nil {
			return nil, err
		}
		p.notes = append(p.notes, notes...)
	}
	p.opt = gate.Options{
		Suite: suite, OutDir: j.in.OutDir, Baselines: j.in.BaselineDir,
		Seed: uint64(j.env.Now().UnixNano()), Env: stack.Environ(j.env.Environ), Tool: j.env.Tool,
		LockPath: j.env.Getenv(lock.PathEnv), Progress: j.env.Progress,
	}
	if base != nil {
		// Pull requests and merge groups: a scenario dropped from the suite must not take its
		// regression with it.
		p.opt.Removed = compare.Removed{Level: compare.Fail,
			Hint: fmt.Sprintf("record a baseline on the default branch first, or accept it with the label %q", j.in.AcceptLabel)}
	}
	if j.in.Results != "" {
		if p.head, p.base, err = mergeResults(j.in.Results, j.plan.ab); err != nil {
			return p, err
		}
	}
	if j.in.Quick || (p.head != nil && p.head.Profile == config.ProfileQuick) {
		p.opt.Suite = suite.WithQuick()
	}
	p.opt.Runner = j.runner(p.opt.Suite, p.head)
	if p.opt.Scenarios, p.opt.Shard, err = bench.ShardScenarios(j.in.Shard, suite.Scenarios); err != nil {
		return nil, &RefusedError{Err: fmt.Errorf("input %w", err)}
	}
	if base == nil {
		return p, nil
	}
	// The base commit decides: its baseline, never the pull request's own, whatever the mode.
	p.opt.ReadBaseline = base.baselineReader(ctx)
	if j.plan.ab {
		if p.head == nil {
			p.opt.Against = j.plan.baseSHA // measured beside the head: no stored baseline
		}
		return p, nil
	}
	note, err := base.baselineNote(ctx, p.opt.BaselinePath())
	if err != nil {
		return nil, err
	}
	p.note(note)
	return p, nil
}

// runner names the baselines' machine: the runner-name input, $STACKGATE_RUNNER, the
// config's runner, the machine the merged results were measured on, the host name.
func (j *job) runner(suite *config.Suite, head *result.Result) string {
	measured := ""
	if head != nil {
		measured = head.Fingerprint.Runner
	}
	return firstNonEmpty(j.in.RunnerName, j.env.Getenv("STACKGATE_RUNNER"), suite.Runner, measured, hostname())
}

// mergeResults merges the result files the patterns (separated by white space) match, and
// with ab the base revision's results the same shard jobs wrote beside them. Patterns that
// match nothing mean the shards' results are missing: not one whole measurement.
func mergeResults(patterns string, ab bool) (head, base *result.Result, err error) {
	var paths []string
	for _, pat := range strings.Fields(patterns) {
		matches, err := filepath.Glob(pat)
		if err != nil {
			return nil, nil, refusef("input results: %q is not a file pattern: %v", pat, err)
		}
		if len(matches) == 0 {
			return nil, nil, fmt.Errorf("%w: input results: %q matches no file — every shard job failed, or their results were not downloaded", result.ErrNotMergeable, pat)
		}
		sort.Strings(matches)
		paths = append(paths, matches...)
	}
	if head, err = result.MergeFiles(paths...); err != nil || !ab {
		return head, nil, err
	}
	var bases []string
	for _, p := range paths {
		b := filepath.Join(filepath.Dir(p), gate.BaseResultFile)
		if _, err := os.Stat(b); err != nil {
			return nil, nil, fmt.Errorf("%w: mode ab with results: %s has no %s beside it, the base revision's result of its shard job (run the shard jobs in mode ab too, and upload their whole output directory)", result.ErrNotMergeable, p, gate.BaseResultFile)
		}
		bases = append(bases, b)
	}
	if base, err = result.MergeFiles(bases...); err != nil {
		return nil, nil, fmt.Errorf("mode ab with results: the shard jobs' base revision results (%s beside each result): %w", gate.BaseResultFile, err)
	}
	return head, base, nil
}

func saveResult(dir string, r *result.Result) (string, error) {
	path := filepath.Join(dir, result.FileName)
	if err := mkdirAll(dir); err != nil {
		return "", err
	}
	if err := result.Write(path, r); err != nil {
		return "", &gate.OutputError{Err: fmt.Errorf("saving the merged result: %w", err)}
	}
	return path, nil
}

// measuredNote says which commit a pull request's run measured: actions/checkout checks
// out the merge commit, and pull_request_target the base branch unless told otherwise.
func (j *job) measuredNote(ctx context.Context) string {
	pr := j.plan.pr
	if pr == nil {
		return ""
	}
	out, err := j.env.Git(ctx, "rev-parse", "HEAD")
	if err != nil {
		return ""
	}
	rev, head, base := strings.TrimSpace(out), pr.GetHead().GetSHA(), pr.GetBase().GetSHA()
	switch rev {
	case head:
		return fmt.Sprintf("Measured the pull request's head %s.", short(rev))
	case base:
		return fmt.Sprintf("Measured %s, the base commit, not the pull request: check out the pull request's merge commit or head (pull_request_target checks out the base by default).", short(rev))
	}
	return fmt.Sprintf("Measured %s, the merge of the pull request's head %s into %s.", short(rev), short(head), pr.GetBase().GetRef())
}
