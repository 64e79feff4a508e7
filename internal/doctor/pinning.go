package doctor

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/config"
)

// pinning checks that the suite keeps the stack's processes off the load generator's CPUs.
// stackgate cannot pin the load generator itself yet, so "separate" means: every process
// of the stack has its cpus, and they leave at least one CPU free for the generator.
func pinning(suite *config.Suite, cpus int) Finding {
	const name, want = "cpu pinning", "every process pinned (cpus), leaving CPUs to the load generator"
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
		pinned = append(pinned, fmt.Sprintf("%s on cpus %s", p.Name, cpuList(cs)))
		used = append(used, cs...)
	}
	slices.Sort(used)
	used = slices.Compact(used)
	switch {
	case cpus == 1:
		f.Value = "one CPU: nothing to separate"
		f.Fix = "measure on a runner with at least 2 CPUs"
	case len(unpinned) > 0:
		f.Value = fmt.Sprintf("%s not pinned: %s the CPUs with the load generator", strings.Join(unpinned, ", "), shareVerb(len(unpinned)))
		f.Fix = fmt.Sprintf("add %s to every [[process]] in %s", suggestCPUs(cpus), suiteFile(suite))
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

// suggestCPUs proposes cpus that leave CPU 0 to the load generator.
func suggestCPUs(cpus int) string {
	switch {
	case cpus < 2:
		return "cpus = [1]"
	case cpus > maxListedCPUs:
		return fmt.Sprintf("cpus = [1, 2, …, %d]", cpus-1)
	}
	list := make([]string, 0, cpus-1)
	for c := 1; c < cpus; c++ {
		list = append(list, strconv.Itoa(c))
	}
	return "cpus = [" + strings.Join(list, ", ") + "]"
}

// maxListedCPUs is the most CPUs a suggestion lists one by one.
const maxListedCPUs = 8

func suiteFile(suite *config.Suite) string {
	if suite.File == "" {
		return config.DefaultFile
	}
	return suite.File
}
