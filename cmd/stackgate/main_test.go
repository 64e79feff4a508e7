package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/report"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/scratch"
)

// End-to-end tests: the real stackgate binary, the real reference stack, a real PostgreSQL
// started by stackgate, real HTTP on loopback. They use the small profile in
// testdata/e2e.toml.

var binary string // built once by TestMain

func TestMain(m *testing.M) {
	// Not named like a scratch directory ("stackgate-…"): an invocation's stale cleanup
	// would remove it, binary and lock, once it is ten minutes old.
	dir, err := os.MkdirTemp("", "e2e-stackgate-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "stackgate")
	// A lock of the tests' own: they never wait for a real measurement on this machine
	// (nor hold one up), and the tests of one package still take turns.
	os.Setenv(lock.PathEnv, filepath.Join(dir, "stackgate.lock"))
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needPostgres skips without the server binaries locally; under CI=true it fails.
func needPostgres(t *testing.T) {
	t.Helper()
	if _, err := pg.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
}

type invocation struct {
	code           int
	stdout, stderr string
}

// stackgate runs the binary with args and extra environment variables.
func stackgate(t *testing.T, env []string, args ...string) invocation {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	inv := invocation{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		inv.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running stackgate: %v", err)
	}
	return inv
}

// e2e runs a stackgate command on the test profile with its own output and baselines
// directories (under dir) and extra environment variables.
func e2e(t *testing.T, dir string, env []string, args ...string) invocation {
	t.Helper()
	needPostgres(t)
	args = append(args, "-config", filepath.Join("testdata", "e2e.toml"), "-quick",
		"-out", filepath.Join(dir, "out"), "-baselines", filepath.Join(dir, "baselines"), "-runner", "e2e")
	return stackgate(t, env, args...)
}

// runE2E measures the test profile with runs runs and no baseline.
func runE2E(t *testing.T, runs string, env ...string) (invocation, string) {
	t.Helper()
	dir := t.TempDir()
	inv := e2e(t, dir, env, "run", "-runs", runs)
	return inv, filepath.Join(dir, "out")
}

func readResult(t *testing.T, out string) *result.Result {
	t.Helper()
	r, err := result.Read(filepath.Join(out, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRunReferenceStack(t *testing.T) {
	before := scratchDirs(t)
	inv, out := runE2E(t, "2")
	if inv.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", inv.code, inv.stdout, inv.stderr)
	}
	r := readResult(t, out)
	if !r.Complete || r.Suite != "e2e" || r.Profile != "quick" || !strings.HasPrefix(r.DefinitionHash, "sha256:") {
		t.Errorf("result header: complete=%v suite=%q profile=%q hash=%q", r.Complete, r.Suite, r.Profile, r.DefinitionHash)
	}
	if r.Fingerprint.LogicalCPUs < 1 || r.Fingerprint.PostgreSQL == "" {
		t.Errorf("fingerprint incomplete: %+v", r.Fingerprint)
	}
	for _, name := range []string{"json", "db"} {
		sc := r.Scenario(name)
		if sc == nil || len(sc.Runs) != 2 {
			t.Fatalf("scenario %s: want 2 runs, got %+v", name, sc)
		}
		for _, run := range sc.Runs {
			checkRun(t, name, run, out)
		}
	}
	for _, want := range []string{"json", "db", "no baseline yet", "result: ", "verdict: "} {
		if !strings.Contains(inv.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, inv.stdout)
		}
	}
	if after := scratchDirs(t); len(after) > len(before) {
		t.Errorf("scratch directory left behind: %v", after)
	}
}

func checkRun(t *testing.T, name string, run result.Run, out string) {
	t.Helper()
	m := run.Metrics
	if m[metric.Throughput] <= 0 || m[metric.ErrorRate] != 0 {
		t.Errorf("%s run %d: throughput %g, error rate %g", name, run.Run, m[metric.Throughput], m[metric.ErrorRate])
	}
	order := []string{metric.P50, metric.P90, metric.P99, metric.P999, metric.Max}
	for i := 1; i < len(order); i++ {
		if m[order[i-1]] > m[order[i]] || m[order[i-1]] <= 0 {
			t.Errorf("%s run %d: percentiles out of order: %v", name, run.Run, m)
		}
	}
	if m[metric.Max] > 1000 {
		t.Errorf("%s run %d: a latency of %g ms on loopback is not sane", name, run.Run, m[metric.Max])
	}
	if _, err := result.DecodeHistogram(run.Latency.Histogram); err != nil {
		t.Errorf("%s run %d: latency histogram: %v", name, run.Run, err)
	}
	if _, err := os.Stat(filepath.Join(out, run.Logs["app"])); err != nil {
		t.Errorf("%s run %d: app log missing: %v", name, run.Run, err)
	}
}

// A known regression injected with a knob of the reference stack moves the metrics in the
// right direction: 10 ms more per request on /json only. The bounds are the physics of the
// delay, not of an idle machine (on a busy one, queueing adds to every latency): no request
// of /json can take less than 10 ms, 4 connections of 10 ms requests cannot exceed 400 req/s,
// and /db, without the delay, stays clearly faster than /json.
func TestRegressionKnobMovesMetrics(t *testing.T) {
	inv, out := runE2E(t, "2", "REFSTACK_DELAY=10ms", "REFSTACK_KNOB_PATHS=/json")
	if inv.code != 0 {
		t.Fatalf("exit %d\n%s", inv.code, inv.stderr)
	}
	r := readResult(t, out)
	json, db := r.Scenario("json"), r.Scenario("db")
	p50 := report.Median(json.Samples(metric.P50))
	if p50 < 9.5 {
		t.Errorf("json p50 = %.2f ms with 10 ms injected: the delay is missing", p50)
	}
	if tp := report.Median(json.Samples(metric.Throughput)); tp > 420 {
		t.Errorf("json throughput %.0f req/s exceeds the 400 req/s the delay allows", tp)
	}
	if dbP50 := report.Median(db.Samples(metric.P50)); dbP50 > p50-5 {
		t.Errorf("db p50 = %.2f ms, json p50 = %.2f ms: the knob limited to /json leaked into /db", dbP50, p50)
	}
}

func TestWrongAnswerIsNotMeasured(t *testing.T) {
	inv, out := runE2E(t, "1", "REFSTACK_WRONG_ANSWER=1")
	if inv.code != 3 {
		t.Fatalf("exit %d, want 3 (could not measure)\n%s", inv.code, inv.stderr)
	}
	if !strings.Contains(inv.stderr, "answered wrongly") {
		t.Errorf("stderr does not show the wrong answer:\n%s", inv.stderr)
	}
	r := readResult(t, out)
	if r.Complete || r.Error == "" {
		t.Errorf("a failed run must be marked incomplete: complete=%v error=%q", r.Complete, r.Error)
	}
}

func TestBadConfigExits2(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "stackgate.toml")
	os.WriteFile(file, []byte("suite = \"x\"\n[load]\nconections = 3\n"), 0o644)
	inv := stackgate(t, nil, "run", "-config", file, "-out", filepath.Join(dir, "out"))
	if inv.code != 2 || !strings.Contains(inv.stderr, "stackgate.toml:3: load.conections: unknown key") {
		t.Fatalf("exit %d, stderr:\n%s", inv.code, inv.stderr)
	}
	inv = stackgate(t, nil, "run", "-bogus")
	if inv.code != 2 {
		t.Errorf("unknown flag: exit %d", inv.code)
	}
}

func scratchDirs(t *testing.T) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), scratch.Pattern))
	return dirs
}

