package config

import (
	"fmt"
	"time"
)

// Defaults of a suite. They are filled in by applyDefaults, the only place that does so.
const (
	DefaultFile           = "stackgate.toml"
	DefaultDatabaseName   = "bench"
	DefaultConnections    = 32
	DefaultWarmup         = 5 * time.Second
	DefaultDuration       = 10 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultReadyTimeout   = 30 * time.Second
	DefaultGrace          = 5 * time.Second
	DefaultStepTimeout    = 10 * time.Minute
	DefaultQuickWarmup    = 500 * time.Millisecond
	DefaultQuickDuration  = 1 * time.Second
	// DefaultQuickRuns is the fewest runs at which a regression of several times can be
	// significant across a suite of 5 scenarios (15 gated metrics at α 0.01: 7 against 7
	// runs reach p = 0.0003 < 0.01/15).
	DefaultQuickRuns = 7
	// DefaultRuns is set by internal/compare's statistical self-check (SelfCheckRuns): the
	// fewest runs at which 15 gated metrics with 3 % noise raise a false alarm in at most
	// 1 % of unchanged invocations and catch a 10 % regression (fail) in 90 % and a 5 %
	// regression (warn or fail) in 80 %.
	DefaultRuns  = 12
	DefaultAlpha = 0.01
	// DefaultDrift is the spread between invocations (percent) assumed of a stored baseline
	// whose history is too short to show its own. bench/sensitivity measured the medians of
	// unchanged code on this project's shared 2-core VMs within an hour, with other jobs on
	// the machine: 11.5 % (8 invocations), 7.4 % between the base sides of 10 duets (README,
	// "How the gate decides"). A dedicated machine sets a smaller gate.drift, or lets three
	// recordings of the baseline measure it.
	DefaultDrift           = 10.0
	DefaultMethod          = "GET"
	DefaultMaxRunsMultiple = 2 // max_runs defaults to twice runs (room to confirm before alerting)
)

// DefaultDatabaseSettings tune the managed PostgreSQL for benchmarking: durability off
// (the database is thrown away after every invocation, and disk flushes are the noisiest
// part of a run), enough connections for pooled stacks. Users override any of them in
// [database.settings]; they are part of the definition.
func DefaultDatabaseSettings() map[string]string {
	return map[string]string{
		"fsync":              "off",
		"synchronous_commit": "off",
		"full_page_writes":   "off",
		"max_connections":    "200",
		"shared_buffers":     "128MB",
	}
}

// applyDefaults fills every value the file does not set (set reports whether a key path
// such as "load.warmup" or "scenario[0].rate" was written). It runs before validation, so
// validation sees the values that will be used, and a value written explicitly — even 0 —
// is validated rather than replaced.
func applyDefaults(s *Suite, set func(path string) bool) {
	def := func(path string, apply func()) {
		if !set(path) {
			apply()
		}
	}
	def("database.name", func() { s.Database.Name = DefaultDatabaseName })
	for i := range s.Build {
		commandDefaults(&s.Build[i], fmt.Sprintf("build[%d]", i), def)
	}
	for i := range s.Database.Setup {
		commandDefaults(&s.Database.Setup[i], fmt.Sprintf("database.setup[%d]", i), def)
	}
	for i := range s.Processes {
		processDefaults(&s.Processes[i], fmt.Sprintf("process[%d]", i), def)
	}
	if len(s.Processes) == 1 {
		def("load.target", func() { s.Load.Target = s.Processes[0].Name })
	}
	loadDefaults(&s.Load, def)
	quickDefaults(&s.Quick, def)
	for i := range s.Scenarios {
		def(fmt.Sprintf("scenario[%d].method", i), func() { s.Scenarios[i].Method = DefaultMethod })
	}
	gateDefaults(&s.Gate, def)
	if s.Profile == "" {
		s.Profile = ProfileFull
	}
}

type defaulter func(path string, apply func())

// DefaultGate returns the gate rules of a suite that sets none.
func DefaultGate() Gate {
	var g Gate
	gateDefaults(&g, func(_ string, apply func()) { apply() })
	return g
}

func commandDefaults(c *Command, at string, def defaulter) {
	def(at+".dir", func() { c.Dir = "." })
	def(at+".timeout", func() { c.Timeout.Duration = DefaultStepTimeout })
}

func processDefaults(p *Process, at string, def defaulter) {
	def(at+".dir", func() { p.Dir = "." })
	def(at+".ready.timeout", func() { p.Ready.Timeout.Duration = DefaultReadyTimeout })
	def(at+".grace", func() { p.Grace.Duration = DefaultGrace })
}

func loadDefaults(l *Load, def defaulter) {
	def("load.connections", func() { l.Connections = DefaultConnections })
	def("load.warmup", func() { l.Warmup.Duration = DefaultWarmup })
	def("load.duration", func() { l.Duration.Duration = DefaultDuration })
	def("load.timeout", func() { l.Timeout.Duration = DefaultRequestTimeout })
}

func quickDefaults(q *Quick, def defaulter) {
	def("quick.warmup", func() { q.Warmup.Duration = DefaultQuickWarmup })
	def("quick.duration", func() { q.Duration.Duration = DefaultQuickDuration })
	def("quick.runs", func() { q.Runs = DefaultQuickRuns })
}

func gateDefaults(g *Gate, def defaulter) {
	def("gate.runs", func() { g.Runs = DefaultRuns })
	def("gate.max_runs", func() { g.MaxRuns = g.Runs * DefaultMaxRunsMultiple })
	def("gate.alpha", func() { g.Alpha = DefaultAlpha })
	def("gate.drift", func() { d := DefaultDrift; g.Drift = &d })
}
