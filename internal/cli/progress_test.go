package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/metric"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func runDone(step, steps, run int, name string) bench.Event {
	return bench.Event{Kind: bench.RunDone, Step: step, Steps: steps, Run: run, Scenario: name,
		Metrics: map[string]float64{metric.Throughput: 58700, metric.P99: 0.191, metric.ErrorRate: 0}}
}

// The progress lines tell the truth about time: the wait for the machine is not counted
// and says its limit, the time left is estimated from the runs so far, the counter keeps
// its width, the numbers read like the verdict table's, and confirmation runs say so.
func TestProgressLines(t *testing.T) {
	var out strings.Builder
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := newProgress(&out)
	p.now = clock.now
	p.waiting("pid 4242", 30*time.Minute)
	clock.advance(12 * time.Minute) // another invocation measures
	p.event(bench.Event{Kind: bench.DatabaseStart})
	clock.advance(5 * time.Second)
	names := []string{"db", "json", "queries", "slow", "update"}
	for i := 1; i <= 10; i++ {
		run, name := 1+(i-1)/5, names[(i-1)%5]
		p.event(bench.Event{Kind: bench.RunStart, Step: i, Steps: 10, Run: run, Scenario: name})
		clock.advance(10 * time.Second)
		if i == 4 { // a wait in the middle (as the confirmation stage took the lock again)
			p.waiting("pid 4243", 30*time.Minute)
			clock.advance(3 * time.Minute)
		}
		p.event(runDone(i, 10, run, name))
	}
	p.event(bench.Event{Kind: bench.Confirm, Steps: 2, Detail: "db"})
	p.event(bench.Event{Kind: bench.RunStart, Step: 1, Steps: 2, Run: 3, Scenario: "db", Confirming: true})
	clock.advance(10 * time.Second)
	p.event(runDone(1, 2, 3, "db"))
	got := out.String()
	for _, want := range []string{
		"waiting for another stackgate invocation to finish measuring on this machine (pid 4242); giving up after 30m00s (-lock-timeout)…\n",
		"starting PostgreSQL\n",
		"[ 1/10] db         run 1  58.7k req/s  p99 191µs  errors 0%  (15s, ~1m30s left)\n",
		"[ 9/10] slow       run 2  58.7k req/s  p99 191µs  errors 0%  (1m35s, ~10s left)\n",
		"[10/10] update     run 2  58.7k req/s  p99 191µs  errors 0%  (1m45s)\n",
		"confirming: 2 more runs of db — the first ones looked worse than a tolerance without being significant\n",
		"confirm [1/2] db         run 3  58.7k req/s  p99 191µs  errors 0%  (1m55s, ~10s left)\n",
		"waiting for another stackgate invocation to finish measuring on this machine (pid 4243)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "12m") || strings.Contains(got, "3m") {
		t.Errorf("the waits are counted as measuring:\n%s", got)
	}
}

// On a terminal the live line keeps the run's counter and fits the width; each finished
// run replaces it with a permanent line.
func TestProgressLiveLine(t *testing.T) {
	var out strings.Builder
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := newProgress(&out)
	p.now, p.tty = clock.now, true
	p.event(bench.Event{Kind: bench.RunStart, Step: 3, Steps: 24, Run: 2, Scenario: strings.Repeat("checkout", 12)})
	p.event(bench.Event{Kind: bench.Phase, Run: 2, Scenario: "checkout", Phase: "throughput"})
	lines := strings.Split(out.String(), "\r\033[K")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "[ 3/24] checkout") || !strings.Contains(last, ": throughput") && !strings.HasSuffix(last, "…") {
		t.Errorf("live line %q", last)
	}
	for _, l := range lines {
		if n := len([]rune(l)); n >= 80 {
			t.Errorf("a live line of %d characters wraps: %q", n, l)
		}
	}
	p.finish()
	if !strings.HasSuffix(out.String(), "\r\033[K") {
		t.Error("the live line is not cleared at the end")
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 1499 * time.Millisecond: "1s", 59 * time.Second: "59s", 65 * time.Second: "1m05s",
		12*time.Minute + 10*time.Second: "12m10s", 62 * time.Minute: "1h02m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
