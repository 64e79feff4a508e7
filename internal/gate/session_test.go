package gate

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/machine"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/result"
	"github.com/stackgate/stackgate/internal/stack"
)

// helperServerEnv makes the test binary the stack's process (TestHelperServer).
const helperServerEnv = "STACKGATE_GATE_TEST_SERVER"

// TestHelperServer is not a test: it is the stack's process of TestConfirmationKeepsTheSession,
// the test binary started again as the stack. It answers /json until it is stopped.
func TestHelperServer(t *testing.T) {
	addr := os.Getenv(helperServerEnv)
	if addr == "" {
		t.Skip("the stack's process of TestConfirmationKeepsTheSession")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"message":"Hello, World!"}`)
	})
	mux.HandleFunc("/healthz", func(http.ResponseWriter, *http.Request) {})
	t.Fatal(http.ListenAndServe(addr, mux))
}

const sessionSuite = `suite = "session"

[[build]]
run = ["true"]

[[process]]
name = "app"
run = [%q, "-test.run=^TestHelperServer$"]
env = { %s = "{addr}" }
ready = { http = "/healthz" }

[load]
connections = 2
rate = 100

[quick]
warmup = "100ms"
duration = "200ms"

[[scenario]]
name = "json"
path = "/json"
`

// The confirmation stage measures on the first stage's setup: one build, one database
// server, and the machine-wide lock held from the first run to the last, so that no other
// invocation measures in between. The baseline is made so that any head looks far worse
// without being significant: half its runs are far above any head, half far below.
func TestConfirmationKeepsTheSession(t *testing.T) {
	if _, err := pg.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "stackgate.toml")
	if err := os.WriteFile(file, fmt.Appendf(nil, sessionSuite, os.Args[0], helperServerEnv), 0o644); err != nil {
		t.Fatal(err)
	}
	suite, err := config.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	suite = suite.WithQuick()
	suite.Gate.Runs, suite.Gate.MaxRuns = 2, 3
	lockPath := filepath.Join(dir, "lock")
	var builds, databases, confirms int
	var heldDuringConfirmation error
	opt := Options{
		Suite: suite, OutDir: filepath.Join(dir, "out"), Runner: "session", Env: stack.Environ(os.Environ()),
		LockPath: lockPath, Seed: 1,
		ReadBaseline: func(string) (*baseline.Baseline, error) { return bimodalBaseline(t, suite) },
		Progress: func(e bench.Event) {
			switch e.Kind {
			case bench.Build:
				builds++
			case bench.DatabaseStart:
				databases++
			case bench.Confirm:
				confirms++
				l, err := lock.Acquire(t.Context(), lockPath, 0, nil)
				if err == nil {
					l.Release()
				}
				heldDuringConfirmation = err
			}
		},
	}
	out, err := Run(t.Context(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if builds != 1 || databases != 1 || confirms != 1 {
		t.Errorf("%d builds, %d database starts, %d confirmations: want one of each", builds, databases, confirms)
	}
	var busy *lock.BusyError
	if !errors.As(heldDuringConfirmation, &busy) {
		t.Errorf("another invocation could take the lock during the confirmation stage: %v", heldDuringConfirmation)
	}
	if out.Verdict.Confirmation == nil || len(out.Result.Scenario("json").Runs) != 3 {
		t.Errorf("confirmation %+v, %d runs of json; want 1 run added to 2", out.Verdict.Confirmation, len(out.Result.Scenario("json").Runs))
	}
	saved, err := result.Read(out.ResultPath)
	if err != nil || len(saved.Scenario("json").Runs) != 3 || !saved.Complete {
		t.Errorf("the saved result: %v", err)
	}
}

// bimodalBaseline is a baseline of suite on this machine whose json throughput is 1e-3
// req/s in half its runs and 1e12 in the other half: a median no head reaches, with ranks
// no head can beat significantly.
func bimodalBaseline(t *testing.T, suite *config.Suite) (*baseline.Baseline, error) {
	t.Helper()
	def := suite.Definition()
	r := &result.Result{Schema: result.Schema, Suite: suite.Suite, Profile: suite.Profile, DefinitionHash: def.Hash(),
		Definition: def, Fingerprint: machine.Fingerprint(os.DirFS("/"), "session"), Complete: true,
		Started: time.Now(), AllScenarios: []string{"json"}}
	sc := result.Scenario{Name: "json"}
	for i := range 12 {
		tp := 1e-3
		if i%2 == 0 {
			tp = 1e12
		}
		sc.Runs = append(sc.Runs, result.Run{Run: i + 1, Metrics: map[string]float64{metric.Throughput: tp}})
	}
	r.Scenarios = []result.Scenario{sc}
	b, err := baseline.FromResult(r, time.Now(), "session.raw.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := compare.Summarize(sc.Samples(metric.Throughput)).Median; got < 1e11 {
		t.Fatalf("baseline median %g", got)
	}
	return b, nil
}
