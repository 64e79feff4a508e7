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
	Runner   string      // runner name for the fingerprint
	Tool     string      // "stackgate <version>"
	Progress func(Event) // may be nil
}

// Event reports progress to the caller (the CLI shows it).
type Event struct {
	Kind     EventKind
	Step     int // build or setup step number, or position in the plan
	Steps    int // total build/setup steps, or total planned runs
	Run      int // run number of the scenario
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
	Scenario string
	Run      int
	Err      error
}

func (e *Error) Error() string {
	if e.Scenario == "" {
		return fmt.Sprintf("could not measure: %v", e.Err)
	}
	return fmt.Sprintf("could not measure scenario %q (run %d): %v", e.Scenario, e.Run, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Measure runs the suite. It always returns a Result: on failure, or when ctx ends, it
// stops everything it started and returns what was measured so far (Complete false, Error
// saying why) with the error — a *Error, or ctx's error when interrupted.
func Measure(ctx context.Context, opt Options) (*result.Result, error) {
	m := &measurement{opt: opt, suite: opt.Suite, logs: filepath.Join(opt.OutDir, "logs"), res: newResult(ctx, opt)}
	err := m.measure(ctx)
	m.res.Finished = time.Now().UTC()
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
		m.res.Error = "interrupted: " + context.Cause(ctx).Error()
	case err != nil:
		var be *Error
		if !errors.As(err, &be) {
			err = &Error{Err: err}
		}
		m.res.Error = err.Error()
	default:
		m.res.Complete = true
	}
	return m.res, err
}

// newResult fills in what is known before measuring: identity, definition, machine, code.
func newResult(ctx context.Context, opt Options) *result.Result {
	def := opt.Suite.Definition()
	r := &result.Result{
		Schema:         result.Schema,
		Tool:           opt.Tool,
		Suite:          opt.Suite.Suite,
		Profile:        opt.Suite.Profile,
		DefinitionHash: def.Hash(),
		Definition:     def,
		Fingerprint:    machine.Fingerprint(os.DirFS("/"), opt.Runner),
		Started:        time.Now().UTC(),
	}
	if g, err := git.Describe(ctx, opt.Suite.Dir); err == nil {
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
