package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Stack is processes started in order (each ready before the next starts) and stopped in
// reverse. The zero value is an empty stack.
type Stack struct {
	procs []*proc
}

// Start starts procs in order, waiting for each to be ready before starting the next.
// ctx bounds the start only; the processes run until Stop. On failure Start stops whatever
// it started and returns a *ProcessError naming the process that failed.
func Start(ctx context.Context, procs []Process) (*Stack, error) {
	if err := validateStack(procs); err != nil {
		return nil, err
	}
	s := &Stack{}
	for _, p := range procs {
		if ctx.Err() != nil {
			return nil, s.abort(&ProcessError{Name: p.Name, Reason: "not started: " + ctx.Err().Error(), LogPath: p.LogPath, Err: ctx.Err()})
		}
		if p.Addr != "" {
			if err := CheckFree(p.Addr); err != nil {
				return nil, s.abort(&ProcessError{Name: p.Name, Reason: "cannot start: " + err.Error(), LogPath: p.LogPath, Err: err})
			}
		}
		pr, err := launch(p)
		if err != nil {
			return nil, s.abort(err)
		}
		s.procs = append(s.procs, pr)
		if err := pr.waitReady(ctx); err != nil {
			return nil, s.abort(err)
		}
	}
	return s, nil
}

func validateStack(procs []Process) error {
	seen := make(map[string]bool, len(procs))
	for _, p := range procs {
		if err := p.validate(); err != nil {
			return invalid(p, err)
		}
		if seen[p.Name] {
			return invalid(p, errors.New("duplicate name"))
		}
		seen[p.Name] = true
	}
	return nil
}

// abort stops what was started and returns cause as a *ProcessError, mentioning a stop
// that failed too.
func (s *Stack) abort(cause error) error {
	var pe *ProcessError
	if !errors.As(cause, &pe) {
		pe = &ProcessError{Reason: cause.Error(), Err: cause}
	}
	if err := s.Stop(); err != nil {
		pe.Reason += fmt.Sprintf("; stopping the processes already started also failed: %v", err)
		pe.Err = errors.Join(pe.Err, err)
	}
	return pe
}

// Stop stops the processes in reverse order of start. It is idempotent, safe after a
// partial start, and never hangs; the error lists processes that could not be stopped.
func (s *Stack) Stop() error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, pr := range slices.Backward(s.procs) {
		errs = append(errs, pr.stop())
	}
	return errors.Join(errs...)
}

// Check returns nil while every process is alive; otherwise a *ProcessError for the first
// that is not (exited mid-run, with its log tail).
func (s *Stack) Check() error {
	if s == nil {
		return nil
	}
	for _, pr := range s.procs {
		if err := pr.check(); err != nil {
			return err
		}
	}
	return nil
}

// PIDs maps each process name to its pid, which is also its process group id, for
// resource sampling of the whole tree.
func (s *Stack) PIDs() map[string]int {
	pids := make(map[string]int)
	if s == nil {
		return pids
	}
	for _, pr := range s.procs {
		pids[pr.Name] = pr.pid
	}
	return pids
}
