// Package bench orchestrates one invocation's measurement: build the stack once, start the
// managed PostgreSQL and load the dataset once, then for each run and each scenario (in a
// shuffled order) reset the database, restart the stack, check the endpoint answers
// correctly, warm up, measure throughput (closed loop) and latency (open loop at the fixed
// rate), and stop the stack. It returns a result.Result; it never prints — progress is
// reported through a callback.
package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/git"
	"github.com/stackgate/stackgate/internal/machine"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// Options of one measurement.
type Options struct {
	Suite      *config.Suite // profile already applied
	Runs       int
	OutDir     string   // kept: logs go under OutDir/logs
	ScratchDir string   // {workdir}: builds, database files, sockets; removed by the caller
	Env        []string // environment every command and process starts from (os.Environ())
	Seed       uint64   // seeds the shuffled scenario order
	// Only limits the measurement to these scenarios (nil: all), numbering runs from
	// FirstRun (0 means 1): how the gate adds confirmation runs to some scenarios.
	Only     []string
	FirstRun int
	// Shard is the "i/n" of a matrix job whose scenarios Only holds ("" for a whole suite),
	// recorded in the result.
	Shard    string
	Runner   string      // runner name for the fingerprint
	Tool     string      // "stackgate <version>"
	Progress func(Event) // may be nil
	// Base, for A/B mode, is the base revision's copy of the suite: the same definition
	// (the head's), with Dir in a work tree of the base revision. See MeasureAB.
	Base *config.Suite
}

// Sides of a measurement.
const (
	Head = "head"
	Base = "base"
)

// Event reports progress to the caller (the CLI shows it).
type Event struct {
	Kind     EventKind
	Side     string // Head or Base (A/B mode)
	Step     int    // build or setup step number, or position in the plan
	Steps    int    // total build/setup steps, or total planned runs
	Run      int    // run number of the scenario
	Scenario string
	Phase    string // "start", "check", "throughput", "latency"
	Detail   string
	Metrics  map[string]float64 // RunDone: the run's samples
}

// EventKind says what an Event is about.
type EventKind int

const (
	Build EventKind = iota
	DatabaseStart
	DatabaseSetup
	RunStart
	Phase
	RunDone
)

// Error is a failure to measure: the stack or the database failed, an endpoint answered
// wrongly, or the generator could not drive the load. The CLI maps it to exit code 3.
type Error struct {
	Side     string // Head or Base
	Scenario string
	Run      int
	Err      error
}

func (e *Error) Error() string {
	if e.Scenario == "" {
		return fmt.Sprintf("could not measure: %v", e.Err)
	}
	which := ""
	if e.Side == Base {
		which = "the base revision's "
	}
	return fmt.Sprintf("could not measure %sscenario %q (run %d): %v", which, e.Scenario, e.Run, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Measure runs the suite. It always returns a Result: on failure, or when ctx ends, it
// stops everything it started and returns what was measured so far (Complete false, Error
// saying why) with the error — a *Error, or ctx's error when interrupted.
func Measure(ctx context.Context, opt Options) (*result.Result, error) {
	opt.Base = nil
	results, err := measureSides(ctx, opt)
	return results[0], err
}

// MeasureAB measures the base revision (opt.Base) and the head (opt.Suite) in one
// invocation, run by run and scenario by scenario in alternating order, on one database
// server; each revision builds its own code and loads its own dataset. Like Measure, it
// always returns both results.
func MeasureAB(ctx context.Context, opt Options) (base, head *result.Result, err error) {
	if opt.Base == nil {
		return nil, nil, errors.New("A/B measurement without a base revision")
	}
	results, err := measureSides(ctx, opt)
	return results[0], results[1], err
}

func measureSides(ctx context.Context, opt Options) ([]*result.Result, error) {
	m := &measurement{opt: opt, suite: opt.Suite, logs: filepath.Join(opt.OutDir, "logs")}
	if opt.Base != nil {
		m.sides = append(m.sides, newSide(ctx, opt, Base, opt.Base, filepath.Join(m.logs, Base)))
	}
	m.sides = append(m.sides, newSide(ctx, opt, Head, opt.Suite, m.logs))
	err := m.measure(ctx)
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case err != nil:
		var be *Error
		if !errors.As(err, &be) {
			err = &Error{Err: err}
		}
	}
	var results []*result.Result
	for _, s := range m.sides {
		results = append(results, finish(ctx, s.res, err))
	}
	return results, err
}

// finish closes a side's result: complete, or why not.
func finish(ctx context.Context, r *result.Result, err error) *result.Result {
	r.Finished = time.Now().UTC()
	switch {
	case ctx.Err() != nil:
		r.Error = "interrupted: " + context.Cause(ctx).Error()
	case err != nil:
		r.Error = err.Error()
	default:
		r.Complete = true
	}
	return r
}

func newSide(ctx context.Context, opt Options, name string, suite *config.Suite, logs string) *side {
	s := &side{name: name, suite: suite, logs: logs, workdir: filepath.Join(opt.ScratchDir, name),
		template: opt.Suite.Database.Name + "_" + name, res: newResult(ctx, opt, suite)}
	s.vars = map[string]string{"workdir": s.workdir, "configdir": suite.Dir}
	return s
}

// newResult fills in what is known before measuring: identity, definition (always the
// head's: one definition, two revisions), machine, and the code of suite's directory.
func newResult(ctx context.Context, opt Options, suite *config.Suite) *result.Result {
	def := opt.Suite.Definition()
	r := &result.Result{
		Schema:         result.Schema,
		Tool:           opt.Tool,
		Suite:          opt.Suite.Suite,
		Profile:        opt.Suite.Profile,
		DefinitionHash: def.Hash(),
		Definition:     def,
		Fingerprint:    machine.Fingerprint(os.DirFS("/"), opt.Runner),
		Environment:    stack.Recorded(opt.Env),
		Started:        time.Now().UTC(),
		Shard:          opt.Shard,
	}
	for _, sc := range opt.Suite.Scenarios {
		r.AllScenarios = append(r.AllScenarios, sc.Name)
	}
	if g, err := git.Describe(ctx, suite.Dir); err == nil {
		r.Git = g
	} else {
		r.Warnings = append(r.Warnings, result.Warning{Message: err.Error()})
	}
	for _, sc := range opt.scenarios() {
		r.Scenarios = append(r.Scenarios, result.Scenario{Name: sc.Name})
	}
	return r
}

func (m *measurement) emit(e Event) {
	if m.opt.Progress != nil {
		m.opt.Progress(e)
	}
}

// scenarios are the scenarios this measurement covers, in suite order.
func (opt Options) scenarios() []config.Scenario {
	if opt.Only == nil {
		return opt.Suite.Scenarios
	}
	var out []config.Scenario
	for _, sc := range opt.Suite.Scenarios {
		if slices.Contains(opt.Only, sc.Name) {
			out = append(out, sc)
		}
	}
	return out
}
