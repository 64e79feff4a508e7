package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"strings"
)

// Exit statuses of refstack.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake in the command line or the environment: exit
// status 2 instead of 1.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run is refstack's main, with the process's outside world passed in.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		writeHelp(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return help(rest, stdout, stderr)
	}
	c, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(stderr, "refstack: unknown command %q (run \"refstack help\")\n", name)
		return exitUsage
	}
	return runCommand(ctx, c, rest, stdout, stderr, getenv)
}

// command is one subcommand: its flags, its help and what it does.
type command struct {
	name string
	// flags defines the command's flags on fs and returns the function
	// that runs the command once they are parsed.
	flags func(fs *flag.FlagSet) func(ctx context.Context, env environment) error
	// about is written after the flags in the command's help.
	about func(w io.Writer)
}

// environment is what a command may touch besides its flags.
type environment struct {
	stdout io.Writer
	getenv func(string) string
	logger *log.Logger
}

// findCommand looks a subcommand up by name.
func findCommand(name string) (command, bool) {
	for _, c := range []command{serveCommand, seedCommand} {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func runCommand(ctx context.Context, c command, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet(c.name, stderr)
	runIt := c.flags(fs)
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		writeCommandHelp(stdout, c)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "run \"refstack %s -h\" for usage\n", c.name)
		return exitUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "refstack %s: unexpected arguments %q (run \"refstack %s -h\")\n", c.name, fs.Args(), c.name)
		return exitUsage
	}
	logger := log.New(stderr, "refstack: ", log.LstdFlags)
	err := runIt(ctx, environment{stdout: stdout, getenv: getenv, logger: logger})
	if err == nil {
		return exitOK
	}
	// Joined errors (every invalid knob) get a log line each.
	for line := range strings.SplitSeq(err.Error(), "\n") {
		logger.Print(line)
	}
	if errors.As(err, new(usageError)) {
		return exitUsage
	}
	return exitFailure
}

// newFlagSet returns a flag set that reports parse errors on stderr and
// leaves -h to the caller.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("refstack "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeHelp(stdout)
		return exitOK
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "refstack help: unknown command %q\n", args[0])
		return exitUsage
	}
	writeCommandHelp(stdout, c)
	return exitOK
}

func writeCommandHelp(w io.Writer, c command) {
	fs := newFlagSet(c.name, w)
	c.flags(fs)
	fmt.Fprintf(w, "Usage of refstack %s:\n\n", c.name)
	fs.PrintDefaults()
	fmt.Fprintln(w)
	c.about(w)
}

// databaseFlag defines -database-url, shared by every command.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", "", "PostgreSQL URL or keyword/value string (default $DATABASE_URL)")
}

// databaseURL is the flag's value, or $DATABASE_URL when the flag is empty.
func databaseURL(flagValue string, getenv func(string) string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := getenv("DATABASE_URL"); v != "" {
		return v, nil
	}
	return "", usageErrorf("no database: set DATABASE_URL or -database-url")
}

// checkRange refuses a flag value outside lo..hi.
func checkRange(flagName string, v, lo, hi int) error {
	if v < lo || v > hi {
		return usageErrorf("-%s %d: want %d..%d", flagName, v, lo, hi)
	}
	return nil
}
