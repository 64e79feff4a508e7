// Command sensitivity measures what the gate can see on this machine: it makes a throwaway
// git repository holding a stack whose revisions differ only by a known cost per request,
// runs K invocations of `stackgate run -against` for each cost (0: an A/A, unchanged code),
// in shuffled order, and prints per cost the share of invocations that flagged a
// regression (warn or fail), the false alarms of the A/A, the measured change and the time
// per invocation. It also re-judges the same runs with alternative analyses (see
// analyses), so one set of measurements compares the designs.
//
//	go run ./bench/sensitivity -stack refstack -costs 0,1,2,4 -k 5 -designs duet,pinned
//	go run ./bench/sensitivity -scenario slow -knob delay -costs 0,1000 -designs duet
//
// The stacks: refstack (the reference stack's /db; the cost is REFSTACK_CPU_US, or with
// -knob delay REFSTACK_DELAY for a latency-bound scenario, read from a file of each
// revision's own tree, so A/B mode sees a code change) and flask (the Flask example's /db;
// the cost is CPU burnt in a WSGI middleware, read the same way). It needs PostgreSQL's
// server binaries, and Debian's Flask and Gunicorn for the flask stack.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

type config struct {
	stack    string
	scenario string
	knob     string // refstack: what the cost is, "cpu" (µs of CPU) or "delay" (µs of sleep)
	costs    []int  // µs of CPU per request added by the head revision
	k        int
	runs     int
	extra    []string
	out      string
	seed     uint64
	keep     bool
	confirm  bool     // false: no confirmation stage (gate.max_runs = runs), so every design judges the same runs
	analyze  string   // a directory of earlier invocations (-out) to print the table of, measuring nothing
	designs  []string // "turns" (A/B, ABBA), "duet" (A/B, the default), "pinned" (a duet with the CPUs partitioned) and/or "stored" (against a baseline recorded first)
	records  int      // with "stored": how many times the baseline is recorded, in a row, before the trials
}

