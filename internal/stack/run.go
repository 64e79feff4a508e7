package stack

import (
	"context"
)

// Run runs a one-shot command (build step, initdb, data loading) to completion, with the
// same Process fields (Ready ignored); a non-zero exit, a signal or a timeout via ctx is a
// *ProcessError. Whatever the command leaves running in its process group is stopped too.
func Run(ctx context.Context, p Process) error {
	p.Ready = Ready{}
	if ctx.Err() != nil {
		return &ProcessError{Name: p.Name, Reason: "not started: " + ctx.Err().Error(), LogPath: p.LogPath, Err: ctx.Err()}
	}
	pr, err := launch(p)
	if err != nil {
		return err
	}
	select {
	case <-pr.done:
	case <-ctx.Done():
		return pr.failAndStop("canceled ("+ctx.Err().Error()+")", ctx.Err())
	}
	if err := pr.stop(); err != nil {
		return pr.failure("left processes behind: "+err.Error(), err)
	}
	if !pr.succeeded() {
		return pr.failure(pr.exitDescription(), pr.waitErr)
	}
	return nil
}
