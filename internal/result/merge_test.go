package result

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// suite is the scenarios of the suite the shards measure, in suite order.
var suite = []string{"json", "db", "queries", "slow", "update"}

// shard is a complete result of shard spec ("i/n") of the suite, measuring the named
// scenarios, two runs each.
func shard(spec string, names ...string) *Result {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	r := &Result{
		Schema: Schema, Tool: "stackgate v1", Suite: "shop", Profile: "full", DefinitionHash: "sha256:aaa",
		Fingerprint: Fingerprint{Runner: "pool", CPUModel: "EPYC", LogicalCPUs: 16, MemoryBytes: 64 << 30, Hostname: "a", Kernel: "6.1"},
		Git:         Git{Revision: "abc"}, Started: start, Finished: start.Add(time.Minute), Complete: true,
		Shard: spec, AllScenarios: suite,
	}
	for _, n := range names {
		r.Scenarios = append(r.Scenarios, Scenario{Name: n, Runs: []Run{
			{Run: 1, Seq: 1, Metrics: map[string]float64{"throughput": 100, "p99": 2, "error_rate": 0}},
			{Run: 2, Seq: 2, Metrics: map[string]float64{"throughput": 101, "p99": 2, "error_rate": 0}},
		}})
	}
	return r
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name   string
		parts  func() []*Result
		want   []string // merged scenario order
		refuse string   // part of the error
	}{
		{"disjoint shards merge in suite order", func() []*Result {
			return []*Result{one(), two()}
		}, suite, ""},
		{"given in any order", func() []*Result { return []*Result{two(), one()} }, suite, ""},
		{"a whole suite", func() []*Result {
			r := shard("", suite...)
			return []*Result{r}
		}, suite, ""},
		{"another host of the same pool", func() []*Result {
			b := two()
			b.Fingerprint.Hostname, b.Fingerprint.MemoryBytes = "b", 64<<30-100<<20 // the kernel reserves a little more
			return []*Result{one(), b}
		}, suite, ""},
		{"a shard missing", func() []*Result { return []*Result{one()} }, nil, "shard 2/2 of the matrix is missing"},
		{"two of three shards", func() []*Result {
			return []*Result{shard("1/3", "json", "slow"), shard("3/3", "queries")}
		}, nil, "shard 2/3 of the matrix is missing"},
		{"a shard given twice", func() []*Result { return []*Result{one(), two(), one()} }, nil, "shard 1/2 given twice (shards/1.json and shards/3.json)"},
		{"shards of matrices of different sizes", func() []*Result {
			return []*Result{one(), shard("2/3", "db", "update")}
		}, nil, "shard 2/3 is of a matrix of 3, shards/1.json is of a matrix of 2"},
		{"not a shard among shards", func() []*Result {
			return []*Result{one(), shard("", "db", "slow")}
		}, nil, `it is not one shard of a matrix (shard "")`},
		{"shards that leave a scenario out", func() []*Result {
			return []*Result{one(), shard("2/2", "db")}
		}, nil, "scenario slow of suite shop was measured by none of the results"},
		{"overlapping scenarios", func() []*Result { return []*Result{one(), shard("2/2", "db", "update")} }, nil, `both measured scenario "update"`},
		{"other definition", func() []*Result {
			b := two()
			b.DefinitionHash = "sha256:bbb"
			return []*Result{one(), b}
		}, nil, "other suite definition"},
		{"other suite", func() []*Result {
			b := two()
			b.Suite = "cart"
			return []*Result{one(), b}
		}, nil, "other suite"},
		{"other machine", func() []*Result {
			b := two()
			b.Fingerprint.CPUModel = "Xeon"
			return []*Result{one(), b}
		}, nil, `other machine (CPU model "Xeon", "EPYC")`},
		{"other runner", func() []*Result {
			b := two()
			b.Fingerprint.Runner = "laptop"
			return []*Result{one(), b}
		}, nil, "other machine (runner"},
		{"other revision", func() []*Result {
			b := two()
			b.Git.Revision = "def"
			return []*Result{one(), b}
		}, nil, "every shard must measure the same commit"},
		{"incomplete shard", func() []*Result {
			b := two()
			b.Complete, b.Error = false, "interrupted"
			return []*Result{one(), b}
		}, nil, "the shard stopped early (interrupted)"},
		{"nothing", func() []*Result { return nil }, nil, "no results given"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var parts []Part
			for i, r := range c.parts() {
				parts = append(parts, Part{Name: filepath.Join("shards", string(rune('1'+i))+".json"), Result: r})
			}
			merged, err := Merge(parts...)
			if c.refuse != "" {
				if !errors.Is(err, ErrNotMergeable) || !strings.Contains(err.Error(), c.refuse) {
					t.Fatalf("Merge = %v, want an error saying %q", err, c.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, sc := range merged.Scenarios {
				names = append(names, sc.Name)
				if len(sc.Runs) != 2 {
					t.Errorf("scenario %s: %d runs", sc.Name, len(sc.Runs))
				}
			}
			if !slices.Equal(names, c.want) || !merged.Complete || merged.Suite != "shop" || merged.DefinitionHash != "sha256:aaa" || merged.Shard != "" {
				t.Errorf("merged: scenarios %v (want %v), complete %v, shard %q", names, c.want, merged.Complete, merged.Shard)
			}
		})
	}
}

// one and two are the shards of a matrix of two over the suite.
func one() *Result { return shard("1/2", "json", "queries", "update") }
func two() *Result { return shard("2/2", "db", "slow") }

// The merged result spans every shard's time, keeps every warning, warns about machine
// settings that differ, and leaves its parts unchanged.
func TestMergeHeader(t *testing.T) {
	a, b := one(), two()
	b.Started, b.Finished = a.Started.Add(-time.Hour), a.Finished.Add(time.Hour)
	b.Fingerprint.Kernel, b.Git.Dirty = "6.6", true
	a.Warnings = []Warning{{Scenario: "json", Message: "noisy"}}
	scenarios := len(a.Scenarios)
	merged, err := Merge(Part{"a.json", a}, Part{"b.json", b})
	if err != nil {
		t.Fatal(err)
	}
	if !merged.Started.Equal(b.Started) || !merged.Finished.Equal(b.Finished) || !merged.Git.Dirty {
		t.Errorf("merged header: %v – %v, dirty %v", merged.Started, merged.Finished, merged.Git.Dirty)
	}
	var msgs []string
	for _, w := range merged.Warnings {
		msgs = append(msgs, w.Message)
	}
	if len(msgs) != 2 || msgs[0] != "noisy" || !strings.Contains(msgs[1], `kernel: "6.1" in a.json, "6.6" in b.json`) {
		t.Errorf("warnings: %q", msgs)
	}
	if len(a.Scenarios) != scenarios || len(a.Warnings) != 1 {
		t.Errorf("Merge changed its part: %+v", a)
	}
}

// MergeFiles reads result files and names them in its refusals.
func TestMergeFiles(t *testing.T) {
	dir := t.TempDir()
	one, two := filepath.Join(dir, "result-1.json"), filepath.Join(dir, "result-2.json")
	if err := Write(one, shard("1/2", "json")); err != nil {
		t.Fatal(err)
	}
	if err := Write(two, shard("2/2", "json")); err != nil {
		t.Fatal(err)
	}
	if _, err := MergeFiles(one, two); err == nil || !strings.Contains(err.Error(), "result-2.json with "+one) {
		t.Errorf("MergeFiles of two copies: %v", err)
	}
	var fe *FileError
	if _, err := MergeFiles(one, filepath.Join(dir, "missing.json")); !errors.As(err, &fe) {
		t.Errorf("MergeFiles of a missing file: %v", err)
	}
}
