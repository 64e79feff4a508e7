package gate

import "context"

// Measure runs the suite and writes its result file into opt.OutDir without judging it:
// no baseline is read and no verdict is written. `stackgate doctor -noise` measures its
// A/A series this way, through the same path (lock, scratch directory, result file) as
// Run.
func Measure(ctx context.Context, opt Options) (*Outcome, error) {
	out := &Outcome{}
	_, _, err := measure(ctx, opt, out, nil, nil, 1, opt.runs())
	return out, err
}