// trial is one planned invocation: a cost under a design.
type trial struct {
	cost   int
	design string
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sensitivity:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parseFlags(args)
	if err != nil {
		return err
	}
	if c.analyze != "" {
		return analyzeOnly(out, c)
	}
	work, err := os.MkdirTemp("", "sensitivity-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "stackgate")
	if err := command(ctx, "", nil, "go", "build", "-o", bin, "./cmd/stackgate"); err != nil {
		return fmt.Errorf("building stackgate: %w", err)
	}
	repo, err := makeRepository(ctx, c, filepath.Join(work, "repo"))
	if err != nil {
		return fmt.Errorf("making the throwaway repository: %w", err)
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	if slices.Contains(c.designs, "stored") {
		if err := recordBaseline(ctx, c, bin, repo, out); err != nil {
			return err
		}
	}
	plan := shuffled(c)
	fmt.Fprintf(out, "stack %s, scenario %s, costs %v µs, designs %v, %d invocations each (%d in all), in shuffled order; results in %s\n",
		c.stack, c.scenario, c.costs, c.designs, c.k, len(plan), c.out)
	var all []invocation
	for i, t := range plan {
		inv, err := invoke(ctx, c, bin, repo, t, i+1)
		if err != nil {
			return err
		}
		all = append(all, inv)
		fmt.Fprintf(out, "  %3d/%d  %s\n", i+1, len(plan), inv.line())
		if err := appendJSON(filepath.Join(c.out, "invocations.jsonl"), inv); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	printTable(out, c, all)
	return nil
}

func parseFlags(args []string) (config, error) {
	var c config
	var costs, extra, designs string
	fs := flag.NewFlagSet("sensitivity", flag.ContinueOnError)
	fs.StringVar(&c.stack, "stack", "refstack", "the stack: refstack or flask")
	fs.StringVar(&c.scenario, "scenario", "db", "the scenario measured")
	fs.StringVar(&c.knob, "knob", "cpu", "refstack: what the head's cost is, cpu (µs of CPU burnt per request, REFSTACK_CPU_US) or delay (µs slept per request, REFSTACK_DELAY: latency without CPU, for the p99 of a latency-bound scenario such as slow)")
	fs.StringVar(&costs, "costs", "0,1,2,4", "µs of CPU per request the head adds, comma-separated (0: A/A)")
	fs.IntVar(&c.k, "k", 5, "invocations per cost")
	fs.IntVar(&c.runs, "runs", 0, "runs per side of each invocation (0: the suite's gate.runs)")
	fs.StringVar(&extra, "args", "", "more flags for stackgate run, space-separated")
	fs.StringVar(&c.out, "out", "sensitivity-out", "`directory` for the invocations' results and a JSON line per invocation")
	fs.Uint64Var(&c.seed, "seed", uint64(time.Now().UnixNano()), "seed of the shuffled order")
	fs.BoolVar(&c.keep, "keep", false, "keep the throwaway repository")
	fs.StringVar(&designs, "designs", "turns", "how the gate measures, comma-separated: turns (A/B, ABBA, run -turns), duet (A/B, the default), pinned (a duet with [load] cpus = [0]: the load generator on CPU 0, the stacks and PostgreSQL on the rest) and/or stored (against a baseline of cost 0 recorded before the trials); several are interleaved in one shuffled plan")
	fs.IntVar(&c.records, "records", 3, "with -designs stored: how many times the baseline is recorded in a row before the trials (its history estimates drift)")
	fs.StringVar(&c.analyze, "analyze", "", "print the table of the invocations recorded in `directory` (an earlier -out) and measure nothing")
	fs.BoolVar(&c.confirm, "confirm", true, "let the gate add confirmation runs (false: the designs judge the same fixed runs)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, f := range strings.Split(costs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return c, fmt.Errorf("-costs %q: want µs as whole numbers ≥ 0", costs)
		}
		c.costs = append(c.costs, n)
	}
	for _, d := range strings.Split(designs, ",") {
		if d = strings.TrimSpace(d); !slices.Contains([]string{"turns", "duet", "pinned", "stored"}, d) {
			return c, fmt.Errorf("-designs %q: turns, duet, pinned and/or stored", designs)
		}
		c.designs = append(c.designs, strings.TrimSpace(d))
	}
	if c.stack != "refstack" && c.stack != "flask" {
		return c, fmt.Errorf("-stack %q: refstack or flask", c.stack)
	}
	if c.knob != "cpu" && (c.knob != "delay" || c.stack != "refstack") {
		return c, fmt.Errorf("-knob %q: cpu, or delay with -stack refstack", c.knob)
	}
	c.extra = strings.Fields(extra)
	var err error
	if c.out, err = filepath.Abs(c.out); err != nil {
		return c, err
	}
	return c, nil
}

// analyzeOnly prints the table of the invocations an earlier harness run recorded.
func analyzeOnly(out io.Writer, c config) error {
	data, err := os.ReadFile(filepath.Join(c.analyze, "invocations.jsonl"))
	if err != nil {
		return err
	}
	var all []invocation
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var inv invocation
		if err := dec.Decode(&inv); err != nil {
			return fmt.Errorf("%s: %w", c.analyze, err)
		}
		if inv.Err == "" { // judged again, with this build's gate
			inv.analyze(c.scenario, filepath.Join(c.analyze, "baselines"))
		}
		all = append(all, inv)
	}
	fmt.Fprintf(out, "%d invocations recorded in %s\n\n", len(all), c.analyze)
	printTable(out, c, all)
	return nil
}

// shuffled is every cost under every design k times, in an order that does not let a
// drift of the machine line up with one cost or design.
func shuffled(c config) []trial {
	var plan []trial
	for range c.k {
		for _, d := range c.designs {
			for _, cost := range c.costs {
				plan = append(plan, trial{cost, d})
			}
		}
	}
	rng := rand.New(rand.NewPCG(c.seed, 1))
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

// invoke checks out the revision with the trial's cost and runs stackgate: against the base
// revision (cost 0) in A/B mode, measuring as the trial's design says, or against the
// stored baseline.
func invoke(ctx context.Context, c config, bin, repo string, t trial, n int) (invocation, error) {
	cost := t.cost
	inv := invocation{N: n, Cost: cost, Design: t.design, Dir: filepath.Join(c.out, fmt.Sprintf("inv-%03d-%s-cost-%d", n, t.design, cost))}
	if err := command(ctx, repo, nil, "git", "checkout", "-q", revision(cost)); err != nil {
		return inv, err
	}
	args := []string{"run", "-out", inv.Dir, "-config", filepath.Join(repo, suiteFile(t.design))}
	switch t.design {
	case "stored":
		args = append(args, "-baselines", baselineDir(c))
	case "turns":
		args = append(args, "-against", revision(0), "-turns")
	default:
		args = append(args, "-against", revision(0))
	}
	start := time.Now()
	exit, err := stackgate(ctx, c, bin, repo, inv.Dir+".log", args)
	if err != nil {
		return inv, err
	}
	inv.Seconds, inv.Exit = time.Since(start).Seconds(), exit
	inv.analyze(c.scenario, baselineDir(c))
	return inv, nil
}

// recordBaseline records the stored design's baseline from the revision of cost 0,
// c.records times in a row, so that its history holds as many recordings of that code.
func recordBaseline(ctx context.Context, c config, bin, repo string, out io.Writer) error {
	if err := command(ctx, repo, nil, "git", "checkout", "-q", revision(0)); err != nil {
		return err
	}
	for i := range c.records {
		dir := filepath.Join(c.out, fmt.Sprintf("record-%d", i+1))
		start := time.Now()
		exit, err := stackgate(ctx, c, bin, repo, dir+".log", []string{"baseline", "update", "-out", dir, "-baselines", baselineDir(c), "-config", filepath.Join(repo, suiteFile("stored"))})
		if err == nil && exit != 0 {
			err = fmt.Errorf("exit %d (see %s.log)", exit, dir)
		}
		if err != nil {
			return fmt.Errorf("recording the baseline: %w", err)
		}
		fmt.Fprintf(out, "  baseline recorded (%d/%d), %.0f s\n", i+1, c.records, time.Since(start).Seconds())
	}
	return nil
}

// baselineDir holds the stored design's baseline.
func baselineDir(c config) string { return filepath.Join(c.out, "baselines") }

// stackgate runs the stackgate binary in repo with the harness's common flags, its output
// to logPath, and returns its exit code.
func stackgate(ctx context.Context, c config, bin, repo, logPath string, args []string) (int, error) {
	args = append(args, "-runner", "sensitivity", "-lock-timeout", "2h")
	if c.runs > 0 {
		args = append(args, "-runs", strconv.Itoa(c.runs))
	}
	args = append(args, c.extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = repo
	log, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

// suiteFile is the suite a design measures with: the pinned design's partitions the CPUs.
func suiteFile(design string) string {
	if design == "pinned" {
		return pinnedSuite
	}
	return "stackgate.toml"
}

// revision names the commit of a cost.
func revision(cost int) string { return fmt.Sprintf("cost-%d", cost) }

func command(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func appendJSON(path string, v any) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	return json.NewEncoder(f).Encode(v)
}
