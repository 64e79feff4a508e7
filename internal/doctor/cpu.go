package doctor

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/cpuset"
	"github.com/stackgate/stackgate/internal/procfs"
)

const cpuDir = "sys/devices/system/cpu/"

// governor checks that no CPU's frequency follows the load.
func governor(fsys fs.FS) Finding {
	const name, want = "cpu governor", "performance"
	byGovernor := map[string][]int{}
	scaling, fixed := false, false
	for _, cpu := range cpufreqCPUs(fsys) {
		dir := fmt.Sprintf("%scpu%d/cpufreq/", cpuDir, cpu)
		g, _ := readLine(fsys, dir+"scaling_governor")
		byGovernor[g] = append(byGovernor[g], cpu)
		if g != "performance" {
			if fixedFrequency(fsys, dir) {
				fixed = true
			} else {
				scaling = true
			}
		}
	}
	if len(byGovernor) == 0 {
		return unknown(name, want, "no cpufreq (a VM, a container, or no frequency driver)")
	}
	f := Finding{Name: name, Status: OK, Value: describeGovernors(byGovernor), Want: want}
	if fixed && !scaling {
		f.Value += " (minimum = maximum frequency: nothing to scale)"
	}
	if scaling {
		f.Status = Bad
		f.Why = "the CPU frequency follows the load, so the same code runs at different speeds from run to run"
		f.Fix = "sudo cpupower frequency-set -g performance"
	}
	return f
}

// cpufreqCPUs lists the CPUs with a scaling governor, in numeric order.
func cpufreqCPUs(fsys fs.FS) []int {
	paths, _ := fs.Glob(fsys, cpuDir+"cpu[0-9]*/cpufreq/scaling_governor")
	var cpus []int
	for _, p := range paths {
		dir := strings.TrimPrefix(strings.TrimSuffix(p, "/cpufreq/scaling_governor"), cpuDir+"cpu")
		if n, err := strconv.Atoi(dir); err == nil {
			cpus = append(cpus, n)
		}
	}
	slices.Sort(cpus)
	return cpus
}

// fixedFrequency: a governor cannot scale a CPU whose lowest and highest frequency are one.
func fixedFrequency(fsys fs.FS, dir string) bool {
	lo, ok1 := readLine(fsys, dir+"scaling_min_freq")
	hi, ok2 := readLine(fsys, dir+"scaling_max_freq")
	return ok1 && ok2 && lo == hi
}

// describeGovernors names the governors, with their CPUs when they differ.
func describeGovernors(byGovernor map[string][]int) string {
	if len(byGovernor) == 1 {
		for g := range byGovernor {
			return g
		}
	}
	var parts []string
	for g, cpus := range byGovernor {
		parts = append(parts, fmt.Sprintf("%s on cpus %s", g, cpuset.Format(cpus)))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// turbo checks that frequency boost is off (intel_pstate or acpi-cpufreq).
func turbo(fsys fs.FS) Finding {
	const name, want = "turbo", "off"
	why := "boost clocks depend on temperature and on how many cores are busy, so they change from run to run"
	if v, ok := readLine(fsys, cpuDir+"intel_pstate/no_turbo"); ok {
		if v == "1" {
			return Finding{Name: name, Status: OK, Value: "off (intel_pstate)", Want: want}
		}
		return Finding{Name: name, Status: Warn, Value: "on (intel_pstate)", Want: want, Why: why,
			Fix: "echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"}
	}
	if v, ok := readLine(fsys, cpuDir+"cpufreq/boost"); ok {
		if v == "0" {
			return Finding{Name: name, Status: OK, Value: "off (cpufreq boost)", Want: want}
		}
		return Finding{Name: name, Status: Warn, Value: "on (cpufreq boost)", Want: want, Why: why,
			Fix: "echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost"}
	}
	return unknown(name, want, "no intel_pstate/no_turbo or cpufreq/boost")
}

// smt checks that sibling hyper-threads are off.
func smt(fsys fs.FS) Finding {
	const name, want = "smt", "off"
	v, ok := readLine(fsys, cpuDir+"smt/control")
	switch {
	case !ok:
		return unknown(name, want, "no smt/control")
	case v == "off" || v == "forceoff":
		return Finding{Name: name, Status: OK, Value: v, Want: want}
	case v == "notsupported" || v == "notimplemented":
		return Finding{Name: name, Status: OK, Value: "not supported", Want: want}
	}
	return Finding{Name: name, Status: Warn, Value: v, Want: want,
		Why: "hyper-threads share a core: the load generator, the app and PostgreSQL slow each other down depending on where the scheduler puts them",
		Fix: "echo off | sudo tee /sys/devices/system/cpu/smt/control"}
}

// countCPUs counts the logical CPUs (0: unknown).
func countCPUs(fsys fs.FS) int {
	proc, err := fs.Sub(fsys, "proc")
	if err != nil {
		return 0
	}
	return procfs.FS{FS: proc}.CPUs().Count
}
