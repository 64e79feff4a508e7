package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// closedLoop runs wrk and stackgate load alternately against the same target and prints
// each tool's CPU per request and throughput, and their ratios paired by round.
func closedLoop(c config, out io.Writer) error {
	t, err := startTarget(c)
	if err != nil {
		return err
	}
	defer t.stop()
	fmt.Fprintf(out, "== closed loop: %d connections, %v per run, %d rounds, order alternating\n", c.conns, c.duration, c.rounds)
	secs := strconv.Itoa(int(c.duration.Seconds())) + "s"
	var wrk, sg []measured
	for round := 1; round <= c.rounds; round++ {
		runs := []func() (measured, error){
			func() (measured, error) { return runWrk(c, t, nil, "-c", strconv.Itoa(c.conns), "-d", secs) },
			func() (measured, error) {
				return runStackgate(c, t, "-c", strconv.Itoa(c.conns), "-d", c.duration.String())
			},
		}
		if round%2 == 0 {
			slices.Reverse(runs)
		}
		for _, r := range runs {
			m, err := r()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  round %d  %-15s %8.0f req/s  %6.2f µs CPU/request  (target %5.2f µs/request)%s\n",
				round, m.tool, m.throughput(), m.cpuPerRequest(), m.targetPerRequest(), saturatedNote(m))
			if m.tool == "wrk" {
				wrk = append(wrk, m)
			} else {
				sg = append(sg, m)
			}
		}
	}
	cpuRatio, tputRatio := make([]float64, len(wrk)), make([]float64, len(wrk))
	for i := range wrk {
		cpuRatio[i] = sg[i].cpuPerRequest() / wrk[i].cpuPerRequest()
		tputRatio[i] = sg[i].throughput() / wrk[i].throughput()
	}
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  median (min–max)\tCPU µs/request\treq/s\t")
	fmt.Fprintf(tw, "  wrk\t%s\t%s\t\n", spread(column(wrk, measured.cpuPerRequest), "%.2f"), spread(column(wrk, measured.throughput), "%.0f"))
	fmt.Fprintf(tw, "  stackgate load\t%s\t%s\t\n", spread(column(sg, measured.cpuPerRequest), "%.2f"), spread(column(sg, measured.throughput), "%.0f"))
	fmt.Fprintf(tw, "  stackgate / wrk\t%s\t%s\t\n", spread(cpuRatio, "%.2f×"), spread(tputRatio, "%.2f×"))
	if err := tw.Flush(); err != nil {
		return err
	}
	cr, tr := median(cpuRatio), median(tputRatio)
	fmt.Fprintf(out, "  target: CPU/request ≤ 1.0× wrk's: %s (%.2f×); stretch ≤ 0.8×: %s\n", verdict(cr <= 1.0), cr, verdict(cr <= 0.8))
	fmt.Fprintf(out, "  target: throughput ≥ 0.97× wrk's when the target is the bottleneck: %s (%.2f×)\n", verdict(tr >= 0.97), tr)
	return nil
}

// openLoop checks that stackgate load keeps each rate on one CPU when the target keeps
// up. The target answers from its hand-written loop (-raw): net/http on one CPU cannot
// serve 50 000 req/s, and this measures the generator's pacing, not the target.
func openLoop(c config, out io.Writer) error {
	t, err := startTarget(c, "-raw")
	if err != nil {
		return err
	}
	defer t.stop()
	fmt.Fprintf(out, "== open loop: stackgate load -rate R, %d connections, %v per rate, target -raw (wrk has no rate; wrk2 is not packaged)\n", c.conns, c.duration)
	for _, field := range strings.Split(c.rates, ",") {
		rate, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
		if err != nil {
			return fmt.Errorf("rate %q: %w", field, err)
		}
		m, err := runStackgate(c, t, "-c", strconv.Itoa(c.conns), "-d", c.duration.String(), "-rate", field)
		if err != nil {
			return err
		}
		r := m.sg
		achieved := float64(r.Sent) / r.Seconds
		fmt.Fprintf(out, "  %6.0f req/s: sent %8.1f/s in the window (%+.2f%%), lateness p99 %.3f ms, %d waited for a connection, %d unsent; latency p50 %.2f p99 %.2f ms; %.1f µs CPU/request, busiest loop %.0f%%%s\n",
			rate, achieved, 100*(achieved/rate-1), r.Lateness.P99, r.Backlogged, r.Unsent, r.Latency.P50, r.Latency.P99,
			m.cpuPerRequest(), 100*r.Generator.Busiest, saturatedNote(m))
		keptUp := r.Unsent == 0 && float64(r.Backlogged) <= 0.01*rate*c.duration.Seconds()
		within := abs(achieved/rate-1) <= 0.01
		switch {
		case within:
			fmt.Fprintf(out, "          target: within 1%% of the rate: met\n")
		case !keptUp:
			fmt.Fprintf(out, "          target: within 1%% of the rate: NOT MET, but the target did not keep up: the requests that waited for a connection were sent late because of it\n")
		default:
			fmt.Fprintf(out, "          target: within 1%% of the rate: NOT MET\n")
		}
	}
	return nil
}

