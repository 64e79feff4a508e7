package gate

import "context"

// Measure runs the suite and writes its result file into opt.OutDir without judging it:
// no baseline is read and no verdict is written. `stackgate doctor -noise` measures its
// A/A series this way, through the same path (lock, scratch directory, result file) as
// Run.
func Measure(ctx context.Context, opt Options) (*Outcome, error) {
	out := &Outcome{}
	err := openSession(ctx, opt, out, nil, func(s *session) error {
		_, _, err := s.first(ctx)
		return err
	})
	return out, err
}
