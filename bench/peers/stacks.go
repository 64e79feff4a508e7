package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	sgconfig "github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/scratch"
	"github.com/stackgate/stackgate/internal/stack"
)

// defaultStacks are the stacks of the comparison: the reference stack, the Flask example
// (Gunicorn's sync workers on PostgreSQL) and the plain Gunicorn sync app, each with a
// scenario that does not touch the database and, where there is one, a scenario that does.
const defaultStacks = "stackgate.toml:json,db testdata/stacks/flask/stackgate.toml:json,db testdata/stacks/gunicorn-sync/stackgate.toml:c10,c100"

// stackSpec is one suite of the stacks part and the scenarios to load (nil: all).
type stackSpec struct {
	file      string
	scenarios []string
}

func parseStacks(list string) []stackSpec {
	var specs []stackSpec
	for _, f := range strings.Fields(list) {
		file, scenarios, _ := strings.Cut(f, ":")
		s := stackSpec{file: file}
		if scenarios != "" {
			s.scenarios = strings.Split(scenarios, ",")
		}
		specs = append(specs, s)
	}
	return specs
}

// stacksPart compares the closed-loop throughput of wrk and stackgate load on real stacks,
// each provisioned as stackgate run provisions it (bench.Serve: the builds, a managed
// PostgreSQL with the suite's dataset, a fresh stack per scenario). Both tools use the
// scenario's connections and as many threads as stackgate's default loops, unpinned like
// the stack, and alternate which goes first. Each measured run follows a warm-up run of
// the same tool, as in stackgate run. wrk's warm-up is followed by a pause, for the stack
// to finish the requests wrk abandoned at its end; stackgate's is not: its drain leaves
// the stack idle, and its measured run starts at once, as stackgate run's throughput
// phase does after the warm-up. Every measured run is followed by a pause.
func stacksPart(c config, out io.Writer) error {
	c.genCPU = "0-" + strconv.Itoa(runtime.NumCPU()-1)
	c.threads = load.DefaultLoops()
	fmt.Fprintf(out, "== stacks: closed loop, wrk -t%d and stackgate load -loops %d (unpinned, like the stack), %v per run after a %v warm-up, %d rounds, order alternating, %v pause after each run and after wrk's warm-up\n",
		c.threads, c.threads, c.duration, c.stackWarmup, c.rounds, c.stackPause)
	for _, spec := range parseStacks(c.stacks) {
		if err := compareOnStack(c, out, spec); err != nil {
			return fmt.Errorf("%s: %w", spec.file, err)
		}
	}
	return nil
}

func compareOnStack(c config, out io.Writer, spec stackSpec) error {
	suite, err := sgconfig.Read(spec.file)
	if err != nil {
		return err
	}
	dir, err := scratch.New("", false)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opt := bench.Options{Suite: suite, OutDir: dir + "/out", ScratchDir: dir + "/work", Env: stack.Environ(os.Environ()), Only: spec.scenarios, Tool: "bench/peers"}
	return bench.Serve(context.Background(), opt, func(_ context.Context, sc sgconfig.Scenario, url string) error {
		return compareThroughput(c, out, suite.Suite+" "+sc.Name, stackURL(url), suite.ScenarioConnections(sc))
	})
}

// stackURL is a stack's endpoint; its CPU is not tracked here.
type stackURL string

func (u stackURL) url() string        { return string(u) }
func (u stackURL) cpu() time.Duration { return 0 }

// compareThroughput runs both tools c.rounds times against u with conns connections and
// prints the throughput of each run and their ratio.
func compareThroughput(c config, out io.Writer, name string, u endpoint, conns int) error {
	fmt.Fprintf(out, "  %s, %d connections\n", name, conns)
	secs := strconv.Itoa(int(c.duration.Seconds())) + "s"
	n, loops := strconv.Itoa(conns), strconv.Itoa(c.threads)
	tools := []func(d string) (measured, error){
		func(d string) (measured, error) { return runWrk(c, u, nil, "-c", n, "-d", d, "--timeout", "5s") },
		func(d string) (measured, error) {
			return runStackgate(c, u, "-c", n, "-d", d, "-loops", loops, "-timeout", "5s")
		},
	}
	warm := strconv.Itoa(max(int(c.stackWarmup.Seconds()), 1)) + "s"
	var wrk, sg []float64
	for round := 1; round <= c.rounds; round++ {
		order := []int{0, 1}
		if round%2 == 0 {
			order = []int{1, 0}
		}
		for _, k := range order {
			if _, err := tools[k](warm); err != nil {
				return err
			}
			if k == 0 {
				time.Sleep(c.stackPause)
			}
			m, err := tools[k](secs)
			if err != nil {
				return err
			}
			time.Sleep(c.stackPause)
			fmt.Fprintf(out, "    round %d  %-15s %8.1f req/s%s%s\n", round, m.tool, m.throughput(), errorNote(m), saturatedNote(m))
			if k == 0 {
				wrk = append(wrk, m.throughput())
			} else {
				sg = append(sg, m.throughput())
			}
		}
	}
	ratio := make([]float64, len(wrk))
	for i := range wrk {
		ratio[i] = sg[i] / wrk[i]
	}
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "    median (min–max)\treq/s\t")
	fmt.Fprintf(tw, "    wrk\t%s\t\n", spread(wrk, "%.1f"))
	fmt.Fprintf(tw, "    stackgate load\t%s\t\n", spread(sg, "%.1f"))
	fmt.Fprintf(tw, "    stackgate / wrk\t%s\t\n", spread(ratio, "%.3f×"))
	if err := tw.Flush(); err != nil {
		return err
	}
	r, noise := median(ratio), runToRun(wrk)
	fmt.Fprintf(out, "    target: throughput within wrk's own run-to-run spread (±%.1f%%, at least ±3%%): %s (%.3f×)\n",
		100*noise, verdict(abs(r-1) <= max(noise, 0.03)), r)
	return nil
}

// runToRun is the run-to-run spread of v: half its range, relative to its median.
func runToRun(v []float64) float64 {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return (hi - lo) / 2 / median(v)
}

// errorNote shows the failed requests of a run, which make its throughput incomparable.
func errorNote(m measured) string {
	n := m.errors
	if m.sg != nil {
		for _, k := range m.sg.Errors {
			n += k
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("  (%d errors)", n)
}
