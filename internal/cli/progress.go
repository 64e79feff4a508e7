package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/report"
)

// progress shows a measurement as it goes: on a terminal a status line rewritten in place
// plus one permanent line per finished run; otherwise (CI logs, files) plain lines only.
type progress struct {
	w  io.Writer
	ab bool // name the revision of each run (A/B mode)
	// verbose: every phase as a line of its own, for CI logs and for whoever must know
	// where a run is (the fault-injection tests deliver signals at given phases).
	verbose bool
	tty     bool
	total   int
	start   time.Time
	live    bool // a status line is on screen
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, tty: isTerminal(w), total: total, start: time.Now()}
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

func (p *progress) event(e bench.Event) {
	switch e.Kind {
	case bench.Build:
		p.line(fmt.Sprintf("build %d/%d: %s", e.Step, e.Steps, e.Detail))
	case bench.DatabaseStart:
		p.line("starting PostgreSQL")
	case bench.DatabaseSetup:
		p.line(fmt.Sprintf("loading the dataset (step %d/%d)", e.Step, e.Steps))
	case bench.RunStart:
		p.status(fmt.Sprintf("[%d/%d] %s run %d: starting", e.Step, e.Steps, e.Scenario, e.Run))
	case bench.Phase:
		text := fmt.Sprintf("%s%s run %d: %s", p.side(e), e.Scenario, e.Run, e.Phase)
		if p.verbose {
			p.line("phase: " + text)
		} else {
			p.status(text)
		}
	case bench.RunDone:
		p.line(fmt.Sprintf("[%d/%d] %s%-10s run %-2d %s req/s  p99 %s ms  errors %s %%  (%s)",
			e.Step, e.Steps, p.side(e), e.Scenario, e.Run,
			report.FormatValue(e.Metrics[metric.Throughput], "req/s"),
			report.FormatValue(e.Metrics[metric.P99], "ms"),
			report.FormatValue(e.Metrics[metric.ErrorRate], "%"),
			time.Since(p.start).Round(time.Second)))
	}
}

// side names the revision of an event in A/B mode ("" otherwise).
func (p *progress) side(e bench.Event) string {
	if !p.ab {
		return ""
	}
	return e.Side + " "
}

// status rewrites the live line (terminal only).
func (p *progress) status(s string) {
	if !p.tty {
		return
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
