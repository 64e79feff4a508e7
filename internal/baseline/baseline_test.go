package baseline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/result"
)

func sample(throughput ...float64) *result.Result {
	r := &result.Result{Schema: result.Schema, Suite: "demo", Profile: "full", DefinitionHash: "sha256:a",
		Complete: true, Git: result.Git{Revision: "abc"}}
	sc := result.Scenario{Name: "json"}
	for i, tp := range throughput {
		sc.Runs = append(sc.Runs, result.Run{Run: i + 1, Metrics: map[string]float64{"throughput": tp, "p99": tp / 1000, "error_rate": 0},
			Latency: result.Phase{Histogram: "HISTFAAA"}})
	}
	r.Scenarios = []result.Scenario{sc}
	return r
}

func TestPath(t *testing.T) {
	s := &config.Suite{Suite: "shop", Profile: config.ProfileFull}
	if got := Path("b", "lab-1", s); got != filepath.Join("b", "lab-1", "shop.json") {
		t.Errorf("full: %s", got)
	}
	if got := Path("b", "lab-1", s.WithQuick()); got != filepath.Join("b", "lab-1", "shop.quick.json") {
		t.Errorf("quick: %s", got)
	}
}

func TestUpdateWritesReadableFilesAndHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runner", "demo.json")
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	old, first, err := Update(path, sample(100, 102, 98), day)
	if err != nil || old != nil {
		t.Fatalf("first update: old %v, err %v", old, err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"samples": [100, 102, 98]`) {
		t.Errorf("samples are not on one readable line:\n%s", data)
	}
	if strings.Contains(string(data), "HISTFAAA") {
		t.Error("raw histograms belong in the sidecar, not the baseline")
	}
	raw, err := result.Read(filepath.Join(filepath.Dir(path), "demo.raw.json"))
	if err != nil || raw.Scenarios[0].Runs[0].Latency.Histogram != "HISTFAAA" || first.Raw != "demo.raw.json" {
		t.Fatalf("raw sidecar: %v", err)
	}

	for i := 1; i <= HistoryLimit+2; i++ {
		if _, _, err := Update(path, sample(100+float64(i), 101, 99), day.AddDate(0, 0, i)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.History) != HistoryLimit {
		t.Errorf("history keeps %d baselines, want %d", len(b.History), HistoryLimit)
	}
	if got := b.History[len(b.History)-1].Recorded; !got.Equal(day.AddDate(0, 0, HistoryLimit+1)) {
		t.Errorf("the newest history point is %v, want the previous baseline", got)
	}
	since, changes := b.Drift()
	if since == nil || !since.Recorded.Equal(b.History[0].Recorded) || len(changes) == 0 {
		t.Fatalf("drift: %v %v", since, changes)
	}
	if got := len(b.CompareHistory()); got != HistoryLimit+1 {
		t.Errorf("CompareHistory has %d points, want the history and the baseline itself", got)
	}
}

func TestResultRoundTrip(t *testing.T) {
	b, err := FromResult(sample(100, 110, 90), time.Now(), "x.raw.json")
	if err != nil {
		t.Fatal(err)
	}
	r := b.Result()
	got := r.Scenario("json").Samples("throughput")
	if len(got) != 3 || got[0] != 100 || got[2] != 90 {
		t.Errorf("samples %v", got)
	}
	if m := b.Scenarios[0].Metrics["throughput"]; m.Median != 100 {
		t.Errorf("median %g", m.Median)
	}
}

// Each run's request and error counts go into the baseline, readably, and come back out
// (the gate pools them to judge the error rate), and so does the recorded environment.
func TestCountsAndEnvironmentRoundTrip(t *testing.T) {
	r := sample(100, 110, 90)
	r.Environment = map[string]string{"GOGC": "50"}
	for i := range r.Scenarios[0].Runs {
		r.Scenarios[0].Runs[i].Counts = &result.Counts{Requests: int64(1000 * (i + 1)), Errors: int64(i)}
	}
	path := filepath.Join(t.TempDir(), "demo.json")
	if _, _, err := Update(path, r, time.Now()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), `"requests": [1000, 2000, 3000]`) || !strings.Contains(string(data), `"errors": [0, 1, 2]`) {
		t.Errorf("counts are not on readable lines:\n%s", data)
	}
	b, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Result().Environment["GOGC"] != "50" {
		t.Errorf("the recorded environment was lost: %v", b.Result().Environment)
	}
	got, ok := b.Result().Scenario("json").PooledCounts()
	if !ok || got != (result.Counts{Requests: 6000, Errors: 3}) {
		t.Errorf("pooled counts %+v, %v", got, ok)
	}
	// A baseline of an older stackgate has no counts: the gate falls back to the medians.
	if _, ok := sample(1, 2).Scenarios[0].PooledCounts(); ok {
		t.Error("counts where none were recorded")
	}
}

func TestChanges(t *testing.T) {
	old, _ := FromResult(sample(100, 100, 100), time.Now(), "")
	updated, _ := FromResult(sample(110, 110, 110), time.Now(), "")
	var tp *Change
	for _, c := range Changes(old, updated) {
		if c.Metric == "throughput" {
			c := c
			tp = &c
		}
	}
	if tp == nil || !tp.HasOld || tp.Old != 100 || tp.New != 110 || tp.Relative() < 0.099 || tp.Relative() > 0.101 {
		t.Fatalf("throughput change %+v", tp)
	}
	if cs := Changes(nil, updated); cs[0].HasOld {
		t.Error("a first baseline has no old values")
	}
	if order := Changes(nil, updated); order[0].Metric != "throughput" || order[1].Metric != "error_rate" || order[2].Metric != "p99" {
		t.Errorf("metrics not in catalogue order: %v", order)
	}
}

func TestReadRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(filepath.Join(dir, "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing baseline: %v", err)
	}
	path := filepath.Join(dir, "demo.json")
	if _, _, err := Update(path, sample(1, 2, 3), time.Now()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	cases := map[string]string{
		"truncated":      string(data[:len(data)/2]),
		"sample removed": strings.Replace(string(data), `"samples": [1, 2, 3]`, `"samples": [1, 2]`, 1),
		"other schema":   strings.Replace(string(data), Schema, "stackgate.baseline/v9", 1),
		"counts removed": strings.Replace(string(data), `"runs": 3,`, `"runs": 3, "requests": [1, 2], "errors": [0, 0],`, 1),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(path, []byte(content), 0o644)
			_, err := Read(path)
			var fe *result.FileError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %v does not name the file", err)
			}
			// Update refuses to overwrite what it cannot read, and leaves it as it was.
			if _, _, err := Update(path, sample(5, 6, 7), time.Now()); err == nil {
				t.Fatal("update overwrote an unreadable baseline")
			}
			if now, _ := os.ReadFile(path); string(now) != content {
				t.Error("the unreadable baseline was changed")
			}
		})
	}
}

func TestUpdateRefusesIncompleteResult(t *testing.T) {
	r := sample(1, 2, 3)
	r.Complete, r.Error = false, "interrupted"
	path := filepath.Join(t.TempDir(), "demo.json")
	if _, _, err := Update(path, r, time.Now()); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("incomplete result promoted: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a file was written for an incomplete result")
	}
}

func TestRawResult(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.json")
	_, b, err := Update(path, sample(1, 2, 3), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.RawResult(path)
	if err != nil || raw.Scenarios[0].Runs[0].Latency.Histogram != "HISTFAAA" {
		t.Fatalf("raw sidecar: %v", err)
	}
	// A sidecar of another result (a later update that failed half-way) is not used.
	other := sample(4, 5, 6)
	other.Started = time.Now().Add(time.Hour)
	result.Write(filepath.Join(filepath.Dir(path), b.Raw), other)
	if _, err := b.RawResult(path); err == nil {
		t.Error("a sidecar of another result was taken for this baseline's")
	}
}