// The gate end to end: record a baseline, catch a regression several times over (exit 1,
// the right metrics named), pass an unchanged stack (exit 0), and refuse a damaged
// baseline before measuring anything (exit 2, the file named).
func TestGateCatchesRegressionAndPassesUnchanged(t *testing.T) {
	dir := t.TempDir()
	rec := e2e(t, dir, nil, "baseline", "update")
	if rec.code != 0 {
		t.Fatalf("baseline update: exit %d\n%s\n%s", rec.code, rec.stdout, rec.stderr)
	}
	path := filepath.Join(dir, "baselines", "e2e", "e2e.quick.json")
	for _, want := range []string{path, "first baseline", "throughput"} {
		if !strings.Contains(rec.stdout, want) {
			t.Errorf("baseline update output lacks %q:\n%s", want, rec.stdout)
		}
	}

	slow := e2e(t, dir, []string{"REFSTACK_DELAY=5ms", "REFSTACK_KNOB_PATHS=/json"}, "run")
	if slow.code != 1 {
		t.Fatalf("5 ms per request on /json: exit %d, want 1\n%s\n%s", slow.code, slow.stdout, slow.stderr)
	}
	v := readVerdict(t, filepath.Join(dir, "out"))
	if v.Level != compare.Fail {
		t.Errorf("verdict level %s, want fail", v.Level)
	}
	// json's throughput falls by about 97 %: it fails. Nothing of db, which has no knob,
	// fails. (json's p99 rises too, but p99 under the load of a CI machine is too noisy to
	// assert on with a few sub-second runs.)
	if m := findMetric(v, "json", metric.Throughput); m == nil || m.Level != compare.Fail {
		t.Errorf("json throughput: %+v", m)
	}
	for _, sc := range v.Scenarios {
		for _, m := range sc.Metrics {
			if sc.Name == "db" && m.Level == compare.Fail {
				t.Errorf("db %s failed without a change: %s", m.Metric, m.Reason)
			}
		}
	}
	if !strings.Contains(slow.stdout, "json") || !strings.Contains(slow.stdout, "throughput") {
		t.Errorf("the regression is not named in the output:\n%s", slow.stdout)
	}

	same := e2e(t, dir, nil, "run")
	if same.code != 0 {
		t.Fatalf("unchanged stack: exit %d, want 0\n%s\n%s", same.code, same.stdout, same.stderr)
	}

	if err := os.WriteFile(path, []byte(`{"schema": "stackgate.baseline/v1", "suite": `), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := e2e(t, dir, nil, "run")
	if broken.code != 2 || !strings.Contains(broken.stderr, path) {
		t.Fatalf("damaged baseline: exit %d, want 2 naming %s\n%s", broken.code, path, broken.stderr)
	}
}

func readVerdict(t *testing.T, out string) *compare.Verdict {
	t.Helper()
	var v compare.Verdict
	if err := result.ReadJSON(filepath.Join(out, compare.VerdictFile), compare.VerdictSchema, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// validate finds what used to fail only at run time, after the build, PostgreSQL and the
// setup steps: a placeholder typo, a shell group taken for a placeholder, a user that does
// not exist, a CPU the machine does not have — each on its line (exit 2). run checks the
// machine before building anything.
func TestValidateFindsRunTimeFailures(t *testing.T) {
	typos := rewriteSuite(t, `env = { DATABASE_URL = "{database_url}" }
ready`, `env = { DATABASE_URL = "{databse_url}" }
user = "no-such-user-xyz"
cpus = [1023]
ready`)
	inv := stackgate(t, nil, "validate", "-config", typos)
	if inv.code != 2 {
		t.Fatalf("validate: exit %d, want 2\n%s%s", inv.code, inv.stdout, inv.stderr)
	}
	if want := ":16: process[1].env.DATABASE_URL: unknown placeholder {databse_url} (did you mean {database_url}?)"; !strings.Contains(inv.stderr, want) {
		t.Errorf("validate does not name the typo (%q):\n%s", want, inv.stderr)
	}

	machine := rewriteSuite(t, `ready = { http`, "user = \"no-such-user-xyz\"\ncpus = [1023]\nready = { http")
	for _, cmd := range []string{"validate", "run"} {
		inv := stackgate(t, nil, cmd, "-config", machine, "-quick", "-out", t.TempDir(), "-baselines", t.TempDir())
		if cmd == "validate" {
			inv = stackgate(t, nil, cmd, "-config", machine)
		}
		if inv.code != 2 {
			t.Fatalf("%s: exit %d, want 2\n%s%s", cmd, inv.code, inv.stdout, inv.stderr)
		}
		for _, want := range []string{
			`:17: process[1].user: user "no-such-user-xyz" does not exist on this machine`,
			":18: process[1].cpus: CPU 1023 is not available",
		} {
			if !strings.Contains(inv.stderr, want) {
				t.Errorf("%s does not say %q:\n%s", cmd, want, inv.stderr)
			}
		}
		if strings.Contains(inv.stderr, "build 1/1") {
			t.Errorf("%s built the stack before checking the machine:\n%s", cmd, inv.stderr)
		}
	}
}
