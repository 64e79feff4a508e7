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
	ExitSIGHUP       = 129
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
	var intr interrupted
	switch {
	case errors.As(context.Cause(ctx), &intr):
		// Interrupted, even if the work finished meanwhile: a cancelled job must not look
		// like a passing gate.
		switch intr.sig {
		case syscall.SIGTERM:
			return ExitSIGTERM
		case syscall.SIGHUP:
			return ExitSIGHUP
		}
		return ExitSIGINT
	case err == nil || errors.Is(err, flag.ErrHelp):
		return ExitOK
	}
	return errorCode(err)
}

// errorCode is the exit code of a failure. An error made of several (errors.Join, or one
// wrapping another) takes the worst code of its parts: could not measure (3) beats bad
// input or output (2), which beats a verdict's own code — a measurement that failed and
// then could not even be saved still says it could not measure. A failure of no known
// kind could not measure either: never 0, never mistaken for a regression.
func errorCode(err error) int {
	measured, badInput, verdict := false, false, -1
	walkErrors(err, func(e error) {
		switch kind := e.(type) {
		case *gateError:
			verdict = kind.code
		case *bench.Error:
			measured = true
		case *usageError, *config.Error, *result.FileError, *badInputError, *gate.OutputError, *git.RefError, *ghaction.RefusedError:
			// gate.OutputError: the output directory given is unusable (read-only, full, not
			// a directory); RefusedError: the Action's inputs or event do not allow the run
			// (a fork on a self-hosted runner, record on a pull request).
			badInput = true
		}
		switch e {
		case git.ErrNotRepository:
			badInput = true
		case result.ErrNotMergeable, result.ErrPartial:
			measured = true // the shards given are not one whole measurement
		}
	})
	switch {
	case measured:
		return ExitNotMeasured
	case badInput:
		return ExitBadInput
	case verdict >= 0:
		return verdict
	}
	return ExitNotMeasured
}

// walkErrors calls visit for err and every error it wraps, depth first.
func walkErrors(err error, visit func(error)) {
	if err == nil {
		return
	}
	visit(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walkErrors(e, visit)
		}
	}
}
