package gate

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/bench"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/result"
)

func judgeResult(scale float64) *result.Result {
	r := &result.Result{Schema: result.Schema, Suite: "shop", Profile: config.ProfileFull, DefinitionHash: "sha256:x",
		Fingerprint: result.Fingerprint{Runner: "ci", CPUModel: "cpu", LogicalCPUs: 2, MemoryBytes: 1 << 30}, Complete: true}
	sc := result.Scenario{Name: "json"}
	for i := range 12 {
		sc.Runs = append(sc.Runs, result.Run{Run: i + 1, Metrics: map[string]float64{"throughput": scale * (1000 + float64(i))}})
	}
	r.Scenarios = []result.Scenario{sc}
	return r
}

// Judge compares a result measured earlier with the baseline that ReadBaseline gives (the
// Action's: the base commit's), and writes the result and verdict files and the HTML report.
func TestJudge(t *testing.T) {
	dir := t.TempDir()
	base, err := baseline.FromResult(judgeResult(1), time.Now(), "shop.raw.json")
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	opt := Options{
		Suite:  &config.Suite{Suite: "shop", Dir: dir, Profile: config.ProfileFull, Gate: gateWithoutDrift()},
		OutDir: filepath.Join(dir, "out"), Runner: "ci",
		ReadBaseline: func(path string) (*baseline.Baseline, error) { asked = path; return base, nil },
	}
	out, err := Judge(opt, nil, judgeResult(0.8))
	if err != nil {
		t.Fatal(err)
	}
	if asked != opt.BaselinePath() || out.Verdict.Level != compare.Fail {
		t.Errorf("asked for %s, verdict %s", asked, out.Verdict.Level)
	}
	for _, p := range []string{out.ResultPath, out.VerdictPath, out.ReportPath} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	// No baseline (at the base commit): inconclusive, as with Run.
	opt.ReadBaseline = func(path string) (*baseline.Baseline, error) { return nil, fs.ErrNotExist }
	if out, err = Judge(opt, nil, judgeResult(0.8)); err != nil || out.Verdict.Level != compare.Inconclusive {
		t.Errorf("without a baseline: %v, %+v", err, out.Verdict)
	}
	// An unreadable baseline is an error naming it.
	bad := &result.FileError{Path: "f95f852bd8fc:baselines/ci/shop.json", Err: errors.New("damaged")}
	opt.ReadBaseline = func(path string) (*baseline.Baseline, error) { return nil, bad }
	if _, err = Judge(opt, nil, judgeResult(0.8)); !errors.Is(err, bad) {
		t.Errorf("with a damaged baseline: %v", err)
	}
}

// shifted is a result of scenario json whose twelve throughput samples are 1000 + 15·i
// minus shift.
func shifted(shift float64) *result.Result {
	r := judgeResult(1)
	for i := range r.Scenarios[0].Runs {
		r.Scenarios[0].Runs[i].Metrics["throughput"] = 1000 + 15*float64(i) - shift
	}
	return r
}

// When the confirmation runs cannot be made, the verdict is the first stage's with the
// suspected metric unconfirmed: never a fresh judgement at the full α of data already looked
// at. Here the head is 5.5 % slower at p = 0.0098: significant at the full α of 0.01 (a
// fail), not at the first stage's 0.005.
func TestJudgeWhenConfirmationCannotRun(t *testing.T) {
	in := compare.Input{Base: shifted(0), Head: shifted(60), Mode: compare.ModeBaseline}
	opt := Options{Suite: &config.Suite{Suite: "shop", Profile: config.ProfileFull, Gate: gateWithoutDrift()}}
	if v := compare.Compare(in, opt.rules()); v.Level != compare.Fail {
		t.Fatalf("the data at the full α: %s %q, want fail (the trap this test guards)", v.Level, v.Reason)
	}
	busy := &lock.BusyError{Path: "/tmp/stackgate.lock", Holder: "pid 1", Waited: time.Minute}
	crashed := &bench.Error{Scenario: "json", Run: 13, Err: errors.New("process app exited")}
	for _, tt := range []struct {
		name string
		err  error
		want compare.Level
	}{
		{"the lock stays taken", busy, compare.Inconclusive},
		{"the output directory fails", &OutputError{errors.New("disk full")}, compare.Inconclusive},
		{"the stack fails during them", crashed, compare.Error},
	} {
		t.Run(tt.name, func(t *testing.T) {
			extend := func(ctx context.Context, only []string, first, runs int) error { return tt.err }
			opt.OutDir = t.TempDir()
			out := &Outcome{Result: in.Head}
			err := finishJudging(context.Background(), opt, out, in, nil, extend)
			v := out.Verdict
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v", err, tt.err)
			}
			mv := v.Scenarios[0].Metrics[0]
			if v.Level != tt.want || mv.Level != tt.want || !strings.Contains(mv.Reason, "the confirmation runs could not be made: "+tt.err.Error()) {
				t.Errorf("verdict %s, throughput %s %q", v.Level, mv.Level, mv.Reason)
			}
			if v.Alpha != 0.005 || v.Confirmation != nil {
				t.Errorf("alpha %g, confirmation %+v: want the first stage's", v.Alpha, v.Confirmation)
			}
		})
	}
}

// gateWithoutDrift is the default [gate] trusting a stored baseline as if measured
// alongside (gate.drift 0): these tests are about what the verdict says, not about drift.
func gateWithoutDrift() config.Gate {
	g := config.DefaultGate()
	zero := 0.0
	g.Drift = &zero
	return g
}