// memory measures the peak RSS of each tool with few and with many connections.
func memory(c config, out io.Writer) error {
	t, err := startTarget(c)
	if err != nil {
		return err
	}
	defer t.stop()
	fmt.Fprintln(out, "== memory: peak RSS, closed loop, 3 s")
	rss := map[string]map[int]int64{"wrk": {}, "stackgate load": {}}
	for _, n := range []int{10, 1000} {
		w, err := runWrk(c, t, nil, "-c", strconv.Itoa(n), "-d", "3s")
		if err != nil {
			return err
		}
		s, err := runStackgate(c, t, "-c", strconv.Itoa(n), "-d", "3s")
		if err != nil {
			return err
		}
		rss["wrk"][n], rss["stackgate load"][n] = w.maxRSS, s.maxRSS
	}
	for _, tool := range []string{"wrk", "stackgate load"} {
		r := rss[tool]
		per1000 := float64(r[1000]-r[10]) * 1000 / 990
		fmt.Fprintf(out, "  %-15s %6.1f MB with 10 connections, %6.1f MB with 1000: %5.1f MB per 1000 connections\n",
			tool, mb(r[10]), mb(r[1000]), per1000/1e6)
	}
	fmt.Fprintln(out, "  (stackgate keeps histograms per event loop, not per connection or per request: memory does not grow with the run's length)")
	return nil
}

// stallTest is the coordinated-omission test: the target stalls every request that
// arrives in the first stallFor of every stallEvery; each tool sends stallRate req/s
// over stallConns connections, and its percentiles are compared with the truth.
func stallTest(c config, out io.Writer) error {
	t, err := startTarget(c, "-stall-every", c.stallEvery.String(), "-stall-for", c.stallFor.String())
	if err != nil {
		return err
	}
	defer t.stop()
	fmt.Fprintf(out, "== stall test: the target stalls %v every %v; %g req/s over %d connections for %v\n",
		c.stallFor, c.stallEvery, c.stallRate, c.stallConns, c.stallDuration)
	rate, conns := strconv.FormatFloat(c.stallRate, 'f', -1, 64), strconv.Itoa(c.stallConns)
	sg, err := runStackgate(c, t, "-c", conns, "-d", c.stallDuration.String(), "-rate", rate)
	if err != nil {
		return err
	}
	w, err := runWrk(c, t, []string{"RATE=" + rate, "CONNS=" + conns}, "-c", conns, "-d", strconv.Itoa(int(c.stallDuration.Seconds()))+"s", "-s", c.lua)
	if err != nil {
		return err
	}
	truth := stallTruth(c.stallEvery, c.stallFor)
	rows := []struct {
		name string
		v    [6]float64 // mean p50 p90 p95 p99 max
		req  float64
	}{
		{"truth", truth, c.stallRate},
		{"stackgate load", [6]float64{sg.sg.Latency.Mean, sg.sg.Latency.P50, sg.sg.Latency.P90, sg.sg.Latency.P95, sg.sg.Latency.P99, sg.sg.Latency.Max}, sg.throughput()},
		{"wrk + delay()", [6]float64{w.wrk["mean"], w.wrk["p50"], w.wrk["p90"], w.wrk["p95"], w.wrk["p99"], w.wrk["max"]}, w.throughput()},
	}
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  ms\tmean\tp50\tp90\tp95\tp99\tmax\treq/s sent\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%.1f\t%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t\n", r.name, r.v[0], r.v[1], r.v[2], r.v[3], r.v[4], r.v[5], r.req)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	names := []string{"mean", "p50", "p90", "p95", "p99", "max"}
	for _, r := range rows[1:] {
		var parts []string
		met := true
		for _, i := range []int{0, 3, 4, 5} {
			dev := r.v[i]/truth[i] - 1
			met = met && abs(dev) <= 0.10
			parts = append(parts, fmt.Sprintf("%s %+.0f%%", names[i], 100*dev))
		}
		fmt.Fprintf(out, "  %s vs truth: %s; within 10%%: %s\n", r.name, strings.Join(parts, ", "), verdict(met))
	}
	fmt.Fprintf(out, "  stackgate load: %d requests waited for a connection during the stalls (charged to the target), %d never sent; wrk sent %.0f%% of the requests the rate asked for\n",
		sg.sg.Backlogged, sg.sg.Unsent, 100*w.throughput()/c.stallRate)
	return nil
}

// stallTruth is the latency every request should see (mean p50 p90 p95 p99 max, ms) when
// requests arrive uniformly and those arriving in the first stall of each period wait for
// its end: the share that waits more than w is (stall-w)/every.
func stallTruth(every, stall time.Duration) [6]float64 {
	e, s := every.Seconds()*1000, stall.Seconds()*1000
	q := func(p float64) float64 { return max(s-(1-p)*e, 0) }
	return [6]float64{s * s / (2 * e), q(0.50), q(0.90), q(0.95), q(0.99), s}
}

func saturatedNote(m measured) string {
	if m.sg != nil && m.sg.Saturated != "" {
		return "  SATURATED: " + m.sg.Saturated
	}
	return ""
}

func column(ms []measured, f func(measured) float64) []float64 {
	out := make([]float64, len(ms))
	for i, m := range ms {
		out[i] = f(m)
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// spread prints the median and the range.
func spread(v []float64, format string) string {
	return fmt.Sprintf(format+" ("+format+"–"+format+")", median(v), slices.Min(v), slices.Max(v))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func abs(x float64) float64 { return max(x, -x) }

func mb(b int64) float64 { return float64(b) / 1e6 }
