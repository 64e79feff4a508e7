// Package metric is the catalogue of what stackgate measures per run: each metric's name,
// unit, which direction is better, and whether it is gated by default with which tolerances.
// Config validation, the result model, the comparison and the reports all read this one
// table, so a metric is defined exactly once.
package metric

// Direction says which way a metric gets better.
type Direction int

const (
	// LowerIsBetter: latency, error rate, CPU per request...
	LowerIsBetter Direction = iota
	// HigherIsBetter: throughput.
	HigherIsBetter
	// Info metrics are reported, never judged.
	Info
)

// Tolerance is how far a metric may move in its bad direction before the gate warns or
// fails. For most metrics it is relative, in percent of the baseline's median; for metrics
// whose unit is already a percentage (error rate) it is absolute, in percentage points,
// because a relative change from zero errors is meaningless.
type Tolerance struct {
	Warn float64
	Fail float64
}

// Metric describes one measured quantity.
type Metric struct {
	Name      string
	Unit      string // "req/s", "ms", "%"
	Better    Direction
	Gated     bool      // gated by default (DESIGN §5: throughput, p99, error rate)
	Tolerance Tolerance // default tolerance
	Absolute  bool      // tolerance in the metric's own unit (percentage points), not relative
	// Signed metrics may be negative: a slope, or a difference of counters taken at the
	// start and end of a phase. The others never are (file checks refuse such a value).
	Signed bool
	// Timed metrics are a time or a rate: they move with the machine's speed, which drifts
	// between invocations on a shared machine; counts and memory do not.
	Timed bool
	// DriftFactor scales the drift assumed between invocations (gate.drift, for a stored
	// baseline without enough recordings to estimate it) for this timed metric: tail
	// latencies moved 1.4–4.5 times as far as throughput between sittings on this
	// project's shared VMs (bench/sensitivity), so they assume 2.5 times gate.drift.
	// 0 means 1.
	DriftFactor float64
	Doc         string
}

// AssumedDrift is the drift, in percent, assumed for the metric when gate.drift is drift.
func (m Metric) AssumedDrift(drift float64) float64 {
	if m.DriftFactor > 0 {
		return drift * m.DriftFactor
	}
	return drift
}

// Names of the metrics, as they appear in result files and in `[gate.metric.<name>]`.
const (
	Throughput = "throughput"
	ErrorRate  = "error_rate"
	P50        = "p50"
	P90        = "p90"
	P99        = "p99"
	P999       = "p999"
	Max        = "max"

	CPUPerRequest     = "cpu_per_req"
	DBCPUPerRequest   = "db_cpu_per_req"
	QueriesPerRequest = "db_queries_per_req"
	RowsPerRequest    = "db_rows_per_req"
	RSSPeak           = "rss_peak"
	RSSGrowth         = "rss_growth"
	SessionsPeak      = "db_sessions_peak"
	ThreadsPeak       = "threads_peak"
)

// tailDrift is the DriftFactor of tail latencies (see Metric.DriftFactor).
const tailDrift = 2.5

// All lists every metric in report order. The gated metrics' warn tolerances follow what A/B
// mode was measured to see (bench/sensitivity, README "How the gate decides"): throughput
// 1 % (a latency-bound scenario's pairs spread 0.3 %), p99 3 % (+2–4 % found at p ≤ 0.005).
// A tolerance does not guard against false alarms — the test's α does — it says how large
// a significant change must be to be reported as a regression.
var All = []Metric{
	{Name: Throughput, Timed: true, Unit: "req/s", Better: HigherIsBetter, Gated: true, Tolerance: Tolerance{Warn: 1, Fail: 5},
		Doc: "requests per second of the closed-loop throughput phase"},
	{Name: ErrorRate, Unit: "%", Better: LowerIsBetter, Gated: true, Absolute: true,
		Doc: "failed requests (socket errors, timeouts, wrong status or body) in percent of all requests of both phases"},
	{Name: P50, Timed: true, Unit: "ms", Better: LowerIsBetter, Tolerance: Tolerance{Warn: 5, Fail: 10},
		Doc: "median latency at the fixed rate of the latency phase"},
	{Name: P90, Timed: true, Unit: "ms", Better: LowerIsBetter, DriftFactor: tailDrift, Tolerance: Tolerance{Warn: 5, Fail: 10},
		Doc: "90th percentile latency at the fixed rate"},
	{Name: P99, Timed: true, Unit: "ms", Better: LowerIsBetter, Gated: true, DriftFactor: tailDrift, Tolerance: Tolerance{Warn: 3, Fail: 10},
		Doc: "99th percentile latency at the fixed rate"},
	{Name: P999, Timed: true, Unit: "ms", Better: LowerIsBetter, DriftFactor: tailDrift, Tolerance: Tolerance{Warn: 10, Fail: 20},
		Doc: "99.9th percentile latency at the fixed rate"},
	{Name: Max, Timed: true, Unit: "ms", Better: LowerIsBetter, DriftFactor: tailDrift, Tolerance: Tolerance{Warn: 20, Fail: 50},
		Doc: "largest latency at the fixed rate"},
	{Name: CPUPerRequest, Timed: true, Unit: "µs", Better: LowerIsBetter, Tolerance: Tolerance{Warn: 10, Fail: 20},
		Signed: true, Doc: "CPU time of the stack's processes and their children per request, at the fixed rate"},
	{Name: DBCPUPerRequest, Timed: true, Unit: "µs", Better: LowerIsBetter, Tolerance: Tolerance{Warn: 10, Fail: 20},
		Signed: true, Doc: "CPU time of PostgreSQL (server and backends) per request, at the fixed rate"},
	{Name: QueriesPerRequest, Unit: "queries", Better: LowerIsBetter, Tolerance: Tolerance{Warn: 2, Fail: 5},
		Signed: true, Doc: "statements the database ran per request (pg_stat_statements), at the fixed rate"},
	{Name: RowsPerRequest, Unit: "rows", Better: LowerIsBetter, Tolerance: Tolerance{Warn: 5, Fail: 10},
		Signed: true, Doc: "rows the database returned or changed per request, at the fixed rate"},
	{Name: RSSPeak, Unit: "MB", Better: LowerIsBetter, Tolerance: Tolerance{Warn: 10, Fail: 25},
		Doc: "largest resident memory of the stack's process tree during the run"},
	{Name: RSSGrowth, Unit: "B/req", Better: LowerIsBetter, Absolute: true, Tolerance: Tolerance{Warn: 256, Fail: 1024},
		Signed: true, Doc: "how fast the stack's resident memory grows per request during the throughput phase (a leak is a slope, not a peak)"},
	{Name: SessionsPeak, Unit: "sessions", Better: Info,
		Doc: "most database sessions in use at once"},
	{Name: ThreadsPeak, Unit: "threads", Better: Info,
		Doc: "most threads of the stack's process tree"},
}

// Lookup returns the metric called name.
func Lookup(name string) (Metric, bool) {
	for _, m := range All {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Names returns the names of all metrics in report order.
func Names() []string {
	names := make([]string, len(All))
	for i, m := range All {
		names[i] = m.Name
	}
	return names
}
