package gate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/config"
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
		Suite:  &config.Suite{Suite: "shop", Dir: dir, Profile: config.ProfileFull, Gate: config.DefaultGate()},
		OutDir: filepath.Join(dir, "out"), Runner: "ci",
		ReadBaseline: func(path string) (*baseline.Baseline, error) { asked = path; return base, nil },
	}
	out, err := Judge(opt, judgeResult(0.8))
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
	if out, err = Judge(opt, judgeResult(0.8)); err != nil || out.Verdict.Level != compare.Inconclusive {
		t.Errorf("without a baseline: %v, %+v", err, out.Verdict)
	}
	// An unreadable baseline is an error naming it.
	bad := &result.FileError{Path: "f95f852bd8fc:baselines/ci/shop.json", Err: errors.New("damaged")}
	opt.ReadBaseline = func(path string) (*baseline.Baseline, error) { return nil, bad }
	if _, err = Judge(opt, judgeResult(0.8)); !errors.Is(err, bad) {
		t.Errorf("with a damaged baseline: %v", err)
	}
}
