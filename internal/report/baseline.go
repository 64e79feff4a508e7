package report

import (
	"fmt"
	"io"
	"math"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/metric"
)

// BaselineUpdate shows what `baseline update` wrote: per scenario and metric the old and
// the new median, then the drift against the oldest remembered baseline, so slow creep
// (many changes each under tolerance) is visible when the update is reviewed.
func BaselineUpdate(w io.Writer, path string, old, updated *baseline.Baseline) error {
	fmt.Fprintf(w, "baseline written: %s (%s)\n", path, describeBaseline(updated))
	if old == nil {
		fmt.Fprintln(w, "first baseline of this suite on this runner")
	} else {
		fmt.Fprintf(w, "replaces the baseline of %s (%s)\n", old.Recorded.Format("2006-01-02 15:04"), shortRev(old.Git.Revision))
	}
	t := table{left: map[int]bool{1: true}}
	t.add("scenario", "metric", "old", "new", "change")
	for _, c := range baseline.Changes(old, updated) {
		unit := unitOf(c.Metric)
		oldText := "-"
		if c.HasOld {
			oldText = FormatValue(c.Old, unit)
		}
		t.add(c.Scenario, c.Metric+" ("+unit+")", oldText, FormatValue(c.New, unit), formatRelative(c.Relative()))
	}
	fmt.Fprintln(w)
	if err := t.write(w); err != nil {
		return err
	}
	return writeDrift(w, updated)
}

func writeDrift(w io.Writer, b *baseline.Baseline) error {
	since, changes := b.Drift()
	if since == nil {
		return nil
	}
	fmt.Fprintf(w, "\ndrift since the oldest remembered baseline (%s, %s):\n", since.Recorded.Format("2006-01-02"), shortRev(since.Revision))
	t := table{left: map[int]bool{1: true}}
	t.add("scenario", "metric", "then", "now", "drift")
	for _, c := range changes {
		if m, ok := metric.Lookup(c.Metric); !ok || !m.Gated {
			continue
		}
		unit := unitOf(c.Metric)
		t.add(c.Scenario, c.Metric, FormatValue(c.Old, unit), FormatValue(c.New, unit), formatRelative(c.Relative()))
	}
	return t.write(w)
}

func describeBaseline(b *baseline.Baseline) string {
	runs := 0
	if len(b.Scenarios) > 0 {
		runs = b.Scenarios[0].Runs
	}
	return fmt.Sprintf("%s profile, %d runs per scenario, revision %s", b.Profile, runs, shortRev(b.Git.Revision))
}

func unitOf(name string) string {
	if m, ok := metric.Lookup(name); ok {
		return m.Unit
	}
	return ""
}

// formatRelative shows a relative change as a signed percentage ("-" when undefined).
func formatRelative(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", 100*r)
}

// shortRev abbreviates a git revision ("unknown" when there is none).
func shortRev(rev string) string {
	switch {
	case rev == "":
		return "no git revision"
	case len(rev) > 12:
		return rev[:12]
	}
	return rev
}
