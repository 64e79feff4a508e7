package ghaction

import "fmt"

// RefusedError is a request the Action does not carry out: an input it cannot use, a mode
// the event does not allow, an event it does not handle, a fork's pull request on a
// self-hosted runner. The command line maps it to exit code 2 (bad input).
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

func refusef(format string, args ...any) error {
	return &RefusedError{Err: fmt.Errorf(format, args...)}
}
