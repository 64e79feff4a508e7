package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/result"
)

func TestExitCode(t *testing.T) {
	sigint, cancelInt := context.WithCancelCause(context.Background())
	cancelInt(interrupted{sig: os.Interrupt})
	sigterm, cancelTerm := context.WithCancelCause(context.Background())
	cancelTerm(interrupted{sig: syscall.SIGTERM})
	sighup, cancelHup := context.WithCancelCause(context.Background())
	cancelHup(interrupted{sig: syscall.SIGHUP})
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
		{"shards that are not one measurement", bg, fmt.Errorf("%w: shard 2/3 is missing", result.ErrNotMergeable), ExitNotMeasured},
		// Joined errors: the worst wins, and "could not measure" beats bad output.
		{"could not measure, then could not save", bg, errors.Join(&bench.Error{Err: errors.New("crashed")}, &gate.OutputError{Err: errors.New("disk full")}), ExitNotMeasured},
		{"bad output first, then could not measure", bg, errors.Join(&gate.OutputError{Err: errors.New("disk full")}, fmt.Errorf("confirming: %w", &bench.Error{Err: errors.New("crashed")})), ExitNotMeasured},
		{"a regression that could not be saved", bg, errors.Join(&gateError{code: ExitRegression}, &gate.OutputError{Err: errors.New("disk full")}), ExitBadInput},
		{"a regression", bg, &gateError{code: ExitRegression}, ExitRegression},
		{"SIGINT", sigint, context.Canceled, ExitSIGINT},
		{"SIGTERM", sigterm, &bench.Error{Err: context.Canceled}, ExitSIGTERM},
		{"SIGHUP", sighup, nil, ExitSIGHUP},
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
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut, testGetenv)
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
		// Refused before anything starts (the bad -shard would be found next).
		{[]string{"run", "-runs", "5000", "-shard", "3/3", "-config", e2eSuite}, ExitBadInput, "", "-runs 5000: give a number of runs from 1 to 1000"},
		{[]string{"doctor", "-noise", "-runs", "1001", "-config", e2eSuite}, ExitBadInput, "", "-runs 1001: give a number of runs from 1 to 1000"},
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

// e2eSuite is the end-to-end tests' suite: two scenarios, sub-second phases.
var e2eSuite = filepath.Join("..", "..", "cmd", "stackgate", "testdata", "e2e.toml")

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

// Every flag the README's command list shows exists on that command (docs are tested like
// code), and the README opens with the main job and the test command.
func TestREADMECommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	_, first, _ := strings.Cut(readme, "```sh\n")
	first, _, _ = strings.Cut(first, "```")
	lines := strings.Split(strings.TrimSpace(first), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "go run ./cmd/stackgate run") || !strings.HasPrefix(lines[1], "go test") {
		t.Errorf("the README must open with the main job and the test command, got:\n%s", first)
	}
	_, list, _ := strings.Cut(readme, "## Commands\n\n```\n")
	list, _, _ = strings.Cut(list, "```")
	cmd := ""
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "stackgate" {
			cmd = fields[1]
		}
		if cmd == "" {
			continue
		}
		args := []string{cmd, "-h"}
		if cmd == "baseline" {
			args = []string{"baseline", "update", "-h"}
		}
		_, help, _ := run(args...)
		for _, m := range flagPattern.FindAllStringSubmatch(line, -1) {
			f := m[1]
			if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") && !strings.Contains(help, "  "+f+"\t") {
				t.Errorf("README shows %s for %s, but %s has no such flag", f, cmd, cmd)
			}
		}
	}
}

var flagPattern = regexp.MustCompile(`(?:^|[\s\[])(-[a-z][a-z-]*)`)
