// Package result is stackgate's data model of a measurement — a Result holds, per scenario,
// the runs of one invocation with one sample per metric each, the machine's fingerprint, the
// definition hash, encoded histograms and warnings — and its files: versioned JSON written
// atomically, so a crash or a full disk never leaves a half-written file behind.
package result

import (
	"sort"
	"time"
)

// Schema identifies the version of the result file format.
const Schema = "stackgate.result/v1"

// FileName is the result file written into the output directory.
const FileName = "stackgate-result.json"

// Result is everything one invocation measured.
type Result struct {
	Schema         string            `json:"schema"`
	Tool           string            `json:"tool"` // "stackgate <version> (<go version>)"
	Suite          string            `json:"suite"`
	Profile        string            `json:"profile"` // "full" or "quick"
	DefinitionHash string            `json:"definition_hash"`
	Definition     map[string]string `json:"definition"`
	Fingerprint    Fingerprint       `json:"fingerprint"`
	Git            Git               `json:"git"`
	// Environment is what the processes of the stack (and its build and setup steps)
	// inherited from stackgate's environment that can change a measurement: names and
	// values, secret-looking values hashed (stack.Recorded).
	Environment map[string]string `json:"environment,omitempty"`
	Started     time.Time         `json:"started"`
	Finished    time.Time         `json:"finished"`
	// Complete is false when the invocation stopped early (error or interrupt); Error says why.
	Complete bool   `json:"complete"`
	Error    string `json:"error,omitempty"`
	// Shard is "i/n" when the result is one shard of a matrix (`run -shard`): it measured
	// only that shard's scenarios. Empty for a whole suite, merged shards included.
	Shard string `json:"shard,omitempty"`
	// AllScenarios are the suite's scenarios, from its definition, in suite order: what a
	// whole measurement must hold (absent in older files).
	AllScenarios []string   `json:"all_scenarios,omitempty"`
	Scenarios    []Scenario `json:"scenarios"`
	Warnings     []Warning  `json:"warnings,omitempty"`
}

// Fingerprint describes the machine. The identity fields (CPU model, logical CPUs, memory,
// runner) must match for results to be comparable; the others are recorded so that a
// difference can be shown as a warning.
type Fingerprint struct {
	Runner      string `json:"runner"`
	CPUModel    string `json:"cpu_model"`
	LogicalCPUs int    `json:"logical_cpus"`
	MemoryBytes uint64 `json:"memory_bytes"`

	Hostname   string `json:"hostname"`
	Kernel     string `json:"kernel"`
	Governor   string `json:"governor"`
	Turbo      string `json:"turbo"`
	SMT        string `json:"smt"`
	GoVersion  string `json:"go_version"`
	PostgreSQL string `json:"postgresql"`
}

// Git is the revision of the code measured, when the config lives in a git work tree.
type Git struct {
	Revision string `json:"revision,omitempty"`
	Dirty    bool   `json:"dirty,omitempty"`
}

// Scenario holds the runs of one scenario.
type Scenario struct {
	Name string `json:"name"`
	Runs []Run  `json:"runs"`
}

// Run is one measurement of one scenario on a freshly restarted stack: one sample per metric.
type Run struct {
	Run        int                `json:"run"`               // 1-based run number
	Seq        int                `json:"seq"`               // position in the invocation's execution order
	Started    time.Time          `json:"started"`           // when the stack was started for this run
	Metrics    map[string]float64 `json:"metrics"`           // metric name (package metric) → sample
	Counts     *Counts            `json:"counts,omitempty"`  // requests and errors of both phases
	Invalid    []string           `json:"invalid,omitempty"` // why this run cannot be trusted
	Throughput Phase              `json:"throughput"`        // closed loop
	Latency    Phase              `json:"latency"`           // open loop at the fixed rate
	Logs       map[string]string  `json:"logs,omitempty"`    // process → log file, relative to the output directory
}

// Counts are the requests a run attempted over both phases and how many of them failed:
// the error rate's numerator and denominator. The gate pools them over runs, so that
// errors in a few runs are not hidden by a median of zero.
type Counts struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
}

