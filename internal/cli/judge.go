package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/report"
)

// judgeFlags decide how a verdict becomes an exit code and what may be compared.
type judgeFlags struct {
	failOn          string
	allowDefinition bool
	allowMachine    bool
}

func (j *judgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&j.failOn, "fail-on", "regression", "what fails the command: `regression`, and optionally warn and/or inconclusive (comma-separated)")
	fs.BoolVar(&j.allowDefinition, "allow-definition-change", false, "compare even when the suite definition differs from the baseline's (a warning instead)")
	fs.BoolVar(&j.allowMachine, "allow-other-machine", false, "compare even when the baseline was recorded on another machine (a warning instead)")
}

// failOn says which levels besides fail make the command fail.
type failOn struct{ warn, inconclusive bool }

func parseFailOn(s string) (failOn, error) {
	var f failOn
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "regression", "fail", "":
		case "warn":
			f.warn = true
		case "inconclusive":
			f.inconclusive = true
		default:
			return f, usageErrorf("-fail-on %q: use regression, warn or inconclusive (comma-separated)", part)
		}
	}
	return f, nil
}

// code is the exit code of one level (DESIGN §7).
func (f failOn) code(l compare.Level) int {
	switch {
	case l == compare.Error:
		return ExitNotMeasured
	case l == compare.Fail, l == compare.Warn && f.warn:
		return ExitRegression
	case l == compare.Inconclusive && f.inconclusive:
		return ExitInconclusive
	}
	return ExitOK
}

// worseExit orders exit codes for "the worst wins": 3 > 1 > 4 > 0.
func worseExit(a, b int) int {
	rank := map[int]int{ExitOK: 0, ExitInconclusive: 1, ExitRegression: 2, ExitNotMeasured: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// gateError is a verdict that fails the command.
type gateError struct {
	code   int
	level  compare.Level
	reason string
}

func (g *gateError) Error() string { return fmt.Sprintf("%s: %s", g.level, g.reason) }

// verdictExit returns nil when the verdict passes, or a *gateError carrying the exit code:
// the worst over the verdict and every scenario.
func verdictExit(v *compare.Verdict, f failOn) error {
	code := f.code(v.Level)
	for _, sc := range v.Scenarios {
		code = worseExit(code, f.code(sc.Level))
	}
	if code == ExitOK {
		return nil
	}
	return &gateError{code: code, level: v.Level, reason: report.Headline(v)}
}
