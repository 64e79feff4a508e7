package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stackgate/stackgate/internal/load"
	"github.com/stackgate/stackgate/internal/result"
)

// Defaults of stackgate load, wrk's where wrk has one.
const (
	DefaultLoadConnections = 10
	DefaultLoadDuration    = 10 * time.Second
)

// loadFlags are stackgate load's flags, in the habits of wrk and wrk2 users.
type loadFlags struct {
	connections  int
	duration     time.Duration
	warmup       time.Duration
	rate         float64
	rampTo       float64
	timeout      time.Duration
	method       string
	headers      headerFlag
	body         string
	bodyFile     string
	pipeline     int
	loops        int
	expectStatus int
	expectBody   string
	expectLength int64
	asJSON       bool
}

func (f *loadFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.connections, "c", DefaultLoadConnections, "keep-alive `connections`")
	fs.DurationVar(&f.duration, "d", DefaultLoadDuration, "measured `duration`")
	fs.DurationVar(&f.warmup, "warmup", 0, "traffic before the measured window, not recorded (`duration`)")
	fs.Float64Var(&f.rate, "rate", 0, "open loop at this many requests per `second`, latency timed from the intended send time (0: closed loop, as fast as the target answers)")
	fs.Float64Var(&f.rampTo, "ramp-to", 0, "with -rate: raise (or lower) the rate linearly to this many requests per `second` by the end of the window")
	fs.DurationVar(&f.timeout, "timeout", load.DefaultTimeout, "per-request `timeout`")
	fs.StringVar(&f.method, "method", "GET", "HTTP `method`")
	fs.Var(&f.headers, "H", "extra request `header` \"Name: value\" (repeatable)")
	fs.StringVar(&f.body, "body", "", "request `body`")
	fs.StringVar(&f.bodyFile, "body-file", "", "read the request body from `file`")
	fs.IntVar(&f.pipeline, "pipeline", 1, "requests in flight per connection (HTTP pipelining when > 1)")
	fs.IntVar(&f.loops, "loops", 0, "event loops, one thread each (0: one per CPU the process may use but one, at least one; taskset limits them)")
	fs.IntVar(&f.expectStatus, "expect-status", 0, "count other statuses as errors (0: any 2xx is right)")
	fs.StringVar(&f.expectBody, "expect-body", "", "count bodies without this `substring` as errors")
	fs.Int64Var(&f.expectLength, "expect-length", 0, "count bodies of another length (`bytes`) as errors")
	fs.BoolVar(&f.asJSON, "json", false, "print the result as JSON")
}

// headerFlag collects -H "Name: value".
type headerFlag map[string]string

func (h *headerFlag) String() string { return "" }

func (h *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want \"Name: value\", got %q", v)
	}
	if *h == nil {
		*h = headerFlag{}
	}
	(*h)[strings.TrimSpace(name)] = strings.TrimSpace(value)
	return nil
}

func loadCommand(ctx context.Context, e *env, args []string) error {
	var f loadFlags
	fs := newFlags(e, "load", "[flags] URL")
	f.register(fs)
	url, err := parseWithURL(fs, args)
	if err != nil {
		return err
	}
	req, opt, err := f.phase(url)
	if err != nil {
		return err
	}
	if opt.Loops == 0 {
		opt.Loops = load.DefaultLoops()
	}
	defer keepIdleP(opt.Loops)()
	res, runErr := load.Run(ctx, req, opt)
	if res == nil { // nothing ran: interrupted before the start, or options it cannot run
		if ctx.Err() != nil {
			return runErr
		}
		return &badInputError{runErr}
	}
	if err := f.show(e.stdout, url, opt, res); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return runErr
	case res.Requests-res.Errors.Status-res.Errors.Body <= 0:
		return errors.New("could not measure: no request succeeded")
	case res.Saturated != "":
		return fmt.Errorf("could not measure, the load generator was the limit: %s", res.Saturated)
	}
	return nil
}

