package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// runAll measures every planned (run, scenario) pair in order; in A/B mode both revisions
// in turn, alternating which goes first from run to run (ABBA), so that a drift of the
// machine during the invocation weighs on both alike.
func (m *measurement) runAll(ctx context.Context) error {
	b := m.batch
	scenarios := m.scenarios()
	first := max(b.FirstRun, 1)
	plan := Plan(len(scenarios), b.Runs, b.Seed)
	total, seq := len(plan)*len(m.sides), 0
	if b.Confirming {
		m.emit(Event{Kind: Confirm, Steps: total, Detail: scenarioNames(scenarios)})
	}
	for _, step := range plan {
		sc := scenarios[step.Scenario]
		n := first + step.Run - 1
		for _, s := range turnOrder(m.sides, n) {
			seq++
			m.emit(Event{Kind: RunStart, Side: s.name, Step: seq, Steps: total, Run: n, Scenario: sc.Name, Confirming: b.Confirming})
			run, err := m.runOne(ctx, s, sc, n)
			run.Seq = seq
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return &Error{Side: s.name, Scenario: sc.Name, Run: n, Err: err}
			}
			scen := &s.res.Scenarios[step.Scenario]
			scen.Runs = append(scen.Runs, run)
			m.emit(Event{Kind: RunDone, Side: s.name, Step: seq, Steps: total, Run: n, Scenario: sc.Name, Metrics: run.Metrics, Confirming: b.Confirming})
		}
	}
	for _, s := range m.sides {
		if err := unmeasured(s); err != nil {
			return err
		}
	}
	return nil
}

// scenarioNames is "db, json".
func scenarioNames(scenarios []config.Scenario) string {
	names := make([]string, len(scenarios))
	for i, sc := range scenarios {
		names[i] = sc.Name
	}
	return strings.Join(names, ", ")
}

// turnOrder is the order of the sides in run n: base then head in odd runs, head then base
// in even ones.
func turnOrder(sides []*side, n int) []*side {
	if len(sides) < 2 || n%2 == 1 {
		return sides
	}
	return []*side{sides[1], sides[0]}
}

// runOne measures one scenario on a freshly reset database and a freshly started stack.
func (m *measurement) runOne(ctx context.Context, s *side, sc config.Scenario, n int) (result.Run, error) {
	run := result.Run{Run: n, Started: time.Now().UTC(), Logs: map[string]string{}}
	phase := func(name string) { m.emit(Event{Kind: Phase, Side: s.name, Run: n, Scenario: sc.Name, Phase: name}) }

	st, target, err := m.startChecked(ctx, s, sc, n, run.Logs, phase)
	if st != nil {
		defer st.Stop()
	}
	if err != nil {
		return run, err
	}
	timeout := m.suite.Load.Timeout.Duration
	req := load.Request{Method: sc.Method, URL: target, Header: sc.Headers, Body: []byte(sc.Body)}
	opts := load.Options{
		Connections: m.suite.ScenarioConnections(sc),
		Timeout:     timeout,
		Check:       load.Check{Status: sc.Expect.Status, BodyContains: sc.Expect.BodyContains},
	}
	// Each phase is a load.Run of its own, and a closed loop returns only once its last
	// requests are answered (its drain): the next phase starts with nothing of the one
	// before in the stack's queues, and the throughput phase's work is not counted as the
	// latency phase's.
	var warm *load.Result
	if d := m.suite.Load.Warmup.Duration; d > 0 {
		phase("warmup")
		wo := opts
		wo.Duration = d
		if warm, err = load.Run(ctx, req, wo); err != nil {
			return run, fmt.Errorf("warm-up: %w", err)
		}
	}

	phase("throughput")
	tpOpts := opts
	tpOpts.Duration = m.suite.Load.Duration.Duration
	tp, tpUse, err := m.measurePhase(ctx, st, "throughput", req, tpOpts)
	if err != nil {
		return run, err
	}

	phase("latency")
	latOpts := tpOpts
	latOpts.Rate = m.suite.ScenarioRate(sc)
	lat, latUse, err := m.measurePhase(ctx, st, "latency", req, latOpts)
	if err != nil {
		return run, err
	}
	// The answers must still be right after the load: a stack that degrades into wrong
	// answers under load was not measured.
	if err := checkEndpoint(ctx, target, sc, timeout); err != nil {
		return run, fmt.Errorf("after the timed phases: %w", err)
	}
	if err := st.Stop(); err != nil {
		return run, fmt.Errorf("stopping the stack: %w", err)
	}
	for _, w := range notes(warm, tp, lat, latOpts.Rate) {
		s.res.Warnings = append(s.res.Warnings, result.Warning{Scenario: sc.Name, Run: n, Message: w})
	}
	return record(run, opts.Connections, latOpts.Rate, measured{tp, tpUse}, measured{lat, latUse})
}

