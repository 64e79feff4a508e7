package compare

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/result"
)

// MemoryTolerance is how far (relative) the memory size of two machines may differ for them
// to count as the same machine: the kernel reserves slightly different amounts across boots
// and versions.
const MemoryTolerance = 0.02

// maxChangesShown bounds the definition changes one reason lists.
const maxChangesShown = 3

// checkMachine compares the identity of the two machines (a difference makes every
// scenario not comparable, or is a warning when allowed) and their other settings (a
// difference is a warning).
func (c *comparison) checkMachine() {
	old, cur := c.in.Base.Fingerprint, c.headFingerprint()
	diffs := identityDiffs(old, cur)
	c.machineOK = len(diffs) == 0 || c.rules.AllowOtherMachine
	for _, d := range diffs {
		if c.rules.AllowOtherMachine {
			c.warn("compared although the machine differs from the baseline's (%s)", d)
		} else {
			c.v.NotComparable = append(c.v.NotComparable, "machine: "+d)
		}
	}
	for _, d := range settingDiffs(old, cur) {
		c.warn("the machine changed since the baseline: %s", d)
	}
	c.checkEnvironment()
}

// checkEnvironment warns when the environment the stack inherited differs from the
// baseline's: a variable such as DB_SLEEP or GOGC set on one runner and not the other
// changes results that would otherwise look comparable. Results without a recorded
// environment (older versions) are not compared.
func (c *comparison) checkEnvironment() {
	old, cur := c.in.Base.Environment, map[string]string(nil)
	if c.in.Head != nil {
		cur = c.in.Head.Environment
	}
	if old == nil || cur == nil {
		return
	}
	var diffs []string
	for _, name := range slices.Sorted(maps.Keys(old)) {
		v, ok := cur[name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s removed (was %s)", name, shortValue(old[name])))
		case v != old[name]:
			diffs = append(diffs, fmt.Sprintf("%s %s → %s", name, shortValue(old[name]), shortValue(v)))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cur)) {
		if _, ok := old[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s added (%s)", name, shortValue(cur[name])))
		}
	}
	if len(diffs) > maxEnvironmentShown {
		diffs = append(diffs[:maxEnvironmentShown], fmt.Sprintf("and %d more", len(diffs)-maxEnvironmentShown))
	}
	if len(diffs) > 0 {
		c.warn("the environment the stack inherits differs from the baseline's: %s", strings.Join(diffs, "; "))
	}
}

// maxEnvironmentShown bounds the differences of the environment one warning lists.
const maxEnvironmentShown = 8

// shortValue quotes an environment value, cut to a readable length.
func shortValue(v string) string {
	if r := []rune(v); len(r) > 48 {
		v = string(r[:47]) + "…"
	}
	return strconv.Quote(v)
}

func (c *comparison) headFingerprint() result.Fingerprint {
	if c.in.Head == nil {
		return result.Fingerprint{}
	}
	return c.in.Head.Fingerprint
}

// identityDiffs names every identity field that differs, "field: old → new".
func identityDiffs(old, cur result.Fingerprint) []string {
	var out []string
	add := func(field, o, n string) {
		if o != n {
			out = append(out, fmt.Sprintf("%s: %s → %s", field, shown(o), shown(n)))
		}
	}
	add("runner", old.Runner, cur.Runner)
	add("CPU model", old.CPUModel, cur.CPUModel)
	add("logical CPUs", strconv.Itoa(old.LogicalCPUs), strconv.Itoa(cur.LogicalCPUs))
	if !sameMemory(old.MemoryBytes, cur.MemoryBytes) {
		add("memory", gib(old.MemoryBytes), gib(cur.MemoryBytes))
	}
	return out
}

func sameMemory(a, b uint64) bool {
	return math.Abs(float64(a)-float64(b)) <= MemoryTolerance*float64(a)
}

func gib(bytes uint64) string { return fmt.Sprintf("%.1f GiB", float64(bytes)/(1<<30)) }

// settingDiffs names every recorded machine setting that differs, "field: old → new".
func settingDiffs(old, cur result.Fingerprint) []string {
	var out []string
	for _, f := range []struct{ name, o, n string }{
		{"kernel", old.Kernel, cur.Kernel},
		{"CPU governor", old.Governor, cur.Governor},
		{"turbo", old.Turbo, cur.Turbo},
		{"SMT", old.SMT, cur.SMT},
		{"Go", old.GoVersion, cur.GoVersion},
		{"PostgreSQL", old.PostgreSQL, cur.PostgreSQL},
	} {
		if f.o != f.n {
			out = append(out, fmt.Sprintf("%s: %s → %s", f.name, shown(f.o), shown(f.n)))
		}
	}
	return out
}

func shown(v string) string {
	if v == "" {
		return "(unknown)"
	}
	return v
}

// checkSuiteDefinition reports the changed settings that shape every scenario.
func (c *comparison) checkSuiteDefinition() {
	var changes []string
	for _, ch := range c.definitionChanges(nil) {
		if !strings.HasPrefix(ch.Key, "scenario.") {
			changes = append(changes, ch.String())
		}
	}
	if len(changes) == 0 {
		return
	}
	if c.rules.AllowDefinitionChange {
		c.warn("compared although the definition changed: %s", strings.Join(changes, "; "))
		return
	}
	for _, ch := range changes {
		c.v.NotComparable = append(c.v.NotComparable, "definition: "+ch)
	}
}

// checkScenarioDefinition says why scenario name is not comparable because its definition
// changed ("" when it did not, or when that is allowed: then it warns about the scenario's
// own changed settings).
func (c *comparison) checkScenarioDefinition(name string) string {
	changes := c.definitionChanges(&name)
	if len(changes) == 0 {
		return ""
	}
	if c.rules.AllowDefinitionChange {
		var own []string
		for _, ch := range changes {
			if strings.HasPrefix(ch.Key, "scenario.") {
				own = append(own, ch.String())
			}
		}
		if len(own) > 0 {
			c.warn("scenario %s: compared although its definition changed: %s", name, strings.Join(own, "; "))
		}
		return ""
	}
	return "not comparable: the definition changed: " + listChanges(changes)
}

// definitionChanges lists what changed from the baseline's definition to head's, for one
// scenario or (name nil) for the whole suite. Results without a stored definition can only
// tell by their hash.
func (c *comparison) definitionChanges(name *string) []config.Change {
	old, cur := config.Definition(c.in.Base.Definition), config.Definition(nil)
	curHash := ""
	if c.in.Head != nil {
		cur, curHash = config.Definition(c.in.Head.Definition), c.in.Head.DefinitionHash
	}
	if curHash != "" && curHash == c.in.Base.DefinitionHash {
		return nil // the hash covers the whole definition
	}
	if len(old) == 0 || len(cur) == 0 {
		if c.in.Base.DefinitionHash == curHash {
			return nil
		}
		return []config.Change{{Key: "definition hash", Old: c.in.Base.DefinitionHash, New: curHash}}
	}
	if name != nil {
		old, cur = old.ForScenario(*name), cur.ForScenario(*name)
	}
	return cur.Diff(old)
}

func listChanges(changes []config.Change) string {
	var parts []string
	for i, ch := range changes {
		if i == maxChangesShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(changes)-i))
			break
		}
		parts = append(parts, ch.String())
	}
	return strings.Join(parts, "; ")
}

// warn records a warning, once.
func (c *comparison) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	for _, have := range c.v.Warnings {
		if have == w {
			return
		}
	}
	c.v.Warnings = append(c.v.Warnings, w)
}
