package gate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/result"
)

// Update is what `baseline update` changed.
type Update struct {
	Path     string
	Old, New *baseline.Baseline // Old is nil for a first baseline
	Outcome  *Outcome           // the measurement, when one was made
}

// UpdateBaseline promotes a result to the suite's baseline: the result file at from, or,
// when from is "", a new measurement. An incomplete measurement never becomes a baseline.
func UpdateBaseline(ctx context.Context, opt Options, from string) (*Update, error) {
	u := &Update{Path: opt.BaselinePath()}
	var res *result.Result
	if from != "" {
		r, err := result.Read(from)
		if err != nil {
			return u, err
		}
		res = r
	} else {
		u.Outcome = &Outcome{}
		_, r, err := measure(ctx, opt, u.Outcome, nil, nil, 1, opt.runs())
		if err != nil {
			return u, err
		}
		res = r
	}
	old, updated, err := baseline.Update(u.Path, res, time.Now())
	u.Old, u.New = old, updated
	return u, err
}

// CompareFiles judges the result at headPath against basePath, which may be a result file
// or a baseline file, and writes the verdict into outDir.
func CompareFiles(basePath, headPath, outDir string, rules compare.Rules) (*Outcome, error) {
	in := compare.Input{Mode: "baseline"}
	b, err := baseline.Read(basePath)
	switch {
	case err == nil:
		in.Base, in.History = b.Result(), b.CompareHistory()
	case errors.Is(err, result.ErrSchema):
		if in.Base, err = result.Read(basePath); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		return nil, &result.FileError{Path: basePath, Err: err}
	default:
		return nil, err
	}
	if in.Head, err = result.Read(headPath); err != nil {
		return nil, err
	}
	if err := result.Whole(in.Head, headPath); err != nil {
		return nil, err
	}
	out := &Outcome{Result: in.Head, ResultPath: headPath, Verdict: compare.Compare(in, rules)}
	return out, writeVerdict(out, outDir, in.Base)
}

// Judge compares head, a result measured earlier (e.g. merged from the shards of a matrix),
// with base — the base revision's result measured beside it in A/B mode — or, when base is
// nil, with the suite's stored baseline, as Run would have right after measuring, and
// writes the result and verdict files into opt.OutDir. Nothing is measured, so there is no
// confirmation stage.
func Judge(opt Options, base, head *result.Result) (*Outcome, error) {
	out := &Outcome{Result: head}
	if err := errors.Join(result.Whole(head, "the result judged"), wholeBase(base)); err != nil {
		return out, err
	}
	in := compare.Input{Base: base, Head: head, Mode: compare.ModeAB}
	if base == nil {
		out.BaselinePath = opt.BaselinePath()
		stored, err := opt.readBaseline(out.BaselinePath)
		if err != nil {
			return out, err
		}
		in = compare.Input{Base: stored.result(), Head: head, History: stored.history(), Mode: compare.ModeBaseline}
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return out, &OutputError{fmt.Errorf("creating the output directory: %w", err)}
	}
	if err := out.save(opt.OutDir, base, head); err != nil {
		return out, err
	}
	out.Verdict = compare.Compare(in, opt.rules())
	return out, writeVerdict(out, opt.OutDir, in.Base)
}

func wholeBase(base *result.Result) error {
	if base == nil {
		return nil
	}
	return result.Whole(base, "the base revision's result")
}
