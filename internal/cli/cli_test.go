package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/result"
)

func TestExitCode(t *testing.T) {
	sigint, cancelInt := context.WithCancelCause(context.Background())
	cancelInt(interrupted{sig: os.Interrupt})
	sigterm, cancelTerm := context.WithCancelCause(context.Background())
	cancelTerm(interrupted{sig: syscall.SIGTERM})
	bg := context.Background()
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"success", bg, nil, ExitOK},
		{"help", bg, flag.ErrHelp, ExitOK},
		{"usage", bg, usageErrorf("bad flag"), ExitBadInput},
		{"config", bg, &config.Error{File: "x.toml"}, ExitBadInput},
		{"unreadable file", bg, fmt.Errorf("loading: %w", &result.FileError{Path: "b.json", Err: errors.New("x")}), ExitBadInput},
		{"bad input", bg, &badInputError{errors.New("x")}, ExitBadInput},
		{"could not measure", bg, &bench.Error{Err: errors.New("crashed")}, ExitNotMeasured},
		{"unknown failure is never a pass", bg, errors.New("surprise"), ExitNotMeasured},
		{"SIGINT", sigint, context.Canceled, ExitSIGINT},
		{"SIGTERM", sigterm, &bench.Error{Err: context.Canceled}, ExitSIGTERM},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := exitCode(c.ctx, c.err); got != c.want {
				t.Errorf("exitCode = %d, want %d", got, c.want)
			}
		})
	}
}

func run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{nil, ExitBadInput, "Commands:", "no command given"},
		{[]string{"help"}, ExitOK, "Commands:", ""},
		{[]string{"frobnicate"}, ExitBadInput, "", `unknown command "frobnicate"`},
		{[]string{"version"}, ExitOK, "stackgate " + Version, ""},
		{[]string{"run", "-h"}, ExitOK, "-quick", ""},
		{[]string{"run", "-runs", "x"}, ExitBadInput, "", "invalid value"},
		{[]string{"run", "extra"}, ExitBadInput, "", `unexpected argument "extra"`},
		{[]string{"run", "-config", "/nonexistent/stackgate.toml"}, ExitBadInput, "", "/nonexistent/stackgate.toml"},
		{[]string{"validate", "-config", filepath.Join("..", "..", "stackgate.toml")}, ExitOK, `suite "refstack" is valid: 5 scenarios`, ""},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := run(c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
		})
	}
}

func TestRunnerName(t *testing.T) {
	host, _ := os.Hostname()
	e := func(v string) *env { return &env{getenv: func(string) string { return v }} }
	cases := []struct {
		flag, envVar, cfg, want string
	}{
		{"flag", "env", "cfg", "flag"},
		{"", "env", "cfg", "env"},
		{"", "", "cfg", "cfg"},
		{"", "", "", host},
	}
	for _, c := range cases {
		if got := runnerName(e(c.envVar), c.flag, &config.Suite{Runner: c.cfg}); got != c.want {
			t.Errorf("runnerName(%q, %q, %q) = %q, want %q", c.flag, c.envVar, c.cfg, got, c.want)
		}
	}
}