// keepIdleP makes sure the Go scheduler has a P besides the loops' (see
// load.DefaultLoops), which matters when stackgate load is pinned to one CPU, and
// returns the function that restores GOMAXPROCS.
func keepIdleP(loops int) func() {
	before := runtime.GOMAXPROCS(0)
	if before > loops {
		return func() {}
	}
	runtime.GOMAXPROCS(loops + 1)
	return func() { runtime.GOMAXPROCS(before) }
}

// parseWithURL parses flags before and after the one URL, as wrk users type them.
func parseWithURL(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", flagError(err)
	}
	if fs.NArg() == 0 {
		return "", usageErrorf("load needs a URL: stackgate load -c 50 -d 30s http://127.0.0.1:8080/")
	}
	url := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", flagError(err)
	}
	if fs.NArg() > 0 {
		return "", usageErrorf("unexpected argument %q: load takes one URL", fs.Arg(0))
	}
	return url, nil
}

// phase turns the flags into the engine's request and options.
func (f *loadFlags) phase(url string) (load.Request, load.Options, error) {
	req := load.Request{Method: f.method, URL: url, Header: f.headers, Body: []byte(f.body)}
	if f.bodyFile != "" {
		if f.body != "" {
			return req, load.Options{}, usageErrorf("give -body or -body-file, not both")
		}
		b, err := os.ReadFile(f.bodyFile)
		if err != nil {
			return req, load.Options{}, &badInputError{fmt.Errorf("reading the request body: %w", err)}
		}
		req.Body = b
	}
	if f.rampTo > 0 && f.rate == 0 {
		return req, load.Options{}, usageErrorf("-ramp-to needs -rate (the rate to start from)")
	}
	opt := load.Options{
		Connections: f.connections, Duration: f.duration, Warmup: f.warmup,
		Rate: f.rate, RampTo: f.rampTo, Timeout: f.timeout, Pipeline: f.pipeline, Loops: f.loops,
		Check: load.Check{Status: f.expectStatus, BodyContains: f.expectBody, BodyLength: f.expectLength},
	}
	return req, opt, nil
}

func (f *loadFlags) show(w io.Writer, url string, opt load.Options, res *load.Result) error {
	if f.asJSON {
		out, err := loadJSON(url, opt, res)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return writeLoadSummary(w, url, opt, res)
}

// loadReport is stackgate load's JSON output.
type loadReport struct {
	URL         string        `json:"url"`
	Connections int           `json:"connections"`
	Seconds     float64       `json:"seconds"`
	Rate        float64       `json:"rate,omitempty"`
	RampTo      float64       `json:"ramp_to,omitempty"`
	Requests    int64         `json:"requests"`
	Throughput  float64       `json:"throughput"`
	Errors      result.Errors `json:"errors"`
	ErrorRate   float64       `json:"error_rate"`
	Reconnects  int64         `json:"reconnects"`
	Sent        int64         `json:"sent,omitempty"`
	Backlogged  int64         `json:"backlogged,omitempty"`
	Unsent      int64         `json:"unsent,omitempty"`
	Latency     percentiles   `json:"latency_ms"`
	Lateness    *percentiles  `json:"lateness_ms,omitempty"`
	Generator   generatorJSON `json:"generator"`
	Saturated   string        `json:"saturated,omitempty"`
	Series      []secondJSON  `json:"series"`
	Histogram   string        `json:"histogram"`
}

type percentiles struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

type generatorJSON struct {
	Loops         int     `json:"loops"`
	CPUSeconds    float64 `json:"cpu_s"`
	CPUPerRequest float64 `json:"cpu_us_per_request"`
	Busiest       float64 `json:"busiest_loop_cpu_share"`
}

type secondJSON struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors,omitempty"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
}

