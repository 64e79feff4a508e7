package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// runAll measures every planned (run, scenario) pair in order; in A/B mode both revisions
// in turn, alternating which goes first from run to run (ABBA), so that a drift of the
// machine during the invocation weighs on both alike — or, in a duet, both at once.
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
		if m.suite.Duet && len(m.sides) == 2 {
			if err := m.runDuet(ctx, step.Scenario, sc, n, seq, total); err != nil {
				return err
			}
			seq += 2
			continue
		}
		for _, s := range turnOrder(m.sides, n) {
			seq++
			if err := m.runSide(ctx, s, step.Scenario, sc, n, seq, total, nil); err != nil {
				return err
			}
		}
	}
	for _, s := range m.sides {
		if err := unmeasured(s); err != nil {
			return err
		}
	}
	return nil
}

// runSide measures run n of scenario sc (index i) on side s and adds it to the side's
// result; seq is its place among the batch's total runs. together, when not nil, is
// called before each phase (see runOne).
func (m *measurement) runSide(ctx context.Context, s *side, i int, sc config.Scenario, n, seq, total int, together func(context.Context) error) error {
	b := m.batch
	m.emit(Event{Kind: RunStart, Side: s.name, Step: seq, Steps: total, Run: n, Scenario: sc.Name, Confirming: b.Confirming})
	run, err := m.runOne(ctx, s, sc, n, together)
	run.Seq = seq
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Side: s.name, Scenario: sc.Name, Run: n, Err: err}
	}
	scen := &s.res.Scenarios[i]
	scen.Runs = append(scen.Runs, run)
	m.emit(Event{Kind: RunDone, Side: s.name, Step: seq, Steps: total, Run: n, Scenario: sc.Name, Metrics: run.Metrics, Confirming: b.Confirming})
	return nil
}

// runDuet measures run n of scenario sc on both sides at the same time: each side's stack
// on its own database copy and addresses, their warm-up, throughput and latency phases
// started together (a barrier before each), so that whatever else the machine does in
// those seconds weighs on both alike — the pair's ratio cancels it (Bulej et al., "Duet
// Benchmarking", 2020). When one side fails, the other is stopped and the failure is
// returned.
func (m *measurement) runDuet(ctx context.Context, i int, sc config.Scenario, n, seq, total int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	meet := newBarrier(len(m.sides))
	errs := make([]error, len(m.sides))
	var wg sync.WaitGroup
	for k, s := range turnOrder(m.sides, n) { // who starts first alternates, as in turns
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = m.runSide(ctx, s, i, sc, n, seq+k+1, total, meet.wait)
			if errs[k] != nil {
				cancel(errs[k]) // the other side stops too
			}
		}()
	}
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // the side that failed first (the other one then saw its ctx end)
	}
	return errors.Join(errs...)
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
// In a duet, together (else nil) waits for the other side before each phase, so that the
// phases of both run over the same seconds.
func (m *measurement) runOne(ctx context.Context, s *side, sc config.Scenario, n int, together func(context.Context) error) (result.Run, error) {
	run := result.Run{Run: n, Started: time.Now().UTC(), Logs: map[string]string{}}
	phase := func(name string) { m.emit(Event{Kind: Phase, Side: s.name, Run: n, Scenario: sc.Name, Phase: name}) }
	meet := func(name string) error {
		if together != nil {
			if err := together(ctx); err != nil {
				return err
			}
		}
		phase(name)
		return nil
	}

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
		CPUs:        m.suite.Load.CPUs,
	}
	// Each phase is a load.Run of its own, and a closed loop returns only once its last
	// requests are answered (its drain): the next phase starts with nothing of the one
	// before in the stack's queues, and the throughput phase's work is not counted as the
	// latency phase's.
	var warm *load.Result
	if d := m.suite.Load.Warmup.Duration; d > 0 {
		if err := meet("warmup"); err != nil {
			return run, err
		}
		wo := opts
		wo.Duration = d
		if warm, err = load.Run(ctx, req, wo); err != nil {
			return run, fmt.Errorf("warm-up: %w", err)
		}
	}

	if err := meet("throughput"); err != nil {
		return run, err
	}
	tpOpts := opts
	tpOpts.Duration = m.suite.Load.Duration.Duration
	tp, tpUse, err := m.measurePhase(ctx, s, st, "throughput", req, tpOpts)
	if err != nil {
		return run, err
	}

	if err := meet("latency"); err != nil {
		return run, err
	}
	latOpts := tpOpts
	latOpts.Rate = m.suite.ScenarioRate(sc)
	lat, latUse, err := m.measurePhase(ctx, s, st, "latency", req, latOpts)
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
	run, err = record(run, opts.Connections, latOpts.Rate, measured{tp, tpUse}, measured{lat, latUse})
	if m.suite.Duet {
		// One database server serves both stacks at once: its CPU is not this side's alone.
		delete(run.Metrics, metric.DBCPUPerRequest)
	}
	return run, err
}

// startChecked starts run n of scenario sc on side s: it resets the database, starts the
// stack and checks that the endpoint answers correctly, reporting each step to phase. It
// returns the stack (also with an error, to be stopped) and the URL to load.
func (m *measurement) startChecked(ctx context.Context, s *side, sc config.Scenario, n int, logs map[string]string, phase func(string)) (*stack.Stack, string, error) {
	phase("start")
	if err := m.db.ResetFrom(ctx, s.database, s.template); err != nil {
		return nil, "", fmt.Errorf("resetting the database: %w", err)
	}
	st, err := m.startStack(ctx, s, sc.Name, n, logs)
	if err != nil {
		return nil, "", err
	}
	phase("check")
	target := s.targetURL(m.suite, sc)
	return st, target, checkEndpoint(ctx, target, sc, m.suite.Load.Timeout.Duration)
}

// measurePhase runs one timed phase of side s while watching what its stack and the
// database use (in a duet, not the database server's CPU, which both sides share).
func (m *measurement) measurePhase(ctx context.Context, s *side, st *stack.Stack, name string, req load.Request, opts load.Options) (*load.Result, *result.Resources, error) {
	dbPID := m.db.PID()
	if m.suite.Duet {
		dbPID = 0
	}
	w, err := startWatch(ctx, pidsOf(st), dbPID, s.monitor)
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
		if len(sp.CPUs) == 0 {
			sp.CPUs = m.stackCPUs
		}
		sp.Addr = s.addrs[p.Name]
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

// targetURL is the URL of scenario sc on side s's stack.
func (s *side) targetURL(suite *config.Suite, sc config.Scenario) string {
	return "http://" + s.addrs[suite.Load.Target] + sc.Path
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

// barrier lets n goroutines wait for each other, again and again: the sides of a duet
// before each phase.
type barrier struct {
	mu      sync.Mutex
	n       int
	waiting int
	open    chan struct{} // closed when the current round is complete
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

// wait returns when all n have called it in this round, or with ctx's error when ctx ends
// first (a side that failed never arrives: its failure cancels the others' ctx).
func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.waiting++
	open := b.open
	if b.waiting == b.n {
		close(open)
		b.waiting, b.open = 0, make(chan struct{})
	}
	b.mu.Unlock()
	select {
	case <-open:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
