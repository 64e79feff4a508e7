package result

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotMergeable reports results that cannot be combined into one.
var ErrNotMergeable = errors.New("cannot merge")

// ErrPartial reports one shard of a matrix given where a whole measurement is judged:
// judged alone it would pass on a subset of the suite.
var ErrPartial = errors.New("only one part of a measurement")

// Whole refuses a result that is one shard of a matrix (name stands for it in the message).
func Whole(r *Result, name string) error {
	if r.Shard == "" {
		return nil
	}
	return fmt.Errorf("%s is shard %s of a matrix, %w: merge every shard's result (stackgate merge -o merged.json …) and judge the merged one", name, r.Shard, ErrPartial)
}

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
// or machine (fingerprint identity: runner, CPU model, logical CPUs, memory), a scenario
// measured twice — and a set of shards that does not cover the suite (a shard missing or
// given twice, shards of matrices of different sizes): judging a subset would let a failed
// shard job pass. Scenarios come in suite order (taken round-robin from the parts in the
// order given for results that do not list their suite's scenarios). A difference in the
// machines' other settings (kernel, governor…) or in the tool becomes a warning.
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
	if err := coverShards(parts); err != nil {
		return nil, err
	}
	if err := disjoint(parts); err != nil {
		return nil, err
	}
	merged := *first.Result
	merged.Scenarios = inSuiteOrder(interleave(parts), first.Result.AllScenarios)
	if err := complete(&merged); err != nil {
		return nil, err
	}
	merged.Shard = ""
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

// coverShards refuses shards that are not exactly the shards 1/n … n/n of one matrix: one
// given twice, one missing, or shards of matrices of different sizes. A single result
// that is not a shard is a whole suite.
func coverShards(parts []Part) error {
	if len(parts) == 1 && parts[0].Result.Shard == "" {
		return nil
	}
	owner := map[int]string{}
	count := 0
	for _, p := range parts {
		var i, n int
		if _, err := fmt.Sscanf(p.Result.Shard, "%d/%d", &i, &n); err != nil || i < 1 || i > n {
			return fmt.Errorf("%w %s: it is not one shard of a matrix (shard %q); merge only the results of `run -shard i/n`", ErrNotMergeable, p.Name, p.Result.Shard)
		}
		if count != 0 && n != count {
			return fmt.Errorf("%w %s: shard %s is of a matrix of %d, %s is of a matrix of %d; give the shards of one matrix", ErrNotMergeable, p.Name, p.Result.Shard, n, parts[0].Name, count)
		}
		count = n
		if prev, ok := owner[i]; ok {
			return fmt.Errorf("%w: shard %d/%d given twice (%s and %s); give each shard's result once", ErrNotMergeable, i, n, prev, p.Name)
		}
		owner[i] = p.Name
	}
	var missing []string
	for i := 1; i <= count; i++ {
		if _, ok := owner[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, count))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: shard %s of the matrix is missing (a shard job failed or its result was not downloaded): judging the other shards alone could pass a regression", ErrNotMergeable, strings.Join(missing, ", "))
	}
	return nil
}

// complete refuses a merged result that lacks scenarios of its suite.
func complete(r *Result) error {
	var missing []string
	for _, name := range r.AllScenarios {
		if r.Scenario(name) == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: scenario %s of suite %s was measured by none of the results; judging the others alone could pass a regression", ErrNotMergeable, strings.Join(missing, ", "), r.Suite)
	}
	return nil
}

// inSuiteOrder sorts scenarios in the order of the suite's list (unlisted ones last, as
// they came).
func inSuiteOrder(scenarios []Scenario, suite []string) []Scenario {
	rank := func(s Scenario) int {
		if i := slices.Index(suite, s.Name); i >= 0 {
			return i
		}
		return len(suite)
	}
	slices.SortStableFunc(scenarios, func(a, b Scenario) int { return rank(a) - rank(b) })
	return scenarios
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