func loadJSON(url string, opt load.Options, res *load.Result) (loadReport, error) {
	hist, err := result.EncodeHistogram(res.Latency)
	if err != nil {
		return loadReport{}, err
	}
	r := loadReport{
		URL: url, Connections: opt.Connections, Seconds: res.Elapsed.Seconds(), Rate: opt.Rate, RampTo: opt.RampTo,
		Requests: res.Requests, Throughput: res.Throughput(), Errors: result.Errors(res.Errors), ErrorRate: res.ErrorRate(),
		Reconnects: res.Reconnects, Sent: res.Sent, Backlogged: res.Backlogged, Unsent: res.Unsent,
		Latency: percentilesOf(res.Latency), Saturated: res.Saturated, Histogram: hist, Series: []secondJSON{},
		Generator: generatorJSON{
			Loops: res.Generator.Loops, CPUSeconds: res.Generator.CPU.Seconds(),
			CPUPerRequest: float64(res.CPUPerRequest()) / float64(time.Microsecond), Busiest: res.Generator.Busiest,
		},
	}
	if opt.Rate > 0 {
		p := percentilesOf(res.Lateness)
		r.Lateness = &p
	}
	for _, s := range res.Series {
		r.Series = append(r.Series, secondJSON{Requests: s.Requests, Errors: s.Errors, P50: millis(s.P50), P99: millis(s.P99)})
	}
	return r, nil
}

func percentilesOf(h *hdrhistogram.Histogram) percentiles {
	q := func(p float64) float64 { return float64(h.ValueAtQuantile(p)) / 1000 }
	return percentiles{Mean: h.Mean() / 1000, P50: q(50), P90: q(90), P95: q(95), P99: q(99), P999: q(99.9), Max: float64(h.Max()) / 1000}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeLoadSummary prints what wrk users look for: throughput, errors, latency
// percentiles, and what the generator itself cost.
func writeLoadSummary(w io.Writer, url string, opt load.Options, res *load.Result) error {
	var b strings.Builder
	model := "closed loop (each connection sends when the previous answer arrived)"
	if opt.Rate > 0 {
		model = fmt.Sprintf("open loop at %g req/s", opt.Rate)
		if opt.RampTo > 0 && opt.RampTo != opt.Rate {
			model = fmt.Sprintf("open loop ramping from %g to %g req/s", opt.Rate, opt.RampTo)
		}
	}
	fmt.Fprintf(&b, "%s for %v, %d connections, %s\n", url, res.Elapsed.Round(time.Millisecond), opt.Connections, model)
	fmt.Fprintf(&b, "  requests    %d (%.1f/s)\n", res.Requests, res.Throughput())
	e := res.Errors
	fmt.Fprintf(&b, "  errors      %d (%.2f%%): %d connect, %d timeout, %d read/write, %d status, %d body\n",
		e.Total(), 100*res.ErrorRate(), e.Connect, e.Timeout, e.IO, e.Status, e.Body)
	fmt.Fprintf(&b, "  reconnects  %d\n", res.Reconnects)
	fmt.Fprintf(&b, "  latency     %s\n", formatPercentiles(percentilesOf(res.Latency)))
	if opt.Rate > 0 {
		fmt.Fprintf(&b, "  schedule    %d sent in the window (%.1f/s); %d sent late because every connection was busy (in their latency), %d never sent\n",
			res.Sent, float64(res.Sent)/max(res.Elapsed.Seconds(), 1e-9), res.Backlogged, res.Unsent)
		fmt.Fprintf(&b, "  lateness    %s (the generator's own, not charged to the target)\n", formatPercentiles(percentilesOf(res.Lateness)))
	}
	g := res.Generator
	fmt.Fprintf(&b, "  generator   %d loop(s), %v CPU (%.1f µs/request), busiest loop %.0f%% of a CPU\n",
		g.Loops, g.CPU.Round(time.Millisecond), float64(res.CPUPerRequest())/float64(time.Microsecond), 100*g.Busiest)
	if res.Saturated != "" {
		fmt.Fprintf(&b, "  SATURATED   %s: these numbers measure the generator, not the target\n", res.Saturated)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func formatPercentiles(p percentiles) string {
	return fmt.Sprintf("mean %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
		fmtMillis(p.Mean), fmtMillis(p.P50), fmtMillis(p.P90), fmtMillis(p.P99), fmtMillis(p.P999), fmtMillis(p.Max))
}

// fmtMillis prints a duration in ms with three significant figures.
func fmtMillis(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0fms", ms)
	case ms >= 10:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.2fms", ms)
}