// startChecked starts run n of scenario sc on side s: it resets the database, starts the
// stack and checks that the endpoint answers correctly, reporting each step to phase. It
// returns the stack (also with an error, to be stopped) and the URL to load.
func (m *measurement) startChecked(ctx context.Context, s *side, sc config.Scenario, n int, logs map[string]string, phase func(string)) (*stack.Stack, string, error) {
	phase("start")
	if err := m.db.ResetFrom(ctx, m.suite.Database.Name, s.template); err != nil {
		return nil, "", fmt.Errorf("resetting the database: %w", err)
	}
	st, err := m.startStack(ctx, s, sc.Name, n, logs)
	if err != nil {
		return nil, "", err
	}
	phase("check")
	target := m.targetURL(sc)
	return st, target, checkEndpoint(ctx, target, sc, m.suite.Load.Timeout.Duration)
}

// measurePhase runs one timed phase while watching what the stack and the database use.
func (m *measurement) measurePhase(ctx context.Context, st *stack.Stack, name string, req load.Request, opts load.Options) (*load.Result, *result.Resources, error) {
	w, err := startWatch(ctx, pidsOf(st), m.db.PID(), m.monitor)
	if err != nil {
		return nil, nil, fmt.Errorf("%s phase: watching resources: %w", name, err)
	}
	r, err := load.Run(ctx, req, opts)
	use, werr := w.finish(ctx)
	if dbErr := m.db.Check(); dbErr != nil { // the real cause of the errors the stack answered
		return nil, nil, fmt.Errorf("PostgreSQL died during the %s phase: %w", name, dbErr)
	}
	if err := phaseFailed(ctx, st, name, r, err); err != nil {
		return nil, nil, err
	}
	if werr != nil {
		return nil, nil, fmt.Errorf("%s phase: watching resources: %w", name, werr)
	}
	return r, use, nil
}

func pidsOf(st *stack.Stack) []int {
	var pids []int
	for _, pid := range st.PIDs() {
		pids = append(pids, pid)
	}
	return pids
}

// startStack starts every process of a side's stack with its logs under
// <side logs>/run-NN/<scenario>/.
func (m *measurement) startStack(ctx context.Context, s *side, scenario string, n int, logs map[string]string) (*stack.Stack, error) {
	sideLogs, err := filepath.Rel(m.opt.OutDir, s.logs)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(sideLogs, fmt.Sprintf("run-%02d", n), scenario)
	if err := os.MkdirAll(filepath.Join(m.opt.OutDir, dir), 0o755); err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
	var procs []stack.Process
	for _, p := range s.suite.Processes {
		sp, err := s.process(m.opt.Env, p.Name, p.Run, p.Dir, p.Env, m.processVars(s, p.Name))
		if err != nil {
			return nil, err
		}
		rel := filepath.Join(dir, p.Name+".log")
		sp.LogPath = filepath.Join(m.opt.OutDir, rel)
		logs[p.Name] = rel
		sp.User = p.User
		sp.CPUs = p.CPUs
		sp.Addr = m.addrs[p.Name]
		sp.Binds = m.binds
		sp.Grace = p.Grace.Duration
		sp.Ready, err = readiness(p.Ready)
		if err != nil {
			return nil, err
		}
		procs = append(procs, sp)
	}
	return stack.Start(ctx, procs)
}

func (m *measurement) targetURL(sc config.Scenario) string {
	return "http://" + m.addrs[m.suite.Load.Target] + sc.Path
}

// phaseFailed turns what went wrong in a load phase into an error: the phase could not
// run, the stack died during it, or not a single request succeeded (a benchmark of
// nothing but errors measures nothing).
func phaseFailed(ctx context.Context, st *stack.Stack, phase string, r *load.Result, err error) error {
	if err != nil {
		return fmt.Errorf("%s phase: %w", phase, err)
	}
	if err := st.Check(); err != nil {
		return fmt.Errorf("during the %s phase: %w", phase, err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.Requests-r.Errors.Status-r.Errors.Body <= 0 {
		return fmt.Errorf("%s phase: no request succeeded (%s)", phase, describeErrors(r.Errors))
	}
	return nil
}

func describeErrors(e load.Errors) string {
	return fmt.Sprintf("%d connect, %d timeout, %d read/write, %d wrong status, %d wrong body errors",
		e.Connect, e.Timeout, e.IO, e.Status, e.Body)
}

func sortedKeys(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
