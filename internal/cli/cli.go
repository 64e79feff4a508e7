// Package cli is stackgate's command line: subcommands, flags, what the user sees, and the
// single table that turns errors into exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/stack"
)

// Version is stackgate's version, set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "v0.1.0-dev"

// env is what a command may read of the outside world besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]command{
	"run":      {"benchmark the stack and gate it against its baseline", runCommand},
	"compare":  {"compare two result (or baseline) files without running anything", compareCommand},
	"baseline": {"record the baseline: baseline update [-from result.json]", baselineCommand},
	"export":   {"write a result in another format: export -format benchfmt RESULT.json", exportCommand},
	"validate": {"check a config file without running anything", validateCommand},
	"version":  {"print stackgate's version", versionCommand},
	"action":   {"the GitHub Action's entry point (action.yml runs it; inputs from INPUT_*)", actionCommand},
	"merge":    {"combine the results of shards (run -shard i/n): merge -o OUT.json RESULT.json...", mergeCommand},
	"load":     {"send HTTP load to a URL and report throughput, errors and latency", loadCommand},
	"doctor":   {"check the runner's tuning; -noise: measure its noise and what the gate can detect", doctorCommand},
}

// startsProcesses are the commands that start a stack, PostgreSQL or build steps.
var startsProcesses = map[string]bool{"run": true, "baseline": true, "action": true, "doctor": true}

// Main runs stackgate with args (without the program name) and returns the exit code.
// SIGINT, SIGTERM and SIGHUP cancel the work in progress; everything started is cleaned up
// before Main returns 130, 143 or 129.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := withSignals(ctx, stderr)
	defer stop()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	err := dispatchSafely(ctx, e, args)
	stop() // from here the cause is settled: the code and the message agree
	code := exitCode(ctx, err)
	var intr interrupted
	switch {
	case errors.As(context.Cause(ctx), &intr):
		// Also when the work finished meanwhile: the exit code says interrupted, so does
		// the message.
		fmt.Fprintf(stderr, "stackgate: %v: stopped everything it had started\n", intr)
	case err == nil || errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintf(stderr, "stackgate: %v\n", err)
	}
	return code
}

// dispatchSafely turns a panic into an error after the deferred cleanups on the way up
// have run (processes stopped, directories removed): a broken tool exits 3, it never dies
// with a stack trace that looks like anything else, and never leaves the stack running.
func dispatchSafely(ctx context.Context, e *env, args []string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &bench.Error{Err: fmt.Errorf("internal error (please report it): %v\n%s", p, debug.Stack())}
		}
	}()
	return dispatch(ctx, e, args)
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return usageErrorf("no command given")
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(e.stderr)
		return usageErrorf("unknown command %q", args[0])
	}
	if startsProcesses[args[0]] {
		// Before anything is started: a daemon that leaves its session is adopted, so
		// stopping the stack finds it.
		if err := stack.BecomeSubreaper(); err != nil {
			return err
		}
	}
	return cmd.run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "stackgate benchmarks a whole web stack (load generator → app → PostgreSQL) and gates regressions.")
	fmt.Fprintln(w, "\nUsage: stackgate <command> [flags]   (stackgate <command> -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nstackgate runs on Linux (it reads /proc and uses process groups).")
}

// newFlags makes a command's flag set; errors are returned, and -h prints to stdout.
func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: stackgate %s %s\n\nFlags:\n", name, args)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// parseFlags parses args and refuses positional arguments the command does not take.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (flags go before it? see stackgate %s -h)", fs.Arg(0), fs.Name())
	}
	return nil
}

// flagError makes a flag parsing error a usage error (-h stays flag.ErrHelp).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageErrorf("%v", err)
}

// interrupted records which signal cancelled the context.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted by " + signalName(i.sig) }

func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return "SIGINT"
}

// withSignals cancels ctx with an interrupted cause on SIGINT, SIGTERM or SIGHUP (the
// terminal or the session went away: Go's default would die on the spot). Later signals
// do not cut the cleanup short (that would leave processes running): they are answered
// with a note that stackgate is stopping.
func withSignals(parent context.Context, stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for first := true; ; first = false {
			select {
			case s := <-sigs:
				if first {
					cancel(interrupted{sig: s})
				} else {
					fmt.Fprintln(stderr, "stackgate: stopping the processes it started and writing the partial result; this takes a few seconds")
				}
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			cancel(nil)
		})
	}
}

func versionCommand(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "stackgate %s\n", Version)
	return err
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
