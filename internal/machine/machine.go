// Package machine describes the computer stackgate measures on: the fingerprint stored in
// every result (results from different machines are not comparable) read from /proc and
// /sys. Files that do not exist (VMs, containers) read as "unknown", never as an error.
package machine

import (
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/procfs"
	"github.com/stackgate/stackgate/internal/result"
)

// Unknown is the value of a property the machine does not expose.
const Unknown = "unknown"

// Fingerprint reads the machine's fingerprint from root (os.DirFS("/") in production).
func Fingerprint(root fs.FS, runner string) result.Fingerprint {
	host, _ := os.Hostname()
	model, cpus := cpuInfo(root)
	return result.Fingerprint{
		Runner:      runner,
		CPUModel:    model,
		LogicalCPUs: cpus,
		MemoryBytes: memTotal(root),
		Hostname:    host,
		Kernel:      firstLine(root, "proc/sys/kernel/osrelease"),
		Governor:    firstLine(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
		Turbo:       turbo(root),
		SMT:         firstLine(root, "sys/devices/system/cpu/smt/control"),
		GoVersion:   runtime.Version(),
	}
}

// cpuInfo returns the CPU model and the number of logical CPUs.
func cpuInfo(root fs.FS) (string, int) {
	model, n := Unknown, runtime.NumCPU()
	proc, err := fs.Sub(root, "proc")
	if err != nil {
		return model, n
	}
	cpus := procfs.FS{FS: proc}.CPUs()
	if cpus.Model != "" {
		model = cpus.Model
	}
	if cpus.Count > 0 {
		n = cpus.Count
	}
	return model, n
}

// memTotal returns MemTotal from /proc/meminfo in bytes (0 when unknown).
func memTotal(root fs.FS) uint64 {
	data, err := fs.ReadFile(root, "proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				return 0
			}
			kb, err := strconv.ParseUint(fields[0], 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// turbo reports whether frequency boost is on, from intel_pstate or acpi-cpufreq.
func turbo(root fs.FS) string {
	switch firstLine(root, "sys/devices/system/cpu/intel_pstate/no_turbo") {
	case "0":
		return "on"
	case "1":
		return "off"
	}
	switch firstLine(root, "sys/devices/system/cpu/cpufreq/boost") {
	case "1":
		return "on"
	case "0":
		return "off"
	}
	return Unknown
}

func firstLine(root fs.FS, name string) string {
	data, err := fs.ReadFile(root, name)
	if err != nil {
		return Unknown
	}
	line, _, _ := strings.Cut(string(data), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return Unknown
	}
	return line
}
