package result

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ErrNotMergeable reports results that cannot be combined into one.
var ErrNotMergeable = errors.New("cannot merge")

// mergeMemoryTolerance is how far the memory sizes of two machines may differ for them to
// count as identical (as compare.MemoryTolerance: kernels reserve slightly different amounts).
const mergeMemoryTolerance = 0.02

// Part is one result to merge, with the name that stands for it in messages (its file).
type Part struct {
	Name   string
	Result *Result
}

// MergeFiles reads the result files and merges them (see Merge).
func MergeFiles(paths ...string) (*Result, error) {
	parts := make([]Part, len(paths))
	for i, p := range paths {
		r, err := Read(p)
		if err != nil {
			return nil, err
		}
		parts[i] = Part{Name: p, Result: r}
	}
	return Merge(parts...)
}

// Merge combines the results of the shards of one suite — the jobs of a matrix, each of
// which measured some of the scenarios — into one result that compares like a single
// invocation's. It refuses, with an error wrapping ErrNotMergeable, results that could not
// have come from one invocation: an incomplete shard, another suite, definition, revision
// or machine (fingerprint identity: runner, CPU model, logical CPUs, memory), or a scenario
// measured twice. Scenarios are taken round-robin from the parts in the order given, which
// restores suite order when the parts are given in shard order (1/n, 2/n, …). A difference
// in the machines' other settings (kernel, governor…) or in the tool becomes a warning.
func Merge(parts ...Part) (*Result, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no results given", ErrNotMergeable)
	}
	first := parts[0]
	for _, p := range parts {
		if err := mergeable(first, p); err != nil {
			return nil, err
		}
	}
	if err := disjoint(parts); err != nil {
		return nil, err
	}
	merged := *first.Result
	merged.Scenarios = interleave(parts)
	merged.Warnings = nil
	for _, p := range parts {
		merged.Started = earliest(merged.Started, p.Result.Started)
		if p.Result.Finished.After(merged.Finished) {
			merged.Finished = p.Result.Finished
		}
		merged.Git.Dirty = merged.Git.Dirty || p.Result.Git.Dirty
		merged.Warnings = append(merged.Warnings, p.Result.Warnings...)
		merged.Warnings = append(merged.Warnings, settingWarnings(first, p)...)
	}
	return &merged, nil
}

// mergeable says why p cannot be merged with first (nil when it can).
func mergeable(first, p Part) error {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w %s with %s: %s", ErrNotMergeable, p.Name, first.Name, fmt.Sprintf(format, args...))
	}
	a, b := first.Result, p.Result
	switch {
	case !b.Complete:
		return fmt.Errorf("%w %s: the shard stopped early (%s); run it again", ErrNotMergeable, p.Name, b.Error)
	case b.Suite != a.Suite:
		return refuse("other suite (%q, %q)", b.Suite, a.Suite)
	case b.DefinitionHash != a.DefinitionHash:
		return refuse("other suite definition (%s, %s): every shard must run the same config and profile", b.DefinitionHash, a.DefinitionHash)
	case b.Git.Revision != a.Git.Revision:
		return refuse("other revision (%s, %s): every shard must measure the same commit", shownValue(b.Git.Revision), shownValue(a.Git.Revision))
	}
	if d := identityDiff(a.Fingerprint, b.Fingerprint); d != "" {
		return refuse("other machine (%s): shards must run on identical machines that share one runner name", d)
	}
	return nil
}

// identityDiff names the first identity field of the fingerprints that differs ("" = none).
func identityDiff(a, b Fingerprint) string {
	switch {
	case a.Runner != b.Runner:
		return fmt.Sprintf("runner %s, %s", shownValue(b.Runner), shownValue(a.Runner))
	case a.CPUModel != b.CPUModel:
		return fmt.Sprintf("CPU model %s, %s", shownValue(b.CPUModel), shownValue(a.CPUModel))
	case a.LogicalCPUs != b.LogicalCPUs:
		return fmt.Sprintf("logical CPUs %d, %d", b.LogicalCPUs, a.LogicalCPUs)
	case math.Abs(float64(a.MemoryBytes)-float64(b.MemoryBytes)) > mergeMemoryTolerance*float64(a.MemoryBytes):
		return fmt.Sprintf("memory %.1f GiB, %.1f GiB", gib(b.MemoryBytes), gib(a.MemoryBytes))
	}
	return ""
}

func gib(n uint64) float64 { return float64(n) / (1 << 30) }

func shownValue(s string) string {
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

// disjoint refuses a scenario measured by two parts.
func disjoint(parts []Part) error {
	owner := map[string]string{}
	for _, p := range parts {
		for _, sc := range p.Result.Scenarios {
			if prev, ok := owner[sc.Name]; ok {
				return fmt.Errorf("%w %s with %s: both measured scenario %q; give each shard file once, and shards of one matrix (-shard i/n with the same n)", ErrNotMergeable, p.Name, prev, sc.Name)
			}
			owner[sc.Name] = p.Name
		}
	}
	return nil
}

// interleave takes the scenarios round-robin from the parts: the first of each part, then
// the second of each, and so on.
func interleave(parts []Part) []Scenario {
	var out []Scenario
	for i := 0; ; i++ {
		took := false
		for _, p := range parts {
			if i < len(p.Result.Scenarios) {
				out = append(out, p.Result.Scenarios[i])
				took = true
			}
		}
		if !took {
			return out
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// settingWarnings are the differences between the machines of first and p that do not
// prevent comparing (kernel, governor, versions), and between their tools.
func settingWarnings(first, p Part) []Warning {
	a, b := first.Result, p.Result
	var out []Warning
	for _, f := range []struct{ name, a, b string }{
		{"tool", a.Tool, b.Tool},
		{"kernel", a.Fingerprint.Kernel, b.Fingerprint.Kernel},
		{"CPU governor", a.Fingerprint.Governor, b.Fingerprint.Governor},
		{"turbo", a.Fingerprint.Turbo, b.Fingerprint.Turbo},
		{"SMT", a.Fingerprint.SMT, b.Fingerprint.SMT},
		{"Go", a.Fingerprint.GoVersion, b.Fingerprint.GoVersion},
		{"PostgreSQL", a.Fingerprint.PostgreSQL, b.Fingerprint.PostgreSQL},
	} {
		if f.a != f.b {
			out = append(out, Warning{Message: fmt.Sprintf("merged shards differ in %s: %s in %s, %s in %s", f.name, shownValue(f.a), first.Name, shownValue(f.b), p.Name)})
		}
	}
	return out
}
