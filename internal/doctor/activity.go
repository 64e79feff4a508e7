package doctor

import (
	"cmp"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/stackgate/stackgate/internal/procfs"
)

// sample is one reading of the counters that CPU use and swapping are measured from.
type sample struct {
	cpu     procfs.CPUTimes
	cpuOK   bool
	procs   map[int]procTime // nil when /proc lists no processes
	swapped uint64           // pages swapped in and out since boot
	swapOK  bool
}

// procTime is a process's name and CPU time (user + system, clock ticks).
type procTime struct {
	name  string
	ticks uint64
}

func takeSample(fsys fs.FS) sample {
	var s sample
	if proc, err := fs.Sub(fsys, "proc"); err == nil {
		s.cpu, err = procfs.FS{FS: proc}.CPUTimes()
		s.cpuOK = err == nil
		s.procs = readProcs(procfs.FS{FS: proc})
	}
	s.swapped, s.swapOK = readSwapped(fsys)
	return s
}

// readProcs reads the CPU time of every process.
func readProcs(proc procfs.FS) map[int]procTime {
	stats, err := proc.Processes()
	if err != nil || len(stats) == 0 {
		return nil
	}
	procs := make(map[int]procTime, len(stats))
	for _, st := range stats {
		procs[st.PID] = procTime{name: st.Comm, ticks: st.OwnTicks}
	}
	return procs
}

// readSwapped is pswpin + pswpout from /proc/vmstat.
func readSwapped(fsys fs.FS) (uint64, bool) {
	data, err := fs.ReadFile(fsys, "proc/vmstat")
	if err != nil {
		return 0, false
	}
	var total uint64
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		key, val, _ := strings.Cut(line, " ")
		if key == "pswpin" || key == "pswpout" {
			v, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
			if err != nil {
				return 0, false
			}
			total += v
			found = true
		}
	}
	return total, found
}

// loadAverage checks that nothing else keeps the CPUs busy.
func loadAverage(fsys fs.FS, cpus int) Finding {
	const name = "load average"
	line, ok := readLine(fsys, "proc/loadavg")
	fields := strings.Fields(line)
	if !ok || len(fields) == 0 || cpus == 0 {
		return unknown(name, "low", "no /proc/loadavg")
	}
	load, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return unknown(name, "low", "unreadable /proc/loadavg")
	}
	warnAt := LoadWarnPerCPU * float64(cpus)
	f := Finding{Name: name, Status: OK, Value: fmt.Sprintf("%.2f (1 minute) on %d CPUs", load, cpus),
		Want: fmt.Sprintf("below %s", strconv.FormatFloat(warnAt, 'f', -1, 64))}
	switch {
	case load >= float64(cpus):
		f.Status = Bad
	case load >= warnAt:
		f.Status = Warn
	default:
		return f
	}
	f.Why = "other work competes with the stack and the load generator for the CPUs"
	f.Fix = "stop the other work or wait for it to finish (top -o %CPU shows what runs)"
	return f
}

// busy is a foreign process's share of one CPU between the samples.
type busy struct {
	pid   int
	name  string
	share float64
}

// busyProcesses checks that no other process used a noticeable share of a CPU between
// the samples. The interval is the kernel's: all CPUs' ticks divided by their number.
func busyProcesses(before, after sample, cpus, self int) Finding {
	const name = "busy processes"
	want := fmt.Sprintf("none above %s of a CPU", percent(BusyWarn))
	if !before.cpuOK || !after.cpuOK || before.procs == nil || after.procs == nil || cpus == 0 {
		return unknown(name, want, "cannot read /proc")
	}
	if after.cpu.Total <= before.cpu.Total {
		return unknown(name, want, "/proc/stat did not advance between the samples")
	}
	elapsed := float64(after.cpu.Total-before.cpu.Total) / float64(cpus)
	list := busyList(before.procs, after.procs, elapsed, self)
	if len(list) == 0 {
		return Finding{Name: name, Status: OK, Value: "none", Want: want}
	}
	f := Finding{Name: name, Status: Warn, Value: describeBusy(list), Want: want,
		Why: "other programs take CPU time, caches and memory bandwidth from the stack and the load generator",
		Fix: fmt.Sprintf("pause them while measuring (kill -STOP %s; kill -CONT resumes them) or move them off the runner", pidList(list))}
	if list[0].share >= BusyBad {
		f.Status = Bad
	}
	return f
}

