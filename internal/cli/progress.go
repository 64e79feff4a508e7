package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/gate"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/report"
)

// progress shows a measurement as it goes: on a terminal a status line rewritten in place
// plus one permanent line per finished run; otherwise (CI logs, files) plain lines only.
// Its clock tells the truth about time: it starts when measuring starts and stops while
// the invocation waits for the machine (another one measuring), and after the first run
// it estimates the time left from the runs so far.
type progress struct {
	w  io.Writer
	ab bool // name the revision of each run (A/B mode)
	// verbose: every phase as a line of its own, for CI logs and for whoever must know
	// where a run is (the fault-injection tests deliver signals at given phases).
	verbose bool
	tty     bool
	now     func() time.Time

	started    bool
	start      time.Time     // when measuring started
	paused     time.Duration // time spent waiting for the machine since
	waitingAt  time.Time     // when the current wait began (zero: not waiting)
	stageStart time.Duration // elapsed time at the first run of the current stage
	confirming bool
	step       string // "[ 3/14] db run 2": the run under way, kept on the live line
	live       bool   // a status line is on screen
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w), now: time.Now}
}

// isTerminal reports whether w is a character device (a terminal, not a pipe or file).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// attach makes p the progress display of a gate invocation, waits for the machine
// included; lockWait is how long the invocation waits (0: it does not).
func (p *progress) attach(opt *gate.Options, lockWait time.Duration) {
	opt.Progress = p.event
	opt.Waiting = func(holder string) { p.waiting(holder, lockWait) }
}

// waiting says that another invocation is measuring, and for how long this one waits;
// the clock stops until the next event.
func (p *progress) waiting(holder string, limit time.Duration) {
	msg := "waiting for another stackgate invocation to finish measuring on this machine (" + holder + ")"
	if limit > 0 {
		msg += "; giving up after " + formatDuration(limit) + " (-lock-timeout)"
	}
	p.line(msg + "…")
	p.waitingAt = p.now()
}

// elapsed is the time spent measuring: since the first event, waits excluded.
func (p *progress) elapsed() time.Duration {
	now := p.now()
	switch {
	case !p.started: // a wait before the first event is not measuring either
		p.started, p.start, p.waitingAt = true, now, time.Time{}
	case !p.waitingAt.IsZero():
		p.paused += now.Sub(p.waitingAt)
		p.waitingAt = time.Time{}
	}
	return now.Sub(p.start) - p.paused
}

func (p *progress) event(e bench.Event) {
	elapsed := p.elapsed()
	switch e.Kind {
	case bench.Build:
		p.line(fmt.Sprintf("build %d/%d: %s", e.Step, e.Steps, e.Detail))
	case bench.DatabaseStart:
		p.line("starting PostgreSQL")
	case bench.DatabaseSetup:
		p.line(fmt.Sprintf("loading the dataset (step %d/%d)", e.Step, e.Steps))
	case bench.Confirm:
		p.confirming = true
		p.line(fmt.Sprintf("confirming: %s of %s — the first ones looked worse than a tolerance without being significant",
			plural(e.Steps, "more run", "more runs"), e.Detail))
	case bench.RunStart:
		p.runStart(e, elapsed)
	case bench.Phase:
		text := fmt.Sprintf("%s%s run %d: %s", p.side(e), e.Scenario, e.Run, e.Phase)
		if p.verbose {
			p.line("phase: " + text)
		} else {
			p.status(p.step + ": " + e.Phase + "  " + p.clock(e, elapsed, false))
		}
	case bench.RunDone:
		p.line(fmt.Sprintf("%s %s req/s  p99 %s  errors %s  %s",
			p.counter(e)+" "+p.side(e)+fmt.Sprintf("%-10s run %-2d", e.Scenario, e.Run),
			formatMetric(e, metric.Throughput, "req/s"), formatMetric(e, metric.P99, "ms"), formatMetric(e, metric.ErrorRate, "%"),
			p.clock(e, elapsed, true)))
	}
}

// runStart notes a run starting: the first of a stage starts the stage's estimate.
func (p *progress) runStart(e bench.Event, elapsed time.Duration) {
	if e.Step == 1 {
		p.stageStart = elapsed
	}
	p.step = p.counter(e) + " " + p.side(e) + e.Scenario + " run " + strconv.Itoa(e.Run)
	p.status(p.step + ": starting  " + p.clock(e, elapsed, false))
}

// counter is "[ 3/14]": as wide at 3 as at 14, so the columns after it stay put; in the
// confirmation stage "confirm [1/6]".
func (p *progress) counter(e bench.Event) string {
	width := len(strconv.Itoa(e.Steps))
	c := fmt.Sprintf("[%*d/%d]", width, e.Step, e.Steps)
	if p.confirming {
		c = "confirm " + c
	}
	return c
}

// clock is "(1m05s)", with "~2m10s left" once a run of the stage has finished (done: the
// event ends a run).
func (p *progress) clock(e bench.Event, elapsed time.Duration, done bool) string {
	finished := e.Step - 1
	if done {
		finished = e.Step
	}
	if finished < 1 || e.Steps <= finished {
		return "(" + formatDuration(elapsed) + ")"
	}
	perRun := (elapsed - p.stageStart) / time.Duration(finished)
	return "(" + formatDuration(elapsed) + ", ~" + formatDuration(perRun*time.Duration(e.Steps-finished)) + " left)"
}

// formatMetric is a run's value as the verdict table writes it ("58.7k", "191µs", "0%").
func formatMetric(e bench.Event, name, unit string) string {
	v, ok := e.Metrics[name]
	if !ok {
		return "-"
	}
	s := report.FormatQuantity(v, unit)
	return strings.TrimSuffix(s, " "+unit)
}

// formatDuration rounds d to seconds: "45s", "12m10s", "1h02m".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// side names the revision of an event in A/B mode ("" otherwise).
func (p *progress) side(e bench.Event) string {
	if !p.ab {
		return ""
	}
	return e.Side + " "
}

// status rewrites the live line (terminal only), cut to the terminal's width so that it
// never wraps (a wrapped line cannot be rewritten).
func (p *progress) status(s string) {
	if !p.tty {
		return
	}
	if r := []rune(s); len(r) > report.TerminalWidth-1 {
		s = string(r[:report.TerminalWidth-2]) + "…"
	}
	fmt.Fprintf(p.w, "\r\033[K%s", s)
	p.live = true
}

// line prints a permanent line, replacing the live one.
func (p *progress) line(s string) {
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
		p.live = false
	}
	fmt.Fprintln(p.w, s)
}

func (p *progress) finish() {
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
		p.live = false
	}
}

// plural is "1 run", "2 runs".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
