package gate

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/git"
	"github.com/stackgate/stackgate/internal/scratch"
)

// runAB measures the base revision opt.Against beside the head in one invocation — built
// from a temporary git work tree, both under the head's suite definition (one definition,
// two revisions of the code) — and judges the head against it with the same rules as
// against a stored baseline. Measuring both on the same machine — at the same time (a
// duet), or taking turns — removes the drift between days that a stored baseline
// carries: the most sensitive mode.
func runAB(ctx context.Context, opt Options) (*Outcome, error) {
	return withBase(ctx, opt, func(opt Options, s *session) error {
		base, head, err := s.first(ctx)
		if head == nil {
			return err
		}
		in := compare.Input{Base: base, Head: head, Mode: compare.ModeAB}
		extend := func(ctx context.Context, only []string, first, runs int) error {
			moreBase, moreHead, err := s.confirm(ctx, only, first, runs)
			appendRuns(in.Base, moreBase)
			appendRuns(in.Head, moreHead)
			return errors.Join(err, saveResult(s.out.ResultPath, in.Head), saveResult(s.out.BaseResultPath, in.Base))
		}
		return finishJudging(ctx, opt, s.out, in, err, extend)
	})
}

// MeasureAB measures the base revision opt.Against beside the head as runAB does, and
// judges nothing: with the work tree at that revision, an A/A series of the A/B design
// (what doctor -noise models).
func MeasureAB(ctx context.Context, opt Options) (*Outcome, error) {
	return withBase(ctx, opt, func(_ Options, s *session) error {
		_, _, err := s.first(ctx)
		return err
	})
}

// withBase checks out opt.Against into a temporary git work tree and opens a session
// measuring it beside the head, both under the head's suite definition, as a duet unless
// opt.Turns or the suite cannot run one. The work tree is removed whatever happens,
// interrupts included.
func withBase(ctx context.Context, opt Options, use func(Options, *session) error) (out *Outcome, err error) {
	out = &Outcome{}
	parent, err := scratch.New("", false) // owned: a killed invocation's work tree is found and removed
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(parent)
	wt, err := git.AddWorktree(ctx, opt.Suite.Dir, opt.Against, parent)
	if err != nil {
		return out, err
	}
	defer func() { err = errors.Join(err, removeWorktree(wt)) }()
	headSuite := *opt.Suite
	headSuite.Duet = !opt.Turns && headSuite.CheckDuet() == nil
	opt.Suite = &headSuite
	baseSuite := headSuite
	if baseSuite.Dir, err = wt.Within(opt.Suite.Dir); err != nil {
		return out, err
	}
	err = openSession(ctx, opt, out, &baseSuite, func(s *session) error { return use(opt, s) })
	return out, err
}

func removeWorktree(wt *git.Worktree) error {
	if err := wt.Remove(); err != nil {
		return fmt.Errorf("removing the base revision's work tree %s: %w", wt.Path, err)
	}
	return nil
}
