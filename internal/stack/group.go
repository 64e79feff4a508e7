package stack

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Poll intervals grow from pollFirst to pollMax: quick answers for fast processes without
// spinning on slow ones.
const (
	pollFirst = 10 * time.Millisecond
	pollMax   = 250 * time.Millisecond
)

// pollInterval is the wait before poll attempt+1 (attempt counts from 0): doubling from
// pollFirst, capped at pollMax. Pure, so the back-off is tested without sleeping.
func pollInterval(attempt int) time.Duration {
	if attempt < 0 {
		attempt = 0
	}
	d := pollFirst
	for range min(attempt, 16) {
		d *= 2
		if d >= pollMax {
			return pollMax
		}
	}
	return d
}

// signalGroup sends sig to every process of the group; a group that is already gone is fine.
func signalGroup(pgid int, sig syscall.Signal) {
	_ = syscall.Kill(-pgid, sig)
}

// procEntry is what stop needs from /proc/<pid>/stat.
type procEntry struct {
	pid, ppid, pgrp int
	state           byte
	start           uint64 // start time since boot: (pid, start) survives pid reuse
}

func (e procEntry) alive() bool { return e.state != 'Z' && e.state != 'X' }

// family is what Stop must see gone: the leader's process group, plus descendants that
// left it (PostgreSQL's children call setsid, daemons do). Descendants are remembered once
// seen, because when the leader dies they are reparented and the tree no longer shows them.
type family struct {
	pgid  int            // the leader's pid and group id
	known map[int]uint64 // descendant pid -> start time
}

func newFamily(pgid int) *family { return &family{pgid: pgid, known: make(map[int]uint64)} }

// survivors returns the live members: processes of the group and known descendants.
// Zombies do not count: an orphaned zombie is dead, merely not yet reaped by an init that
// reaps late (as in many containers), and kill(-pgid, 0) would still count it.
func (f *family) survivors() []int {
	procs, ok := scanProcs()
	if !ok {
		return []int{f.pgid} // cannot tell: assume alive rather than claim success
	}
	f.learn(procs)
	var pids []int
	for _, e := range procs {
		if !e.alive() {
			continue
		}
		if start, known := f.known[e.pid]; e.pgrp == f.pgid || (known && start == e.start) {
			pids = append(pids, e.pid)
		}
	}
	return pids
}

// learn adds the descendants of the leader and of known descendants.
func (f *family) learn(procs []procEntry) {
	for grew := true; grew; {
		grew = false
		for _, e := range procs {
			if _, seen := f.known[e.pid]; seen {
				continue
			}
			if _, parentKnown := f.known[e.ppid]; e.ppid == f.pgid || parentKnown {
				f.known[e.pid] = e.start
				grew = true
			}
		}
	}
}

// kill sends SIGKILL to the group and to every known descendant still alive outside it.
func (f *family) kill() {
	signalGroup(f.pgid, syscall.SIGKILL)
	for _, pid := range f.survivors() {
		if pid != f.pgid {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// groupMembers lists the live processes of a process group.
func groupMembers(pgid int) []int {
	procs, _ := scanProcs()
	var pids []int
	for _, e := range procs {
		if e.pgrp == pgid && e.alive() {
			pids = append(pids, e.pid)
		}
	}
	return pids
}

// scanProcs reads every process's stat line.
func scanProcs() ([]procEntry, bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	procs := make([]procEntry, 0, len(entries))
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if e, ok := procStat(pid); ok {
			procs = append(procs, e)
		}
	}
	return procs, true
}

// procStat parses /proc/<pid>/stat: "pid (comm) state ppid pgrp ... starttime ...", where
// comm may hold spaces and parentheses.
func procStat(pid int) (procEntry, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procEntry{}, false
	}
	end := strings.LastIndexByte(string(data), ')')
	if end < 0 {
		return procEntry{}, false
	}
	// After comm: state(0) ppid(1) pgrp(2) ... starttime(19).
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 20 || len(fields[0]) != 1 {
		return procEntry{}, false
	}
	e := procEntry{pid: pid, state: fields[0][0]}
	var errs [3]error
	e.ppid, errs[0] = strconv.Atoi(fields[1])
	e.pgrp, errs[1] = strconv.Atoi(fields[2])
	e.start, errs[2] = strconv.ParseUint(fields[19], 10, 64)
	for _, err := range errs {
		if err != nil {
			return procEntry{}, false
		}
	}
	return e, true
}
