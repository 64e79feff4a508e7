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

// Options of a measuring session (Open).
type Options struct {
	Suite      *config.Suite // profile already applied
	OutDir     string        // kept: logs go under OutDir/logs
	ScratchDir string        // {workdir}: builds, database files, sockets; removed by the caller
	Env        []string      // environment every command and process starts from (stack.Environ)
	// Only limits the session to these scenarios (nil: all): shard Shard ("i/n") of a
	// matrix, recorded in the results.
	Only     []string
	Shard    string
	Runner   string      // runner name for the fingerprint
	Tool     string      // "stackgate <version>"
	Progress func(Event) // may be nil
	// Base, for A/B mode, is the base revision's copy of the suite: the same definition
	// (the head's), with Dir in a work tree of the base revision. Both revisions are then
	// measured in turn, run by run and scenario by scenario (ABBA), on one database server;
	// each builds its own code and loads its own dataset.
	Base *config.Suite
}

// Batch is what one Session.Measure runs: the first stage of a gate, or its confirmation.
type Batch struct {
	Runs int    // runs of each scenario
	Seed uint64 // seeds the shuffled scenario order
	// FirstRun numbers the batch's runs (0 means 1): confirmation runs continue the
	// numbering of the first stage's.
	FirstRun int
	// Only limits the batch to some of the session's scenarios (nil: all of them).
	Only []string
	// Confirming marks the confirmation stage: a Confirm event starts it, and its runs'
	// events say so.
	Confirming bool
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
	// Confirming: the run belongs to the confirmation stage (a Confirm event, whose Steps
	// are its runs and Detail its scenarios, came first).
	Confirming bool
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
	Confirm
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

// Session is a provisioned suite — every side built, the database running with every
// side's dataset loaded — on which Measure runs batches of runs: the first stage of a gate
// and its confirmation stage measure on one and the same setup.
type Session struct {
	m   *measurement
	err error // why provisioning failed (nil when it did not)
}

// Open provisions opt's suite and calls use with a session on it; everything it started
// stops when use returns. When provisioning fails, use still gets a session, whose Measure
// returns results saying why (incomplete) with the error, so that the failure is recorded
// like any other; Open then returns use's error.
func Open(ctx context.Context, opt Options, use func(*Session) error) error {
	m := &measurement{opt: opt, suite: opt.Suite, logs: filepath.Join(opt.OutDir, "logs")}
	if opt.Base != nil {
		m.sides = append(m.sides, newSide(opt, Base, opt.Base, filepath.Join(m.logs, Base)))
	}
	m.sides = append(m.sides, newSide(opt, Head, opt.Suite, m.logs))
	used := false
	err := m.provision(ctx, func() error {
		used = true
		return use(&Session{m: m})
	})
	if used {
		return err
	}
	return use(&Session{m: m, err: measureError(ctx, err)})
}

// Measure runs batch and returns each side's result, the base revision's first in A/B
// mode. It always returns them: on failure, or when ctx ends, it stops what it started and
// returns what was measured so far (Complete false, Error saying why) with the error — a
// *Error, or ctx's error when interrupted.
func (s *Session) Measure(ctx context.Context, b Batch) ([]*result.Result, error) {
	m := s.m
	m.batch = b
	for _, sd := range m.sides {
		sd.res = m.newResult(ctx, sd.suite)
	}
	err := s.err
	if err == nil {
		err = measureError(ctx, m.runAll(ctx))
	}
	var results []*result.Result
	for _, sd := range m.sides {
		results = append(results, finish(ctx, sd.res, err))
	}
	return results, err
}

// measureError is how a failure to measure is reported: ctx's error when it ended, else a
// *Error.
func measureError(ctx context.Context, err error) error {
	var be *Error
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && !errors.As(err, &be):
		return &Error{Err: err}
	}
	return err
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

func newSide(opt Options, name string, suite *config.Suite, logs string) *side {
	s := &side{name: name, suite: suite, logs: logs, workdir: filepath.Join(opt.ScratchDir, name),
		template: opt.Suite.Database.Name + "_" + name, database: opt.Suite.Database.Name}
	if opt.Suite.Duet && name == Base {
		s.database += "_duet" // both stacks run at once: the base's gets a database of its own
	}
	s.vars = map[string]string{"workdir": s.workdir, "configdir": suite.Dir}
	return s
}

// newResult fills in what is known before a batch: identity, definition (always the
// head's: one definition, two revisions), machine, and the code of suite's directory.
func (m *measurement) newResult(ctx context.Context, suite *config.Suite) *result.Result {
	opt := m.opt
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
	r.Fingerprint.PostgreSQL = m.postgreSQL
	for _, sc := range opt.Suite.Scenarios {
		r.AllScenarios = append(r.AllScenarios, sc.Name)
	}
	if g, err := git.Describe(ctx, suite.Dir); err == nil {
		r.Git = g
	} else {
		r.Warnings = append(r.Warnings, result.Warning{Message: err.Error()})
	}
	for _, sc := range m.scenarios() {
		r.Scenarios = append(r.Scenarios, result.Scenario{Name: sc.Name})
	}
	return r
}

// emit reports e; the sides of a duet report from two goroutines, one event at a time.
func (m *measurement) emit(e Event) {
	if m.opt.Progress != nil {
		m.emitting.Lock()
		defer m.emitting.Unlock()
		m.opt.Progress(e)
	}
}

// scenarios are the scenarios of the session, in suite order.
func (opt Options) scenarios() []config.Scenario {
	return selected(opt.Suite.Scenarios, opt.Only)
}

// scenarios are the scenarios of the batch being measured, in suite order.
func (m *measurement) scenarios() []config.Scenario {
	return selected(m.opt.scenarios(), m.batch.Only)
}

// selected are the scenarios named in only (all of them for nil), in their order.
func selected(all []config.Scenario, only []string) []config.Scenario {
	if only == nil {
		return all
	}
	var out []config.Scenario
	for _, sc := range all {
		if slices.Contains(only, sc.Name) {
			out = append(out, sc)
		}
	}
	return out
}