// Phase is what the load generator saw in one phase of a run.
type Phase struct {
	Connections int     `json:"connections"`
	Rate        float64 `json:"rate,omitempty"` // target rate (open loop)
	Seconds     float64 `json:"seconds"`        // length of the measured window
	Requests    int64   `json:"requests"`
	Errors      Errors  `json:"errors"`
	Reconnects  int64   `json:"reconnects"`
	Backlogged  int64   `json:"backlogged,omitempty"` // open loop: sent late because every connection was busy
	Unsent      int64   `json:"unsent,omitempty"`     // open loop: due but never sent
	// Histogram is the latency HdrHistogram (µs) in HdrHistogram's compressed base64 form.
	Histogram string `json:"histogram"`
	// Lateness is the generator's own send lateness (µs), open loop only.
	Lateness string   `json:"lateness,omitempty"`
	Series   []Second `json:"series,omitempty"`
	// Resources is what the stack and the database used during the phase.
	Resources *Resources `json:"resources,omitempty"`
}

// Resources is what the stack's process tree and the database used during a phase.
type Resources struct {
	StackCPU float64 `json:"stack_cpu_seconds"`
	DBCPU    float64 `json:"db_cpu_seconds"`
	// Statements and Rows the database ran for the stack (absent without pg_stat_statements).
	Statements *int64 `json:"db_statements,omitempty"`
	Rows       *int64 `json:"db_rows,omitempty"`
	// RSSPeak is the largest resident memory of the stack's tree (bytes); RSSSlope how fast
	// it grew (bytes per second, least squares over the samples).
	RSSPeak      uint64  `json:"rss_peak_bytes"`
	RSSSlope     float64 `json:"rss_slope_bytes_per_second"`
	ThreadsPeak  int     `json:"threads_peak"`
	SessionsPeak int     `json:"db_sessions_peak"`
	SessionsMean float64 `json:"db_sessions_mean"`
	Samples      int     `json:"samples"` // how many periodic samples the peaks and slope rest on
}

// Errors counts failed requests by kind.
type Errors struct {
	Connect int64 `json:"connect,omitempty"`
	Timeout int64 `json:"timeout,omitempty"`
	IO      int64 `json:"io,omitempty"`
	Status  int64 `json:"status,omitempty"`
	Body    int64 `json:"body,omitempty"`
}

// Total is the number of failed requests.
func (e Errors) Total() int64 { return e.Connect + e.Timeout + e.IO + e.Status + e.Body }

// Second is one second of a phase's measured window.
type Second struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors,omitempty"`
	P50      float64 `json:"p50_ms,omitempty"` // latency of the answers completed in this second
	P99      float64 `json:"p99_ms,omitempty"`
}

// Warning is a problem that does not stop the measurement but must be shown with it.
type Warning struct {
	Scenario string `json:"scenario,omitempty"`
	Run      int    `json:"run,omitempty"`
	Message  string `json:"message"`
}

// Scenario returns the scenario called name, or nil.
func (r *Result) Scenario(name string) *Scenario {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}

// Samples returns the metric's sample of every valid run, in run order.
func (s *Scenario) Samples(metric string) []float64 {
	var out []float64
	for _, r := range s.Runs {
		if v, ok := r.Metrics[metric]; ok && len(r.Invalid) == 0 {
			out = append(out, v)
		}
	}
	return out
}

// PooledCounts adds up the counts of every valid run; ok is false when a valid run has
// none (a result or baseline written before counts were kept) or there is no valid run.
func (s *Scenario) PooledCounts() (sum Counts, ok bool) {
	for _, r := range s.Runs {
		if len(r.Invalid) > 0 {
			continue
		}
		if r.Counts == nil {
			return Counts{}, false
		}
		sum.Requests += r.Counts.Requests
		sum.Errors += r.Counts.Errors
		ok = true
	}
	return sum, ok
}

// Metrics lists the metric names present in any run, sorted.
func (s *Scenario) Metrics() []string {
	seen := map[string]bool{}
	for _, r := range s.Runs {
		for m := range r.Metrics {
			seen[m] = true
		}
	}
	names := make([]string, 0, len(seen))
	for m := range seen {
		names = append(names, m)
	}
	sort.Strings(names)
	return names
}
