// Package config reads a suite definition (stackgate.toml): the database, the stack's
// processes, the load settings, the scenarios and the gate rules. Parsing is strict —
// unknown keys, wrong types, missing and impossible values are errors naming the key and,
// where it can be found, the line — and every default is filled in by one function
// (applyDefaults), so the rest of stackgate sees a complete, valid Suite.
//
// The package also owns the template language of run, dir and env ({workdir},
// {addr:NAME}…): Expand, and the validation that reports unknown placeholders by line.
// Settings that depend on the machine (CPUs, users, root) are checked apart, by
// CheckMachine, so that parsing stays a function of the file.
//
// The package also computes the suite's definition: the canonical form of everything that
// shapes a measurement, and its hash. Results are only comparable with baselines of the same
// definition.
package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// Suite is one benchmark definition, read from a stackgate.toml.
type Suite struct {
	// Suite names the benchmark; it names the baseline file.
	Suite string `toml:"suite"`
	// Runner names the machine for baselines when neither -runner nor STACKGATE_RUNNER is set.
	Runner string `toml:"runner"`

	// Hosts maps host names to loopback addresses for the stack's processes, for apps that
	// connect to a fixed host ("perf-dbpool", "tfb-database"): they see them in a private
	// /etc/hosts (needs root).
	Hosts map[string]string `toml:"hosts"`

	Build     []Command  `toml:"build"`
	Database  Database   `toml:"database"`
	Processes []Process  `toml:"process"`
	Load      Load       `toml:"load"`
	Quick     Quick      `toml:"quick"`
	Scenarios []Scenario `toml:"scenario"`
	Gate      Gate       `toml:"gate"`

	// File is the path the suite was read from; Dir is its directory ({configdir}).
	File string `toml:"-"`
	Dir  string `toml:"-"`
	// Profile is "full", or "quick" once WithQuick has been applied.
	Profile string `toml:"-"`
	// Duet, set by `run -against REV -duet`, runs both revisions' stacks at the same time
	// (see CheckDuet). It is part of the definition: numbers measured beside another stack
	// are comparable only with numbers measured so.
	Duet bool `toml:"-"`

	// name and lines say where each key is written, for CheckMachine's messages.
	name  string
	lines lineIndex
}

// Command is a program run to completion: a build step or a database setup step.
type Command struct {
	// Run is the argv, executed without a shell; template values are allowed.
	Run []string `toml:"run"`
	// Dir is the working directory, relative to the config file's directory.
	Dir string            `toml:"dir"`
	Env map[string]string `toml:"env"`
	// SQL is a file of SQL run with psql (database setup only; exclusive with Run).
	SQL string `toml:"sql"`
	// Timeout bounds the step.
	Timeout Duration `toml:"timeout"`
}

// Database is the managed PostgreSQL every run starts from.
type Database struct {
	// Name of the database the stack uses ({database_url} points at it).
	Name string `toml:"name"`
	// Settings are postgresql.conf settings on top of DefaultDatabaseSettings.
	Settings map[string]any `toml:"settings"`
	// Setup steps load the schema and data once per invocation; every run then starts
	// from a fresh copy of the result.
	Setup []Command `toml:"setup"`
}

// Process is one long-running program of the stack, restarted for every run.
type Process struct {
	Name string            `toml:"name"`
	Run  []string          `toml:"run"`
	Dir  string            `toml:"dir"`
	Env  map[string]string `toml:"env"`
	// Listen is a fixed address the process listens on ("127.0.0.2:5432", or a name of
	// [hosts] with a port), for programs whose address cannot be configured; by default
	// stackgate gives each process a free loopback port ({addr}).
	Listen string `toml:"listen"`
	// User runs the process as another OS user (needs root); pgbouncer, like PostgreSQL,
	// refuses to run as root.
	User  string `toml:"user"`
	CPUs  []int  `toml:"cpus"`
	Ready Ready  `toml:"ready"`
	// Grace is how long the process may take to stop after SIGTERM before it is killed.
	Grace Duration `toml:"grace"`
}

// Ready says when a started process is ready to serve. At most one kind may be set.
type Ready struct {
	HTTP    string   `toml:"http"` // path probed with GET on the process's address
	TCP     bool     `toml:"tcp"`
	Log     string   `toml:"log"` // regular expression matched against log lines
	Timeout Duration `toml:"timeout"`
}

