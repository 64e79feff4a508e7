// Command peers compares stackgate's load engine with wrk on this machine, side by side
// and alternating, with the generator and the loopback target pinned to different CPUs.
// bench/peers.sh builds what it needs and runs it; see the README section "The load
// engine" for how to read its output.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type config struct {
	stackgate, target, wrk, lua string
	genCPU, targetCPU           string
	rounds                      int
	duration                    time.Duration
	conns                       int
	rates                       string
	stallDuration               time.Duration
	stallRate                   float64
	stallConns                  int
	stallEvery, stallFor        time.Duration
	skip                        string
	parts                       string
	threads                     int // wrk's threads (stackgate load's loops in the stacks part)
	stacks                      string
	stackPause, stackWarmup     time.Duration
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.StringVar(&c.stackgate, "stackgate", "stackgate", "stackgate binary")
	fs.StringVar(&c.target, "target", "target", "bench/target binary")
	fs.StringVar(&c.wrk, "wrk", "wrk", "wrk binary")
	fs.StringVar(&c.lua, "lua", "bench/wrk-pace.lua", "wrk script pacing it to a rate (stall test)")
	fs.StringVar(&c.genCPU, "gen-cpu", "0", "CPU of the load generators (taskset -c)")
	fs.StringVar(&c.targetCPU, "target-cpu", "1", "CPU of the target")
	fs.IntVar(&c.rounds, "rounds", 5, "closed-loop rounds, each running both tools (order alternates)")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "duration of each closed- and open-loop run")
	fs.IntVar(&c.conns, "c", 50, "connections of the closed- and open-loop runs")
	fs.StringVar(&c.rates, "rates", "10000,25000,50000", "open-loop rates to check (comma-separated req/s)")
	fs.DurationVar(&c.stallDuration, "stall-d", 20*time.Second, "duration of the stall test")
	fs.Float64Var(&c.stallRate, "stall-rate", 1000, "rate of the stall test")
	fs.IntVar(&c.stallConns, "stall-c", 10, "connections of the stall test")
	fs.DurationVar(&c.stallEvery, "stall-every", 2*time.Second, "the target stalls once every this long")
	fs.DurationVar(&c.stallFor, "stall-for", 200*time.Millisecond, "for this long")
	fs.StringVar(&c.skip, "skip", "", "parts to skip, comma-separated: closed,open,memory,stall,stacks")
	fs.StringVar(&c.parts, "parts", "closed,open,memory,stall", "parts to run, comma-separated: closed,open,memory,stall,stacks")
	fs.StringVar(&c.stacks, "stacks", defaultStacks, "stacks part: suites to provision, space-separated, each `file[:scenario,...]` (default: every scenario)")
	fs.DurationVar(&c.stackPause, "stack-pause", 2*time.Second, "stacks part: pause after each run, for the stack to finish what the tool left in its queue")
	fs.DurationVar(&c.stackWarmup, "stack-warmup", 2*time.Second, "stacks part: warm-up run of the same tool before each measured run (whole seconds)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	parts := []struct {
		name string
		run  func(config, io.Writer) error
	}{
		{"closed", closedLoop},
		{"open", openLoop},
		{"memory", memory},
		{"stall", stallTest},
		{"stacks", stacksPart},
	}
	fmt.Fprintln(out, toolVersions(c))
	if listed(c.parts, "closed") || listed(c.parts, "open") || listed(c.parts, "memory") || listed(c.parts, "stall") {
		fmt.Fprintf(out, "load generators on CPU %s, target (Go net/http, GET /hello) on CPU %s\n", c.genCPU, c.targetCPU)
	}
	for _, p := range parts {
		if !listed(c.parts, p.name) || listed(c.skip, p.name) {
			continue
		}
		fmt.Fprintln(out)
		if err := p.run(c, out); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// listed reports whether name is in the comma-separated list.
func listed(list, name string) bool { return strings.Contains(","+list+",", ","+name+",") }