// busyList is the processes (not self) above BusyWarn, busiest first.
func busyList(before, after map[int]procTime, elapsed float64, self int) []busy {
	var list []busy
	for pid, a := range after {
		b, ok := before[pid]
		if !ok || pid == self || a.ticks < b.ticks {
			continue
		}
		if share := float64(a.ticks-b.ticks) / elapsed; share >= BusyWarn {
			list = append(list, busy{pid: pid, name: a.name, share: share})
		}
	}
	slices.SortFunc(list, func(x, y busy) int {
		return cmp.Or(cmp.Compare(y.share, x.share), cmp.Compare(x.pid, y.pid))
	})
	return list
}

// shownBusy is how many busy processes a finding names.
const shownBusy = 3

func describeBusy(list []busy) string {
	var parts []string
	for _, b := range list[:min(len(list), shownBusy)] {
		parts = append(parts, fmt.Sprintf("%s (pid %d) %s", b.name, b.pid, percent(b.share)))
	}
	if more := len(list) - shownBusy; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, ", ")
}

func pidList(list []busy) string {
	pids := make([]string, len(list))
	for i, b := range list {
		pids[i] = strconv.Itoa(b.pid)
	}
	return strings.Join(pids, " ")
}

// steal checks that a hypervisor gave no CPU time to other guests during the check.
func steal(before, after sample) Finding {
	const name, want = "steal time", "0 %"
	if !before.cpuOK || !after.cpuOK || !after.cpu.HasSteal {
		return unknown(name, want, "no steal column in /proc/stat")
	}
	if after.cpu.Total <= before.cpu.Total {
		return unknown(name, want, "/proc/stat did not advance between the samples")
	}
	window := float64(after.cpu.Steal-before.cpu.Steal) / float64(after.cpu.Total-before.cpu.Total)
	sinceBoot := float64(after.cpu.Steal) / float64(after.cpu.Total)
	f := Finding{Name: name, Status: OK, Want: want,
		Value: fmt.Sprintf("%s during the check, %s since boot", percent(window), percent(sinceBoot))}
	switch {
	case window >= StealBad:
		f.Status = Bad
	case after.cpu.Steal > 0:
		f.Status = Warn
	default:
		return f
	}
	f.Why = "the hypervisor gives this machine's CPU time to other guests, so runs slow down at random"
	f.Fix = "measure on a dedicated physical machine (or a VM with dedicated, unshared CPUs)"
	return f
}

// swap checks that no memory is swapped while measuring.
func swap(fsys fs.FS, before, after sample) Finding {
	const name, want = "swap", "none in use"
	total, free, ok := swapSpace(fsys)
	if !ok {
		return unknown(name, want, "no swap lines in /proc/meminfo")
	}
	if total == 0 {
		return Finding{Name: name, Status: OK, Value: "none configured", Want: want}
	}
	used := total - min(free, total)
	f := Finding{Name: name, Status: OK, Want: want,
		Value: fmt.Sprintf("%s in use of %s", bytesText(used), bytesText(total)),
		Why:   "memory paged out to disk makes a run wait for the disk, at random"}
	swapping := before.swapOK && after.swapOK && after.swapped > before.swapped
	switch {
	case swapping:
		f.Status = Bad
		f.Value += fmt.Sprintf(", %d pages swapped during the check", after.swapped-before.swapped)
		f.Fix = "free memory (stop what uses it), then sudo swapoff -a"
	case used > 0:
		f.Status = Warn
		f.Fix = "sudo swapoff -a && sudo swapon -a (brings swapped pages back into memory)"
	default:
		f.Why = ""
	}
	return f
}

// swapSpace is SwapTotal and SwapFree from /proc/meminfo, in bytes.
func swapSpace(fsys fs.FS) (total, free uint64, ok bool) {
	data, err := fs.ReadFile(fsys, "proc/meminfo")
	if err != nil {
		return 0, 0, false
	}
	var haveTotal, haveFree bool
	for _, line := range strings.Split(string(data), "\n") {
		key, val, _ := strings.Cut(line, ":")
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "SwapTotal":
			total, haveTotal = kb*1024, true
		case "SwapFree":
			free, haveFree = kb*1024, true
		}
	}
	return total, free, haveTotal && haveFree
}

// percent writes a share (0.25) as "25 %", with a decimal below 10 %.
func percent(share float64) string {
	p := 100 * share
	if p != 0 && p < 10 {
		return strconv.FormatFloat(p, 'f', 1, 64) + " %"
	}
	return strconv.FormatFloat(p, 'f', 0, 64) + " %"
}

// bytesText writes a size in binary units: "512 MiB".
func bytesText(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