// Load is how the load generator drives every scenario (scenarios may override rate and
// connections).
type Load struct {
	// Target is the process receiving the load.
	Target      string   `toml:"target"`
	Connections int      `toml:"connections"`
	Warmup      Duration `toml:"warmup"`
	Duration    Duration `toml:"duration"`
	// Rate of the open-loop latency phase, requests per second. A fixed number: a rate
	// derived from today's throughput would drift with the code under test.
	Rate    float64  `toml:"rate"`
	Timeout Duration `toml:"timeout"`
	// CPUs partition the machine: the load generator's loops run on these CPUs, and the
	// stack's processes without cpus of their own, and PostgreSQL, on the others.
	// Empty: nothing is pinned.
	CPUs []int `toml:"cpus"`
}

// Quick is the short profile selected by -quick, for local tries and CI.
type Quick struct {
	Warmup   Duration `toml:"warmup"`
	Duration Duration `toml:"duration"`
	Runs     int      `toml:"runs"`
}

// Scenario is one request the suite measures.
type Scenario struct {
	Name        string            `toml:"name"`
	Method      string            `toml:"method"`
	Path        string            `toml:"path"`
	Headers     map[string]string `toml:"headers"`
	Body        string            `toml:"body"`
	Rate        float64           `toml:"rate"`
	Connections int               `toml:"connections"`
	Expect      Expect            `toml:"expect"`
}

// Expect is what a right answer looks like; an endpoint that answers wrongly is not timed.
type Expect struct {
	Status       int    `toml:"status"` // 0: any 2xx
	ContentType  string `toml:"content_type"`
	BodyContains string `toml:"body_contains"`
	// JSONFields the body must have: a JSON object with these fields, or a non-empty array
	// of such objects.
	JSONFields []string `toml:"json_fields"`
}

// Gate holds the rules for judging a result against a baseline. They are not part of the
// definition: tolerances and run counts may change without invalidating baselines.
type Gate struct {
	Runs    int     `toml:"runs"`
	MaxRuns int     `toml:"max_runs"`
	Alpha   float64 `toml:"alpha"`
	// Drift is the spread between invocations, in percent, a stored baseline is assumed to
	// have until its history can tell (compare.Rules.Drift); nil: DefaultDrift.
	Drift   *float64              `toml:"drift"`
	Metrics map[string]MetricRule `toml:"metric"`
}

// MetricRule overrides the catalogue's defaults for one metric (see package metric).
type MetricRule struct {
	Gate *bool    `toml:"gate"`
	Warn *float64 `toml:"warn"`
	Fail *float64 `toml:"fail"`
}

// Duration is a time.Duration written as a Go duration string ("5s", "250ms").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration string and says how to write one when it is not.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return errNotDuration(string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back in Go's notation.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Path resolves a path written in the config relative to the config file's directory.
func (s *Suite) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// ScenarioRate is the open-loop rate for s (its own or the suite's).
func (s *Suite) ScenarioRate(sc Scenario) float64 {
	if sc.Rate > 0 {
		return sc.Rate
	}
	return s.Load.Rate
}

// ScenarioConnections is the number of connections for s (its own or the suite's).
func (s *Suite) ScenarioConnections(sc Scenario) int {
	if sc.Connections > 0 {
		return sc.Connections
	}
	return s.Load.Connections
}

// TargetProcess returns the process receiving the load.
func (s *Suite) TargetProcess() Process {
	for _, p := range s.Processes {
		if p.Name == s.Load.Target {
			return p
		}
	}
	return Process{}
}

// WithQuick returns a copy of the suite with the quick profile applied: shorter phases,
// fewer runs, no confirmation stage. The phases are part of the definition, so quick results get their own hash
// and are compared with quick baselines only.
func (s *Suite) WithQuick() *Suite {
	q := *s
	q.Load.Warmup = s.Quick.Warmup
	q.Load.Duration = s.Quick.Duration
	q.Gate.Runs = s.Quick.Runs
	q.Gate.MaxRuns = s.Quick.Runs // quick means quick: no confirmation runs
	q.Profile = ProfileQuick
	return &q
}

// Profiles.
const (
	ProfileFull  = "full"
	ProfileQuick = "quick"
)

// CheckDuet says why the suite's two revisions cannot run at the same time (nil when they
// can): each stack needs addresses and a database of its own, so no process may listen on
// a fixed address.
func (s *Suite) CheckDuet() error {
	for _, p := range s.Processes {
		if a := s.ListenAddr(p); a != "" {
			return fmt.Errorf("process %s listens on the fixed address %s, which two stacks cannot share: -duet needs every process on {addr}", p.Name, a)
		}
	}
	return nil
}
