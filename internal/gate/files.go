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
	"github.com/stackgate/stackgate/internal/config"
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
		if err := promotable(r, opt.Suite); err != nil {
			return u, &result.FileError{Path: from, Err: err}
		}
		res = r
	} else {
		u.Outcome = &Outcome{}
		err := openSession(ctx, opt, u.Outcome, nil, func(s *session) error {
			_, r, err := s.first(ctx)
			res = r
			return err
		})
		if err != nil {
			return u, err
		}
	}
	old, updated, err := baseline.Update(u.Path, res, time.Now())
	u.Old, u.New = old, updated
	return u, err
}

// promotable says why the result r, read from a file, cannot become suite's baseline: it
// is another suite's or profile's (it would be filed under this suite's name), or it is
// not a complete measurement with runs.
func promotable(r *result.Result, suite *config.Suite) error {
	switch {
	case r.Suite != suite.Suite:
		return fmt.Errorf("a result of suite %q, not of %q (%s): give a result of this suite, or the -config of its own", r.Suite, suite.Suite, suite.File)
	case r.Profile != suite.Profile:
		return fmt.Errorf("a %s result, not a %s one: %s results make %s baselines (-quick selects the quick profile)", r.Profile, suite.Profile, r.Profile, r.Profile)
	}
	return baseline.Promotable(r)
}

// CompareFiles judges the result at headPath against basePath, which may be a result file
// or a baseline file, and writes the verdict into outDir.
func CompareFiles(basePath, headPath, outDir string, rules compare.Rules) (*Outcome, error) {
	in := compare.Input{Mode: "baseline"}
	b, err := baseline.Read(basePath)
	var schema *result.SchemaError
	switch {
	case err == nil:
		in.Base, in.History = b.Result(), b.CompareHistory()
	case errors.As(err, &schema) && !schema.SameKind(): // not a baseline: a result?
		if in.Base, err = result.Read(basePath); err != nil {
			if errors.As(err, &schema) && !schema.SameKind() {
				err = &result.FileError{Path: basePath, Err: fmt.Errorf("%w: this is %s, not a result or a baseline file", result.ErrSchema, schema.What())}
			}
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
