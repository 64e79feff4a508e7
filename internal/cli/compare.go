package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/gate"
)

func compareCommand(_ context.Context, e *env, args []string) error {
	var j judgeFlags
	fs := newFlags(e, "compare", "[flags] BASE.json HEAD.json")
	file := fs.String("config", "", "suite `file` whose [gate] rules apply (default: stackgate.toml when present, else the built-in rules)")
	out := fs.String("out", "stackgate-out", "`directory` for the verdict file")
	verbose := fs.Bool("v", false, "show every metric in the verdict")
	j.register(fs)
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 2 {
		return usageErrorf("compare takes two files, the baseline (a result or baseline file) and the head result: stackgate compare BASE.json HEAD.json")
	}
	failOn, err := parseFailOn(j.failOn)
	if err != nil {
		return err
	}
	rules, err := gateRules(*file)
	if err != nil {
		return err
	}
	rules.AllowDefinitionChange, rules.AllowOtherMachine = j.allowDefinition, j.allowMachine
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return &gate.OutputError{Err: err}
	}
	o, err := gate.CompareFiles(fs.Arg(0), fs.Arg(1), *out, rules)
	if o == nil {
		return err
	}
	o.ResultPath = ""
	return showOutcome(e, o, err, failOn, *verbose)
}

// gateRules reads the [gate] rules of the config file, of ./stackgate.toml when none is
// named and it exists, or falls back to the built-in rules.
func gateRules(file string) (compare.Rules, error) {
	if file == "" {
		if _, err := os.Stat(config.DefaultFile); errors.Is(err, fs.ErrNotExist) {
			return compare.RulesFromConfig(config.DefaultGate()), nil
		}
		file = config.DefaultFile
	}
	suite, err := config.Read(file)
	if err != nil {
		return compare.Rules{}, err
	}
	return compare.RulesFromConfig(suite.Gate), nil
}
