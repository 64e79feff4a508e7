package result

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// shard is a complete result of one suite measuring the named scenarios, two runs each.
func shard(names ...string) *Result {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	r := &Result{
		Schema: Schema, Tool: "stackgate v1", Suite: "shop", Profile: "full", DefinitionHash: "sha256:aaa",
		Fingerprint: Fingerprint{Runner: "pool", CPUModel: "EPYC", LogicalCPUs: 16, MemoryBytes: 64 << 30, Hostname: "a", Kernel: "6.1"},
		Git:         Git{Revision: "abc"}, Started: start, Finished: start.Add(time.Minute), Complete: true,
	}
	for _, n := range names {
		r.Scenarios = append(r.Scenarios, Scenario{Name: n, Runs: []Run{
			{Run: 1, Seq: 1, Metrics: map[string]float64{"throughput": 100}},
			{Run: 2, Seq: 2, Metrics: map[string]float64{"throughput": 101}},
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
			// Shards 1/2 and 2/2 of json, db, queries, slow, update.
			return []*Result{shard("json", "queries", "update"), shard("db", "slow")}
		}, []string{"json", "db", "queries", "slow", "update"}, ""},
		{"one shard", func() []*Result { return []*Result{shard("json")} }, []string{"json"}, ""},
		{"another host of the same pool", func() []*Result {
			b := shard("db")
			b.Fingerprint.Hostname, b.Fingerprint.MemoryBytes = "b", 64<<30-100<<20 // the kernel reserves a little more
			return []*Result{shard("json"), b}
		}, []string{"json", "db"}, ""},
		{"overlapping scenarios", func() []*Result { return []*Result{shard("json", "db"), shard("db")} }, nil, `both measured scenario "db"`},
		{"other definition", func() []*Result {
			b := shard("db")
			b.DefinitionHash = "sha256:bbb"
			return []*Result{shard("json"), b}
		}, nil, "other suite definition"},
		{"other suite", func() []*Result {
			b := shard("db")
			b.Suite = "cart"
			return []*Result{shard("json"), b}
		}, nil, "other suite"},
		{"other machine", func() []*Result {
			b := shard("db")
			b.Fingerprint.CPUModel = "Xeon"
			return []*Result{shard("json"), b}
		}, nil, `other machine (CPU model "Xeon", "EPYC")`},
		{"other runner", func() []*Result {
			b := shard("db")
			b.Fingerprint.Runner = "laptop"
			return []*Result{shard("json"), b}
		}, nil, "other machine (runner"},
		{"other revision", func() []*Result {
			b := shard("db")
			b.Git.Revision = "def"
			return []*Result{shard("json"), b}
		}, nil, "every shard must measure the same commit"},
		{"incomplete shard", func() []*Result {
			b := shard("db")
			b.Complete, b.Error = false, "interrupted"
			return []*Result{shard("json"), b}
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
			if !slices.Equal(names, c.want) || !merged.Complete || merged.Suite != "shop" || merged.DefinitionHash != "sha256:aaa" {
				t.Errorf("merged: scenarios %v (want %v), complete %v", names, c.want, merged.Complete)
			}
		})
	}
}

// The merged result spans every shard's time, keeps every warning, warns about machine
// settings that differ, and leaves its parts unchanged.
func TestMergeHeader(t *testing.T) {
	a, b := shard("json"), shard("db")
	b.Started, b.Finished = a.Started.Add(-time.Hour), a.Finished.Add(time.Hour)
	b.Fingerprint.Kernel, b.Git.Dirty = "6.6", true
	a.Warnings = []Warning{{Scenario: "json", Message: "noisy"}}
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
	if len(a.Scenarios) != 1 || len(a.Warnings) != 1 {
		t.Errorf("Merge changed its part: %+v", a)
	}
}

// MergeFiles reads result files and names them in its refusals.
func TestMergeFiles(t *testing.T) {
	dir := t.TempDir()
	one, two := filepath.Join(dir, "result-1.json"), filepath.Join(dir, "result-2.json")
	if err := Write(one, shard("json")); err != nil {
		t.Fatal(err)
	}
	if err := Write(two, shard("json")); err != nil {
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
