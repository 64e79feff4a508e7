package doctor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/cpuset"
)

// pinning checks that the suite keeps the stack's processes off the load generator's CPUs:
// [load] cpus partitions the machine (the generator's loops there, the stack and
// PostgreSQL on the rest); without it, every process's own cpus must leave CPUs free.
// On 2 CPUs a partition leaves the stack one: bench/sensitivity measured it no steadier
// there than sharing both (README, "How the gate decides"), so it is not asked for.
func pinning(suite *config.Suite, cpus int) Finding {
	const name, want = "cpu pinning", "from 3 CPUs: the load generator on CPUs of its own ([load] cpus), the stack on the rest"
	if suite == nil {
		return unknown(name, want, "no suite file to read (-config)")
	}
	if len(suite.Processes) == 0 {
		return unknown(name, want, "the suite has no processes")
	}
	f := Finding{Name: name, Status: Warn, Want: want,
		Why: "the load generator and the stack take CPU time from each other wherever the scheduler puts them, differently from run to run"}
	var unpinned, pinned []string
	var used []int
	for _, p := range suite.Processes {
		if len(p.CPUs) == 0 {
			unpinned = append(unpinned, p.Name)
			continue
		}
		cs := slices.Sorted(slices.Values(p.CPUs))
		pinned = append(pinned, fmt.Sprintf("%s on cpus %s", p.Name, cpuset.Format(cs)))
		used = append(used, cs...)
	}
	slices.Sort(used)
	used = slices.Compact(used)
	switch {
	case cpus == 1:
		f.Value = "one CPU: nothing to separate"
		f.Fix = "measure on a runner with at least 2 CPUs"
	case len(suite.Load.CPUs) > 0:
		f.Status, f.Why = OK, ""
		f.Value = fmt.Sprintf("load generator on cpus %s; the stack and PostgreSQL on the rest", cpuset.Format(slices.Sorted(slices.Values(suite.Load.CPUs))))
		if len(pinned) > 0 {
			f.Value += " (" + strings.Join(pinned, "; ") + ")"
		}
	case len(unpinned) > 0 && cpus == 2:
		f.Status, f.Why = OK, ""
		f.Value = "not partitioned: on 2 CPUs a partition would leave the stack one CPU"
	case len(unpinned) > 0:
		f.Value = fmt.Sprintf("%s not pinned: %s the CPUs with the load generator", strings.Join(unpinned, ", "), shareVerb(len(unpinned)))
		f.Fix = fmt.Sprintf("add cpus = [0] under [load] in %s: the load generator on CPU 0, the stack and PostgreSQL on the rest", suiteFile(suite))
	case cpus > 0 && len(used) >= cpus:
		f.Value = strings.Join(pinned, "; ") + ": no CPU left to the load generator"
		f.Fix = fmt.Sprintf("leave at least one CPU out of every process's cpus in %s", suiteFile(suite))
	default:
		f.Status = OK
		f.Value = strings.Join(pinned, "; ")
		f.Why = ""
	}
	return f
}

func shareVerb(n int) string {
	if n == 1 {
		return "shares"
	}
	return "share"
}

func suiteFile(suite *config.Suite) string {
	if suite.File == "" {
		return config.DefaultFile
	}
	return suite.File
}
