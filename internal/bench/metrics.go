package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// measured is one timed phase: what the generator saw and what the stack used.
type measured struct {
	load *load.Result
	use  *result.Resources
}

// record turns the two phases of a run into its metric samples and stored phases.
func record(run result.Run, conns int, rate float64, tp, lat measured) (result.Run, error) {
	var err error
	if run.Throughput, err = phase(tp.load, conns, 0); err != nil {
		return run, err
	}
	if run.Latency, err = phase(lat.load, conns, rate); err != nil {
		return run, err
	}
	run.Throughput.Resources, run.Latency.Resources = tp.use, lat.use
	run.Metrics = samples(tp.load, lat.load)
	run.Counts = &result.Counts{Requests: attempted(tp.load) + attempted(lat.load), Errors: tp.load.Errors.Total() + lat.load.Errors.Total()}
	run.Invalid = append(run.Invalid, saturated(tp.load, lat.load)...)
	for name, v := range resourceSamples(tp, lat) {
		run.Metrics[name] = v
	}
	return run, nil
}

// resourceSamples computes the whole-stack metrics. Work per request is taken at the fixed
// rate, where every run and every revision does the same work; the memory slope in the
// throughput phase, where the most requests pass.
func resourceSamples(tp, lat measured) map[string]float64 {
	m := map[string]float64{}
	if lat.use != nil && lat.load.Requests > 0 {
		n := float64(lat.load.Requests)
		m[metric.CPUPerRequest] = lat.use.StackCPU * 1e6 / n
		m[metric.DBCPUPerRequest] = lat.use.DBCPU * 1e6 / n
		if lat.use.Statements != nil {
			m[metric.QueriesPerRequest] = float64(*lat.use.Statements) / n
			m[metric.RowsPerRequest] = float64(*lat.use.Rows) / n
		}
	}
	if tp.use != nil && lat.use != nil {
		m[metric.RSSPeak] = float64(max(tp.use.RSSPeak, lat.use.RSSPeak)) / 1e6
		m[metric.SessionsPeak] = float64(max(tp.use.SessionsPeak, lat.use.SessionsPeak))
		m[metric.ThreadsPeak] = float64(max(tp.use.ThreadsPeak, lat.use.ThreadsPeak))
	}
	if tp.use != nil && tp.load.Throughput() > 0 {
		m[metric.RSSGrowth] = tp.use.RSSSlope / tp.load.Throughput()
	}
	return m
}

// samples computes one value per metric: throughput from the closed loop, latency
// percentiles from the open loop at the fixed rate, and the error rate over both.
func samples(tp, lat *load.Result) map[string]float64 {
	attempts := attempted(tp) + attempted(lat)
	errs := tp.Errors.Total() + lat.Errors.Total()
	m := map[string]float64{
		metric.Throughput: tp.Throughput(),
		metric.ErrorRate:  0,
		metric.P50:        ms(lat.Latency.ValueAtQuantile(50)),
		metric.P90:        ms(lat.Latency.ValueAtQuantile(90)),
		metric.P99:        ms(lat.Latency.ValueAtQuantile(99)),
		metric.P999:       ms(lat.Latency.ValueAtQuantile(99.9)),
		metric.Max:        ms(lat.Latency.Max()),
	}
	if attempts > 0 {
		m[metric.ErrorRate] = 100 * float64(errs) / float64(attempts)
	}
	return m
}

// attempted counts requests that were sent or tried: answered ones plus socket failures.
func attempted(r *load.Result) int64 {
	return r.Requests + r.Errors.Connect + r.Errors.Timeout + r.Errors.IO
}

// ms converts a histogram value in µs to milliseconds.
func ms(us int64) float64 { return float64(us) / 1000 }

func phase(r *load.Result, conns int, rate float64) (result.Phase, error) {
	hist, err := encode(r.Latency)
	if err != nil {
		return result.Phase{}, err
	}
	p := result.Phase{
		Connections: conns,
		Rate:        rate,
		Seconds:     r.Elapsed.Seconds(),
		Requests:    r.Requests,
		Errors:      result.Errors(r.Errors),
		Reconnects:  r.Reconnects,
		Backlogged:  r.Backlogged,
		Unsent:      r.Unsent,
		Histogram:   hist,
	}
	if rate > 0 {
		if p.Lateness, err = encode(r.Lateness); err != nil {
			return result.Phase{}, err
		}
	}
	for _, s := range r.Series {
		p.Series = append(p.Series, result.Second{Requests: s.Requests, Errors: s.Errors, P50: s.P50.Seconds() * 1000, P99: s.P99.Seconds() * 1000})
	}
	return p, nil
}

func encode(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		return "", nil
	}
	return result.EncodeHistogram(h)
}

// notes are warnings about a run that the user should see next to its numbers. warm is
// the warm-up's result, nil without one.
func notes(warm, tp, lat *load.Result, rate float64) []string {
	var out []string
	for _, p := range []struct {
		name string
		r    *load.Result
	}{{"warm-up", warm}, {"throughput phase", tp}} {
		if p.r != nil && p.r.Abandoned > 0 {
			out = append(out, fmt.Sprintf("%s: %d requests were still unanswered at its end, past the timeout; the stack may still have been working on them in the next phase", p.name, p.r.Abandoned))
		}
	}
	if lat.Unsent > 0 || float64(lat.Backlogged) > backlogWarnShare*float64(lat.Requests) {
		out = append(out, fmt.Sprintf("latency phase: the stack did not keep up with %g req/s (%d requests waited for a free connection, %d never sent); the percentiles include that queueing — lower the rate if this is its normal capacity",
			rate, lat.Backlogged, lat.Unsent))
	}
	if p99 := lat.Lateness.ValueAtQuantile(99); p99 > lateWarnMicros {
		out = append(out, fmt.Sprintf("latency phase: the load generator itself sent requests up to %.1f ms late (p99); this is not charged to the stack, but the load was burstier than the fixed rate", ms(p99)))
	}
	for _, reason := range saturated(tp, lat) {
		out = append(out, reason+" — the run is invalid and left out of the samples")
	}
	if tp.Reconnects > 0 {
		out = append(out, fmt.Sprintf("throughput phase: %d reconnects — the stack closes keep-alive connections, so connection setup is part of what is measured", tp.Reconnects))
	}
	return out
}

// backlogWarnShare: a request or two waiting for a connection is a hiccup; more than 1 %
// means the rate is at or above what the stack can serve.
const backlogWarnShare = 0.01

// lateWarnMicros: timers on virtual machines wake ~1 ms late; beyond 5 ms the generator is
// struggling.
const lateWarnMicros = 5000

// saturated says which phases the load generator itself limited (load.Result.Saturated):
// such a run measured the generator, not the stack, so it is invalid.
func saturated(tp, lat *load.Result) []string {
	var out []string
	if tp.Saturated != "" {
		out = append(out, "throughput phase: "+tp.Saturated)
	}
	if lat.Saturated != "" {
		out = append(out, "latency phase: "+lat.Saturated)
	}
	return out
}

// unmeasured is the error of a side whose every run of a scenario was invalid (the
// generator was saturated in each): the scenario could not be measured at all.
func unmeasured(s *side) error {
	for _, sc := range s.res.Scenarios {
		if len(sc.Runs) == 0 || slices.ContainsFunc(sc.Runs, func(r result.Run) bool { return len(r.Invalid) == 0 }) {
			continue
		}
		return &Error{Side: s.name, Scenario: sc.Name, Run: sc.Runs[0].Run,
			Err: fmt.Errorf("every run was invalid, the first because %s", strings.Join(sc.Runs[0].Invalid, "; "))}
	}
	return nil
}
