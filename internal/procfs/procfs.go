// Package procfs is stackgate's one reader of /proc: the processes (their stat lines and
// command lines, parsed in one place), the resources of process trees — the CPU time a
// stack process and all its descendants used, their resident memory, threads and
// processes — the machine's CPUs, and System V shared memory segments. It reads through
// an fs.FS, so every reader is tested on fixture trees.
//
// CPU time is the quiet part. /proc/<pid>/stat counts CPU in clock ticks (10 ms), which over
// a few seconds of a lightly loaded database is a 5–10 % rounding error by itself. So a
// process's CPU is taken at nanosecond precision from the schedstat of its live threads
// (/proc/<pid>/task/<tid>/schedstat), and processes that leave the tree are accounted through
// their parents' cutime/cstime (ticks: the kernel adds a reaped child's whole CPU there). The
// tree's total — Σ live threads' precise time + Σ reaped children's time — therefore grows
// steadily as processes come and go, and the CPU of a window is the difference of two
// snapshots.
package procfs

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is the unit of the tick counters in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const ClockTick = 10 * time.Millisecond

// PageSize is the unit of /proc/<pid>/statm.
var PageSize = uint64(os.Getpagesize())

// Usage is a snapshot of a process tree.
type Usage struct {
	CPU       time.Duration // cumulative CPU of the tree: live threads + reaped descendants
	RSS       uint64        // resident bytes of the live processes
	Threads   int
	Processes int
}

// FS reads a /proc tree (os.DirFS("/proc") in production, a fake tree in tests).
type FS struct{ fs.FS }

// Default reads the real /proc.
var Default = FS{os.DirFS("/proc")}

// Tree measures the processes roots and all their descendants.
func (p FS) Tree(roots ...int) (Usage, error) {
	procs, err := p.Processes()
	if err != nil {
		return Usage{}, err
	}
	stats := make(map[int]Stat, len(procs))
	for _, s := range procs {
		stats[s.PID] = s
	}
	var u Usage
	for _, pid := range descendants(stats, roots) {
		s := stats[pid]
		u.Processes++
		u.Threads += s.Threads
		u.CPU += time.Duration(s.ReapedTicks) * ClockTick
		u.CPU += p.threadsCPU(pid, s)
		u.RSS += p.rss(pid)
	}
	return u, nil
}

// descendants returns roots and every process below them.
func descendants(stats map[int]Stat, roots []int) []int {
	children := map[int][]int{}
	for pid, s := range stats {
		children[s.PPID] = append(children[s.PPID], pid)
	}
	var out []int
	seen := map[int]bool{}
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if _, ok := stats[pid]; !ok {
			continue
		}
		out = append(out, pid)
		queue = append(queue, children[pid]...)
	}
	return out
}

// threadsCPU is the precise CPU of a process's live threads, or its tick count when the
// kernel does not provide schedstat.
func (p FS) threadsCPU(pid int, s Stat) time.Duration {
	dir := strconv.Itoa(pid) + "/task"
	tasks, err := fs.ReadDir(p.FS, dir)
	if err != nil {
		return time.Duration(s.OwnTicks) * ClockTick
	}
	var total time.Duration
	read := 0
	for _, t := range tasks {
		data, err := fs.ReadFile(p.FS, dir+"/"+t.Name()+"/schedstat")
		if err != nil {
			continue // the thread exited meanwhile, or no schedstat
		}
		ns, err := strconv.ParseInt(strings.Fields(string(data) + " 0")[0], 10, 64)
		if err == nil {
			total += time.Duration(ns)
			read++
		}
	}
	if read == 0 {
		return time.Duration(s.OwnTicks) * ClockTick
	}
	return total
}

// rss is the resident size of a process from /proc/<pid>/statm.
func (p FS) rss(pid int) uint64 {
	data, err := fs.ReadFile(p.FS, strconv.Itoa(pid)+"/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * PageSize
}
