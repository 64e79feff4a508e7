// Package procfs measures the resources of process trees from /proc: the CPU time a stack
// process and all its descendants used, their resident memory, threads and processes.
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
	"bytes"
	"fmt"
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

// stat is what /proc/<pid>/stat tells about one process.
type stat struct {
	ppid        int
	reapedTicks uint64 // cutime + cstime
	ownTicks    uint64 // utime + stime
	threads     int
}

// Tree measures the processes roots and all their descendants.
func (p FS) Tree(roots ...int) (Usage, error) {
	stats, err := p.all()
	if err != nil {
		return Usage{}, err
	}
	var u Usage
	for _, pid := range descendants(stats, roots) {
		s := stats[pid]
		u.Processes++
		u.Threads += s.threads
		u.CPU += time.Duration(s.reapedTicks) * ClockTick
		u.CPU += p.threadsCPU(pid, s)
		u.RSS += p.rss(pid)
	}
	return u, nil
}

// all reads the stat of every process, to find children by their parent.
func (p FS) all() (map[int]stat, error) {
	entries, err := fs.ReadDir(p.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("reading /proc: %w", err)
	}
	stats := make(map[int]stat, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(p.FS, e.Name()+"/stat")
		if err != nil {
			continue // it exited meanwhile
		}
		if s, ok := parseStat(data); ok {
			stats[pid] = s
		}
	}
	return stats, nil
}

// parseStat reads /proc/<pid>/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func parseStat(data []byte) (stat, bool) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return stat{}, false
	}
	f := strings.Fields(string(data[end+1:]))
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 18 {
		return stat{}, false
	}
	num := func(field int) uint64 {
		v, _ := strconv.ParseUint(f[field-3], 10, 64)
		return v
	}
	ppid, _ := strconv.Atoi(f[4-3])
	return stat{
		ppid:        ppid,
		ownTicks:    num(14) + num(15),
		reapedTicks: num(16) + num(17),
		threads:     int(num(20)),
	}, true
}

// descendants returns roots and every process below them.
func descendants(stats map[int]stat, roots []int) []int {
	children := map[int][]int{}
	for pid, s := range stats {
		children[s.ppid] = append(children[s.ppid], pid)
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
func (p FS) threadsCPU(pid int, s stat) time.Duration {
	dir := strconv.Itoa(pid) + "/task"
	tasks, err := fs.ReadDir(p.FS, dir)
	if err != nil {
		return time.Duration(s.ownTicks) * ClockTick
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
		return time.Duration(s.ownTicks) * ClockTick
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
