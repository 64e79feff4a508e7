package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// minimal is the smallest valid suite; cases below break it one way at a time.
const minimal = `suite = "demo"

[[process]]
name = "app"
run = ["./app", "-addr", "{addr}"]
ready = { http = "/healthz" }

[load]
rate = 100

[[scenario]]
name = "hello"
path = "/hello"
`

func TestParseFillsDefaults(t *testing.T) {
	s, err := Parse("stackgate.toml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"database name", s.Database.Name, DefaultDatabaseName},
		{"target is the only process", s.Load.Target, "app"},
		{"connections", s.Load.Connections, DefaultConnections},
		{"warmup", s.Load.Warmup.Duration, DefaultWarmup},
		{"duration", s.Load.Duration.Duration, DefaultDuration},
		{"timeout", s.Load.Timeout.Duration, DefaultRequestTimeout},
		{"method", s.Scenarios[0].Method, "GET"},
		{"ready timeout", s.Processes[0].Ready.Timeout.Duration, DefaultReadyTimeout},
		{"grace", s.Processes[0].Grace.Duration, DefaultGrace},
		{"process dir", s.Processes[0].Dir, "."},
		{"runs", s.Gate.Runs, DefaultRuns},
		{"max runs", s.Gate.MaxRuns, DefaultRuns * DefaultMaxRunsMultiple},
		{"alpha", s.Gate.Alpha, DefaultAlpha},
		{"drift", *s.Gate.Drift, DefaultDrift},
		{"quick runs", s.Quick.Runs, DefaultQuickRuns},
		{"profile", s.Profile, ProfileFull},
		{"scenario rate falls back to load.rate", s.ScenarioRate(s.Scenarios[0]), 100.0},
		{"db settings default", s.DatabaseSettings()["fsync"], "off"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestExplicitZeroWarmupIsKept(t *testing.T) {
	s, err := Parse("x.toml", []byte(strings.Replace(minimal, "rate = 100", "rate = 100\nwarmup = \"0s\"", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Load.Warmup.Duration != 0 {
		t.Errorf("warmup = %v, want 0 (explicitly written)", s.Load.Warmup)
	}
}

// TestErrors checks the exact messages users read for broken configs (golden files in
// testdata/errors; go test -update rewrites them).
func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
	}{
		{"syntax", "suite = \"demo\"\n[load\n"},
		{"wrong-type", strings.Replace(minimal, "rate = 100", "rate = 100\nconnections = \"many\"", 1)},
		{"bad-duration", strings.Replace(minimal, "rate = 100", "rate = 100\nduration = \"10 seconds\"", 1)},
		{"unknown-keys", strings.Replace(strings.Replace(minimal, "rate = 100", "rate = 100\nconections = 8", 1),
			`path = "/hello"`, "path = \"/hello\"\nexpect = { statuss = 200 }", 1)},
		{"missing-required", "[load]\nconnections = 4\n"},
		{"impossible-values", strings.Replace(strings.Replace(minimal, "rate = 100",
			"rate = -5\nconnections = 0\nduration = \"1ms\"\ntimeout = \"0s\"", 1),
			`path = "/hello"`, "path = \"hello\"\nmethod = \"FETCH\"\nexpect.status = 42\nheaders = { Host = \"x\" }", 1)},
		{"processes", strings.Replace(minimal, `ready = { http = "/healthz" }`,
			"ready = { http = \"healthz\", tcp = true }\ncpus = [1, 1, -2]\n\n[[process]]\nname = \"app\"\nrun = []\nready = { log = \"(\" }", 1)},
		// The load generator's CPUs are its own: a process pinned there is refused.
		{"partition", strings.Replace(strings.Replace(minimal, "rate = 100", "rate = 100\ncpus = [0, 0, -1]", 1),
			`ready = { http = "/healthz" }`, "ready = { http = \"/healthz\" }\ncpus = [1, 0]", 1)},
		{"target", strings.Replace(minimal, "[load]", "[[process]]\nname = \"proxy\"\nrun = [\"nginx\"]\n\n[load]\ntarget = \"ap\"", 1)},
		{"database", strings.Replace(minimal, "[load]",
			"[database]\nname = \"template1\"\nsettings = { port = 5, work_mem = [1] }\n[[database.setup]]\nsql = \"a.sql\"\nrun = [\"x\"]\n[[database.setup]]\ndir = \"x\"\n\n[load]", 1)},
		{"gate", minimal + "\n[gate]\nruns = 5\nmax_runs = 4\nalpha = 0.9\ndrift = -1.0\n[gate.metric.p99]\nwarn = 20.0\nfail = 10.0\n[gate.metric.p95]\nwarn = 1.0\n[gate.metric.db_sessions_peak]\ngate = true\n"},
		{"scenarios", strings.Replace(minimal, `name = "hello"`, "name = \"bad name\"", 1) +
			"\n[[scenario]]\nname = \"twin\"\npath = \"/a\"\n[[scenario]]\nname = \"twin\"\npath = \"/b\"\nrate = 0.0\n"},
		{"rate-missing", strings.Replace(minimal, "rate = 100", "connections = 4", 1)},
		// Template typos fail validation, not the run after the build and the setup steps.
		{"templates", templatesSuite},
		// Fixed addresses and host names stay on loopback; a listen name must be mapped.
		{"addresses", addressesSuite},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("stackgate.toml", []byte(c.src))
			if err == nil {
				t.Fatal("no error for a broken config")
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error is %T, want *config.Error", err)
			}
			golden(t, filepath.Join("testdata", "errors", c.name+".golden"), err.Error()+"\n")
		})
	}
}

const templatesSuite = `suite = "demo"

[[build]]
run = ["go", "build", "-o", "{workdir}/app", "{database_url}", "{addr:app}"]

[[database.setup]]
run = ["seed", "{addr}", "{port:db}", "{{literal}}", "{host:pool}"]

[[process]]
name = "app"
run = ["./app", "-addr", "{addr}"]
env = { DATABASE_URL = "{databse_url}", BAD = "{port}}" }
dir = "{configdir}/{nope}"

[[process]]
name = "pool"
run = ["sh", "-c", "{ echo a; echo b; } > {workdir}/x; awk '{print $1}' {addr:poll}"]

[load]
target = "app"
rate = 100

[[scenario]]
name = "hello"
path = "/hello"
`

const addressesSuite = `suite = "demo"
hosts = { perf-dbpool = "127.0.0.2", "db_host" = "127.0.0.3", localhost = "127.0.0.1", remote = "10.0.0.7" }

[[process]]
name = "app"
run = ["a"]
listen = "perf-dbpool:5432"

[[process]]
name = "b"
run = ["b"]
listen = "127.0.0.2:5432"

[[process]]
name = "c"
run = ["c"]
listen = "tfb-database:80"

[[process]]
name = "d"
run = ["d"]
listen = "127.0.0.1:0"

[[process]]
name = "e"
run = ["e"]
listen = "8080"

[load]
target = "app"
rate = 100

[[scenario]]
name = "hello"
path = "/hello"
`

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestDefinitionHash(t *testing.T) {
	base := mustParse(t, minimal+"\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n")
	cases := []struct {
		name    string
		src     string
		same    bool
		changed string // a key Diff must name
	}{
		{"identical", minimal + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n", true, ""},
		{"comments and layout", "# a comment\n" + strings.ReplaceAll(minimal, " = ", "=") + "\n[[scenario]]\nname=\"second\"\npath=\"/two\"\n", true, ""},
		{"scenarios reordered", strings.Replace(minimal, "[[scenario]]", "[[scenario]]\nname = \"second\"\npath = \"/two\"\n\n[[scenario]]", 1), true, ""},
		{"default written out", strings.Replace(minimal, "rate = 100", "rate = 100\nconnections = 32", 1) + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n", true, ""},
		{"gate rules", minimal + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n[gate]\nruns = 20\nalpha = 0.05\n", true, ""},
		{"connections", strings.Replace(minimal, "rate = 100", "rate = 100\nconnections = 8", 1) + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n", false, "scenario.hello.connections"},
		{"rate", strings.Replace(minimal, "rate = 100", "rate = 200", 1) + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n", false, "scenario.second.rate"},
		{"argv", strings.Replace(minimal, `"./app"`, `"./app2"`, 1) + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n", false, "process.app.run"},
		{"db setting", minimal + "\n[[scenario]]\nname = \"second\"\npath = \"/two\"\n[database.settings]\nwork_mem = \"8MB\"\n", false, "database.settings.work_mem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustParse(t, c.src)
			same := s.Definition().Hash() == base.Definition().Hash()
			if same != c.same {
				t.Fatalf("same hash = %v, want %v; diff: %v", same, c.same, s.Definition().Diff(base.Definition()))
			}
			if c.changed == "" {
				return
			}
			found := false
			for _, ch := range s.Definition().Diff(base.Definition()) {
				found = found || ch.Key == c.changed
			}
			if !found {
				t.Errorf("Diff does not name %s: %v", c.changed, s.Definition().Diff(base.Definition()))
			}
		})
	}
}

func TestQuickProfileHasItsOwnHash(t *testing.T) {
	s := mustParse(t, minimal)
	q := s.WithQuick()
	if q.Definition().Hash() == s.Definition().Hash() {
		t.Fatal("quick and full profiles share a definition hash")
	}
	if q.Load.Duration.Duration != DefaultQuickDuration || q.Gate.Runs != DefaultQuickRuns || q.Profile != ProfileQuick {
		t.Errorf("quick profile not applied: %+v %+v %s", q.Load, q.Gate, q.Profile)
	}
	if s.Load.Duration.Duration != DefaultDuration {
		t.Error("WithQuick changed the original suite")
	}
}

// A duet's numbers (two stacks sharing the machine) are comparable only with a duet's:
// the definition says so, and names it.
func TestDuetHasItsOwnHash(t *testing.T) {
	s := mustParse(t, minimal)
	d := *s
	d.Duet = true
	if d.Definition().Hash() == s.Definition().Hash() {
		t.Fatal("a duet and turns share a definition hash")
	}
	if got := d.Definition()["load.duet"]; got != "true" {
		t.Errorf("load.duet = %q, want true", got)
	}
	if _, ok := s.Definition()["load.duet"]; ok {
		t.Error("a suite measured in turns names load.duet: every stored baseline would change its hash")
	}
}

func TestForScenarioIgnoresOtherScenarios(t *testing.T) {
	a := mustParse(t, minimal).Definition()
	b := mustParse(t, minimal+"\n[[scenario]]\nname = \"new\"\npath = \"/new\"\n").Definition()
	if a.Hash() == b.Hash() {
		t.Fatal("adding a scenario must change the suite hash")
	}
	if a.ForScenario("hello").Hash() != b.ForScenario("hello").Hash() {
		t.Error("adding a scenario changed another scenario's definition")
	}
}

func TestRepositorySuiteIsValid(t *testing.T) {
	s, err := Read(filepath.Join("..", "..", "stackgate.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Scenarios) != 5 {
		t.Errorf("reference suite has %d scenarios, want the 5 standard ones", len(s.Scenarios))
	}
	if !filepath.IsAbs(s.Dir) {
		t.Errorf("Dir %q is not absolute", s.Dir)
	}
}

func TestReadMissingFile(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Fatalf("error %v does not name the file", err)
	}
}

func mustParse(t *testing.T, src string) *Suite {
	t.Helper()
	s, err := Parse("stackgate.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReadChecksSQLFiles(t *testing.T) {
	dir := t.TempDir()
	src := strings.Replace(minimal, "[load]", "[[database.setup]]\nsql = \"db/schema.sql\"\n\n[load]", 1)
	file := filepath.Join(dir, "stackgate.toml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Read(file)
	if err == nil || !strings.Contains(err.Error(), "stackgate.toml:9: database.setup[1].sql: cannot read db/schema.sql") {
		t.Fatalf("missing SQL file: got %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "db", "schema.sql"), []byte("select 1;"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(file); err != nil {
		t.Fatal(err)
	}
}

// The suite example in the README is a valid suite (docs are tested like code).
func TestREADMEExampleParses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```toml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```toml example")
	}
	if _, err := Parse("README.md", []byte(example)); err != nil {
		t.Fatalf("the README's suite example is not valid:\n%v", err)
	}
}
