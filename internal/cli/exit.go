package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"syscall"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/ghaction"
	"github.com/stackgate/stackgate/internal/git"
	"github.com/stackgate/stackgate/internal/result"
)

// Exit codes (DESIGN §7). A broken tool must never look like a passing gate.
const (
	ExitOK           = 0
	ExitRegression   = 1
	ExitBadInput     = 2
	ExitNotMeasured  = 3
	ExitInconclusive = 4
	ExitSIGINT       = 130
	ExitSIGTERM      = 143
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// badInputError is input stackgate cannot use (a file, a setting) that is not a config
// error already.
type badInputError struct{ err error }

func (e *badInputError) Error() string { return e.err.Error() }
func (e *badInputError) Unwrap() error { return e.err }

// exitCode is the one place where errors become exit codes.
func exitCode(ctx context.Context, err error) int {
	var (
		intr    interrupted
		use     *usageError
		cfg     *config.Error
		file    *result.FileError
		bad     *badInputError
		bench   *bench.Error
		out     *gate.OutputError
		gated   *gateError
		refused *ghaction.RefusedError
		ref     *git.RefError
	)
	switch {
	case errors.As(context.Cause(ctx), &intr):
		// Interrupted, even if the work finished meanwhile: a cancelled job must not look
		// like a passing gate.
		if intr.sig == syscall.SIGTERM {
			return ExitSIGTERM
		}
		return ExitSIGINT
	case err == nil || errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &gated):
		return gated.code
	case errors.As(err, &use), errors.As(err, &cfg), errors.As(err, &file), errors.As(err, &bad), errors.As(err, &out),
		errors.As(err, &ref), errors.Is(err, git.ErrNotRepository),
		errors.As(err, &refused):
		// out: the output directory given is unusable (read-only, full, not a directory);
		// refused: the Action's inputs or event do not allow the run (a fork on a
		// self-hosted runner, record on a pull request).
		return ExitBadInput
	case errors.As(err, &bench):
		return ExitNotMeasured
	}
	// Anything else is a failure to measure: never 0, never mistaken for a regression.
	return ExitNotMeasured
}
