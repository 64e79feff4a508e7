package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stackgate/stackgate/internal/metric"
)

// Limits on values that would hurt the machine or cannot be measured.
const (
	MaxConnections = 10000
	MaxRate        = 1_000_000 // requests per second the generator can schedule
	MaxPhase       = time.Hour
	MinDuration    = 100 * time.Millisecond
	MaxRequestWait = 10 * time.Minute
	MaxRuns        = 1000
)

var (
	namePattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	procNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	dbNamePattern   = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	settingPattern  = regexp.MustCompile(`^[a-z_][a-z0-9_.]*$`)
	headerPattern   = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// managedSettings are postgresql.conf settings stackgate owns: changing them would break the
// managed server.
var managedSettings = map[string]bool{
	"port": true, "listen_addresses": true, "unix_socket_directories": true, "data_directory": true,
	"hba_file": true, "ident_file": true, "config_file": true, "logging_collector": true,
}

// managedHeaders are written by the load generator itself.
var managedHeaders = map[string]bool{"host": true, "content-length": true, "connection": true, "transfer-encoding": true}

// validate records every impossible or missing value of s (defaults already applied).
func validate(s *Suite, ps *problems, set func(string) bool) {
	if s.Suite == "" {
		ps.add("suite", `missing: add suite = "<name>" at the top (it names the baseline file)`)
	} else if !namePattern.MatchString(s.Suite) {
		ps.add("suite", "%q: use letters, digits, '.', '_' and '-' (it becomes a file name)", s.Suite)
	}
	if s.Runner != "" && !namePattern.MatchString(s.Runner) {
		ps.add("runner", "%q: use letters, digits, '.', '_' and '-' (it becomes a directory name)", s.Runner)
	}
	for i, c := range s.Build {
		validateCommand(ps, fmt.Sprintf("build[%d]", i), c, false)
	}
	validateDatabase(ps, s.Database)
	validateProcesses(ps, s.Processes)
	validateHosts(ps, s.Hosts)
	validateListen(ps, s)
	validateTemplates(ps, s)
	validateLoad(ps, s, set)
	validateQuick(ps, s.Quick)
	validateScenarios(ps, s.Scenarios, set)
	validateGate(ps, s.Gate)
}

func validateCommand(ps *problems, at string, c Command, sqlAllowed bool) {
	switch {
	case c.SQL != "" && !sqlAllowed:
		ps.add(at+".sql", "sql files are only for [[database.setup]] steps; use run = [...] here")
	case c.SQL != "" && len(c.Run) > 0:
		ps.add(at, "set either run = [...] or sql = \"file.sql\", not both")
	case c.SQL == "" && len(c.Run) == 0 && sqlAllowed:
		ps.add(at, `missing: set run = ["program", "arg"...] or sql = "file.sql"`)
	case c.SQL == "" && len(c.Run) == 0:
		ps.add(at+".run", `missing: set run = ["program", "arg"...]`)
	case len(c.Run) > 0 && strings.TrimSpace(c.Run[0]) == "":
		ps.add(at+".run", "the program name (first element) is empty")
	}
	positive(ps, at+".timeout", c.Timeout.Duration, "how long the step may take")
}

func validateDatabase(ps *problems, d Database) {
	if !dbNamePattern.MatchString(d.Name) {
		ps.add("database.name", "%q: use lower-case letters, digits and '_', starting with a letter", d.Name)
	} else if d.Name == "postgres" || strings.HasPrefix(d.Name, "template") {
		ps.add("database.name", "%q is reserved by PostgreSQL: choose another name, e.g. \"bench\"", d.Name)
	}
	for _, k := range sortedKeys(d.Settings) {
		v := d.Settings[k]
		at := "database.settings." + k
		switch {
		case !settingPattern.MatchString(k):
			ps.add(at, "not a PostgreSQL setting name")
		case managedSettings[k]:
			ps.add(at, "set by stackgate for the managed server; remove it")
		}
		if _, ok := settingValue(v); !ok {
			ps.add(at, "expected a string, number or true/false")
		}
	}
	for i, c := range d.Setup {
		validateCommand(ps, fmt.Sprintf("database.setup[%d]", i), c, true)
	}
}

func validateProcesses(ps *problems, procs []Process) {
	if len(procs) == 0 {
		ps.add("process", `missing: describe the stack with at least one [[process]] (name, run, ready)`)
	}
	seen := map[string]bool{}
	for i, p := range procs {
		at := fmt.Sprintf("process[%d]", i)
		switch {
		case p.Name == "":
			ps.add(at+".name", `missing: name the process, e.g. name = "app"`)
		case !procNamePattern.MatchString(p.Name):
			ps.add(at+".name", "%q: use lower-case letters, digits, '_' and '-'", p.Name)
		case seen[p.Name]:
			ps.add(at+".name", "%q is used by two processes: names must be unique", p.Name)
		}
		seen[p.Name] = true
		if len(p.Run) == 0 || strings.TrimSpace(p.Run[0]) == "" {
			ps.add(at+".run", `missing: set run = ["program", "arg"...] (executed without a shell)`)
		}
		validateReady(ps, at+".ready", p.Ready)
		positive(ps, at+".grace", p.Grace.Duration, "how long the process may take to stop")
		validateCPUs(ps, at+".cpus", p.CPUs)
	}
}

func validateReady(ps *problems, at string, r Ready) {
	kinds := 0
	if r.HTTP != "" {
		kinds++
		if !strings.HasPrefix(r.HTTP, "/") {
			ps.add(at+".http", "%q: write the path to probe, starting with '/', e.g. \"/healthz\"", r.HTTP)
		}
	}
	if r.TCP {
		kinds++
	}
	if r.Log != "" {
		kinds++
		if _, err := regexp.Compile(r.Log); err != nil {
			ps.add(at+".log", "not a valid regular expression: %v", err)
		}
	}
	if kinds > 1 {
		ps.add(at, "set only one of http, tcp and log")
	}
	positive(ps, at+".timeout", r.Timeout.Duration, "how long to wait for the process to become ready")
}

func validateCPUs(ps *problems, at string, cpus []int) {
	seen := map[int]bool{}
	for _, c := range cpus {
		if c < 0 {
			ps.add(at, "CPU %d: CPU numbers start at 0", c)
		} else if seen[c] {
			ps.add(at, "CPU %d is listed twice", c)
		}
		seen[c] = true
	}
}

// sharedCPU is a CPU listed in both a and b.
func sharedCPU(a, b []int) (int, bool) {
	for _, c := range a {
		if slices.Contains(b, c) {
			return c, true
		}
	}
	return 0, false
}

func validateLoad(ps *problems, s *Suite, set func(string) bool) {
	l := s.Load
	validateCPUs(ps, "load.cpus", l.CPUs)
	for i, p := range s.Processes {
		if c, ok := sharedCPU(p.CPUs, l.CPUs); ok {
			ps.add(fmt.Sprintf("process[%d].cpus", i), "CPU %d is the load generator's (load.cpus): pin the process to other CPUs, or leave out cpus to run it on the rest", c)
		}
	}
	if l.Target == "" && len(s.Processes) > 1 {
		ps.add("load.target", "missing: name the process that receives the load (the stack has several)")
	} else if l.Target != "" && len(s.Processes) > 0 && s.TargetProcess().Name == "" {
		ps.add("load.target", "%q is not a process of the stack; write one of the [[process]] names", l.Target)
	}
	if l.Connections < 1 || l.Connections > MaxConnections {
		ps.add("load.connections", "%d: must be between 1 and %d", l.Connections, MaxConnections)
	}
	if l.Warmup.Duration < 0 || l.Warmup.Duration > MaxPhase {
		ps.add("load.warmup", "%s: must be between 0s and %s", l.Warmup, MaxPhase)
	}
	phase(ps, "load.duration", l.Duration.Duration)
	if set("load.rate") || !everyScenarioHasRate(s.Scenarios) {
		rate(ps, "load.rate", l.Rate, set("load.rate"))
	}
	if l.Timeout.Duration <= 0 || l.Timeout.Duration > MaxRequestWait {
		ps.add("load.timeout", "%s: must be more than 0s and at most %s", l.Timeout, MaxRequestWait)
	}
}

func everyScenarioHasRate(scs []Scenario) bool {
	for _, sc := range scs {
		if sc.Rate == 0 {
			return false
		}
	}
	return len(scs) > 0
}

func validateQuick(ps *problems, q Quick) {
	if q.Warmup.Duration < 0 || q.Warmup.Duration > MaxPhase {
		ps.add("quick.warmup", "%s: must be between 0s and %s", q.Warmup, MaxPhase)
	}
	phase(ps, "quick.duration", q.Duration.Duration)
	if q.Runs < 1 || q.Runs > MaxRuns {
		ps.add("quick.runs", "%d: must be between 1 and %d", q.Runs, MaxRuns)
	}
}

func validateScenarios(ps *problems, scs []Scenario, set func(string) bool) {
	if len(scs) == 0 {
		ps.add("scenario", `missing: add at least one [[scenario]] with a name and a path`)
	}
	seen := map[string]bool{}
	for i, sc := range scs {
		at := fmt.Sprintf("scenario[%d]", i)
		switch {
		case sc.Name == "":
			ps.add(at+".name", `missing: name the scenario, e.g. name = "db"`)
		case !namePattern.MatchString(sc.Name):
			ps.add(at+".name", "%q: use letters, digits, '.', '_' and '-'", sc.Name)
		case seen[sc.Name]:
			ps.add(at+".name", "%q is used by two scenarios: names must be unique", sc.Name)
		}
		seen[sc.Name] = true
		if !methods[sc.Method] {
			ps.add(at+".method", "%q: use one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", sc.Method)
		}
		if !strings.HasPrefix(sc.Path, "/") || strings.ContainsAny(sc.Path, " \t\r\n") {
			ps.add(at+".path", "%q: write the request path starting with '/', e.g. \"/db\" (no spaces)", sc.Path)
		}
		for _, name := range sortedKeys(sc.Headers) {
			v := sc.Headers[name]
			switch {
			case !headerPattern.MatchString(name):
				ps.add(at+".headers."+name, "not a valid header name")
			case managedHeaders[strings.ToLower(name)]:
				ps.add(at+".headers."+name, "set by the load generator; remove it")
			case strings.ContainsAny(v, "\r\n"):
				ps.add(at+".headers."+name, "header values cannot contain line breaks")
			}
		}
		if set(at + ".rate") {
			rate(ps, at+".rate", sc.Rate, true)
		}
		if set(at+".connections") && (sc.Connections < 1 || sc.Connections > MaxConnections) {
			ps.add(at+".connections", "%d: must be between 1 and %d", sc.Connections, MaxConnections)
		}
		for _, f := range sc.Expect.JSONFields {
			if strings.TrimSpace(f) == "" {
				ps.add(at+".expect.json_fields", "an empty field name: list the JSON fields a right answer has, e.g. [\"id\", \"randomNumber\"]")
			}
		}
		if set(at+".expect.status") && (sc.Expect.Status < 100 || sc.Expect.Status > 599) {
			ps.add(at+".expect.status", "%d is not an HTTP status (100..599)", sc.Expect.Status)
		}
	}
}

func validateGate(ps *problems, g Gate) {
	if g.Runs < 1 || g.Runs > MaxRuns {
		ps.add("gate.runs", "%d: must be between 1 and %d", g.Runs, MaxRuns)
	}
	if g.MaxRuns < g.Runs || g.MaxRuns > MaxRuns {
		ps.add("gate.max_runs", "%d: must be between runs (%d) and %d", g.MaxRuns, g.Runs, MaxRuns)
	}
	if !(g.Alpha > 0 && g.Alpha <= 0.5) {
		ps.add("gate.alpha", "%g: the false-alarm rate must be more than 0 and at most 0.5 (e.g. 0.01)", g.Alpha)
	}
	if d := g.Drift; d != nil && !(*d >= 0 && *d < 100) {
		ps.add("gate.drift", "%g: the spread between invocations is a percentage from 0 (none) up to 100 (e.g. 3)", *d)
	}
	for _, name := range sortedKeys(g.Metrics) {
		r := g.Metrics[name]
		at := "gate.metric." + name
		m, ok := metric.Lookup(name)
		if !ok {
			ps.add(at, "unknown metric; known metrics: %s", strings.Join(metric.Names(), ", "))
			continue
		}
		if m.Better == metric.Info && r.Gate != nil && *r.Gate {
			ps.add(at+".gate", "%s is reported for information only: it has no better direction to gate on", name)
		}
		if r.Warn != nil && (*r.Warn < 0 || math.IsNaN(*r.Warn)) {
			ps.add(at+".warn", "%g: a tolerance cannot be negative", *r.Warn)
		}
		if r.Fail != nil && (*r.Fail < 0 || math.IsNaN(*r.Fail)) {
			ps.add(at+".fail", "%g: a tolerance cannot be negative", *r.Fail)
		}
		if r.Warn != nil && r.Fail != nil && *r.Warn > *r.Fail {
			ps.add(at, "warn (%g) is larger than fail (%g): the warn tolerance must not exceed the fail tolerance", *r.Warn, *r.Fail)
		}
	}
}

func positive(ps *problems, at string, d time.Duration, what string) {
	if d <= 0 {
		ps.add(at, "%s: must be more than 0s (%s)", d, what)
	}
}

func phase(ps *problems, at string, d time.Duration) {
	if d < MinDuration || d > MaxPhase {
		ps.add(at, "%s: a measured phase must last between %s and %s", d, MinDuration, MaxPhase)
	}
}

func rate(ps *problems, at string, r float64, written bool) {
	switch {
	case !written:
		ps.add(at, "missing: set the fixed request rate (req/s) of the latency phase, below the stack's capacity (e.g. half its throughput)")
	case !(r > 0) || r > MaxRate || math.IsInf(r, 0):
		ps.add(at, "%g: the rate must be more than 0 and at most %d requests per second", r, MaxRate)
	}
}

// settingValue renders a TOML value of [database.settings] as postgresql.conf text.
func settingValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return fmt.Sprint(x), true
	case float64:
		return fmt.Sprint(x), true
	case bool:
		if x {
			return "on", true
		}
		return "off", true
	}
	return "", false
}

// DatabaseSettings returns the postgresql.conf settings of the suite: the defaults with the
// suite's own on top.
func (s *Suite) DatabaseSettings() map[string]string {
	out := DefaultDatabaseSettings()
	for k, v := range s.Database.Settings {
		if text, ok := settingValue(v); ok {
			out[k] = text
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
