package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	stackconfig "github.com/stackgate/stackgate/internal/config"
)

// makeRepository writes the stack into a new git repository at dir: one commit per cost,
// each on top of the commit of cost 0 and tagged cost-N, differing only in the file
// cost_us, which the stack reads when it starts (the head's revision is what A/B mode
// measures against cost-0).
func makeRepository(ctx context.Context, c config, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var err error
	switch c.stack {
	case "refstack":
		err = writeRefstack(dir, c.scenario, c.knob)
	case "flask":
		err = writeFlask(dir, c.scenario)
	}
	if err != nil {
		return "", err
	}
	if !c.confirm {
		if err := appendFixedRuns(filepath.Join(dir, "stackgate.toml"), c.runs); err != nil {
			return "", err
		}
	}
	if err := writePinned(dir); err != nil {
		return "", err
	}
	git := func(args ...string) error {
		return command(ctx, dir, []string{"GIT_AUTHOR_NAME=sensitivity", "GIT_AUTHOR_EMAIL=s@localhost",
			"GIT_COMMITTER_NAME=sensitivity", "GIT_COMMITTER_EMAIL=s@localhost"}, "git", args...)
	}
	commit := func(cost int) error {
		if err := os.WriteFile(filepath.Join(dir, "cost_us"), []byte(strconv.Itoa(cost)+"\n"), 0o644); err != nil {
			return err
		}
		if err := git("add", "-A"); err != nil {
			return err
		}
		if err := git("commit", "-q", "--allow-empty", "-m", revision(cost)); err != nil {
			return err
		}
		return git("tag", revision(cost))
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return "", err
	}
	if err := commit(0); err != nil {
		return "", err
	}
	for _, cost := range c.costs {
		if cost == 0 {
			continue
		}
		if err := git("checkout", "-q", "--detach", revision(0)); err != nil {
			return "", err
		}
		if err := commit(cost); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// writeRefstack copies the reference stack's source and writes a suite of one scenario
// whose process starts with the knob (REFSTACK_CPU_US, or REFSTACK_DELAY in µs) set from
// cost_us, limited to that scenario's path.
func writeRefstack(dir, scenario, knob string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if err := copyFile(filepath.Join(root, f), filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	src, dst := filepath.Join(root, "cmd", "refstack"), filepath.Join(dir, "cmd", "refstack")
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	}
	sc, ok := refstackScenarios[scenario]
	if !ok {
		return fmt.Errorf("refstack has no scenario %q", scenario)
	}
	setKnob := `REFSTACK_CPU_US=$(cat cost_us)`
	if knob == "delay" {
		setKnob = `REFSTACK_DELAY=$(cat cost_us)us`
	}
	return os.WriteFile(filepath.Join(dir, "stackgate.toml"), []byte(fmt.Sprintf(refstackSuite, setKnob, sc.path, scenario, sc.path, sc.rate)), 0o644)
}

// refstackScenarios are the reference suite's scenarios: path and rate.
var refstackScenarios = map[string]struct {
	path string
	rate int
}{
	"json": {"/json", 1000}, "db": {"/db", 1000}, "queries": {"/queries?n=20", 300},
	"slow": {"/slow", 200}, "update": {"/update?n=5", 300},
}

// refstackSuite is the reference suite (stackgate.toml) with one scenario; the app burns
// (or sleeps) cost_us µs per request of that scenario.
const refstackSuite = `suite = "sensitivity"

[[build]]
run = ["go", "build", "-o", "{workdir}/refstack", "./cmd/refstack"]

[database]
name = "bench"

[[database.setup]]
run = ["{workdir}/refstack", "seed", "-rows", "10000", "-seed", "1"]
env = { DATABASE_URL = "{database_url}" }

[[process]]
name = "app"
run = ["sh", "-c", "%s exec \"$0\" serve -addr \"$1\" -pool 16", "{workdir}/refstack", "{addr}"]
env = { DATABASE_URL = "{database_url}", REFSTACK_KNOB_PATHS = %q }
ready = { http = "/healthz", timeout = "30s" }

[load]
connections = 16
warmup = "2s"
duration = "5s"

[[scenario]]
name = %q
path = %q
rate = %d
method = "GET"
`

// writeFlask copies the Flask example and appends to its app a WSGI middleware that burns
// cost_us µs of the worker's CPU per request; the suite keeps one scenario.
func writeFlask(dir, scenario string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	src := filepath.Join(root, "testdata", "stacks", "flask")
	for _, f := range []string{"app.py", "gunicorn.conf.py", "schema.sql", "seed.py", "stackgate.toml"} {
		if err := copyFile(filepath.Join(src, f), filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	app, err := os.OpenFile(filepath.Join(dir, "app.py"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := app.WriteString(flaskCost); err != nil {
		app.Close()
		return err
	}
	if err := app.Close(); err != nil {
		return err
	}
	suite, err := os.ReadFile(filepath.Join(dir, "stackgate.toml"))
	if err != nil {
		return err
	}
	kept, err := keepScenario(string(suite), scenario)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "stackgate.toml"), []byte(kept), 0o644)
}

const flaskCost = `

# The sensitivity harness's known cost: burn cost_us µs of this worker's CPU per request.
import time as _time


def _with_cost(wsgi, micros):
    def wrapped(environ, start_response):
        end = _time.thread_time() + micros / 1e6
        while _time.thread_time() < end:
            pass
        return wsgi(environ, start_response)
    return wrapped


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cost_us")) as _f:
    _micros = int(_f.read())
if _micros:
    app.wsgi_app = _with_cost(app.wsgi_app, _micros)
`

// keepScenario keeps of a suite what comes before its scenarios and the scenario named:
// the other scenarios go, and so do the gate rules after them (the design's defaults are
// what the harness measures).
func keepScenario(suite, name string) (string, error) {
	parts := strings.Split(suite, "[[scenario]]")
	for _, p := range parts[1:] {
		if strings.Contains(p, fmt.Sprintf("name = %q", name)) {
			body, _, _ := strings.Cut(p, "\n[") // the scenario's table ends where the next one starts
			return parts[0] + "[[scenario]]" + body + "\n", nil
		}
	}
	return "", fmt.Errorf("the suite has no scenario %q", name)
}

// pinnedSuite is the suite of the pinned design, beside stackgate.toml in every revision.
const pinnedSuite = "stackgate-pinned.toml"

// writePinned writes the pinned design's suite: the same, with the load generator on
// CPU 0 and the stack and PostgreSQL on the other CPUs ([load] cpus).
func writePinned(dir string) error {
	suite, err := os.ReadFile(filepath.Join(dir, "stackgate.toml"))
	if err != nil {
		return err
	}
	pinned := strings.Replace(string(suite), "\n[load]\n", "\n[load]\ncpus = [0]\n", 1)
	if pinned == string(suite) {
		return errors.New("the suite has no [load] table to add cpus to")
	}
	return os.WriteFile(filepath.Join(dir, pinnedSuite), []byte(pinned), 0o644)
}

// appendFixedRuns sets gate.max_runs to the runs, which leaves no room for a
// confirmation stage (runs 0: the default gate.runs).
func appendFixedRuns(suite string, runs int) error {
	if runs == 0 {
		runs = stackconfig.DefaultRuns
	}
	f, err := os.OpenFile(suite, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "\n[gate]\nruns = %d\nmax_runs = %d\n", runs, runs)
	return errors.Join(err, f.Close())
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// moduleRoot is the directory of stackgate's go.mod: the harness runs from the repository.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run the harness from stackgate's repository (no go.mod above %s)", dir)
		}
		dir = parent
	}
}
