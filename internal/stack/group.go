package stack

import (
	"os"
	"syscall"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
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

// family is what Stop must see gone: the leader's process group, plus descendants that
// left it (PostgreSQL's children call setsid, daemons do). Descendants are remembered once
// seen, because when the leader dies they are reparented and the tree no longer shows them.
// Those that were orphaned before they were seen were adopted by stackgate (see
// BecomeSubreaper): every orphan adopted since the leader started counts, and its
// descendants with it.
type family struct {
	pgid  int            // the leader's pid and group id
	born  uint64         // the leader's start time
	known map[int]uint64 // descendant pid -> start time
}

func newFamily(pgid int, born uint64) *family {
	return &family{pgid: pgid, born: born, known: make(map[int]uint64)}
}

// survivors returns the live members: processes of the group and known descendants.
// Zombies do not count: an orphaned zombie is dead, merely not yet reaped by an init that
// reaps late (as in many containers), and kill(-pgid, 0) would still count it. Adopted
// orphans that died are reaped on the way.
func (f *family) survivors() []int {
	procs, err := procfs.Default.Processes()
	if err != nil {
		return []int{f.pgid} // cannot tell: assume alive rather than claim success
	}
	reapAdopted(procs)
	f.learn(procs)
	var pids []int
	for _, e := range procs {
		if !e.Alive() {
			continue
		}
		if start, known := f.known[e.PID]; e.Pgrp == f.pgid || (known && start == e.Start) {
			pids = append(pids, e.PID)
		}
	}
	return pids
}

// learn adds the orphans adopted since the leader started, and the descendants of the
// leader and of every known member.
func (f *family) learn(procs []procfs.Stat) {
	for _, e := range adoptedSince(procs, f.born) {
		f.known[e.PID] = e.Start
	}
	for grew := true; grew; {
		grew = false
		for _, e := range procs {
			if _, seen := f.known[e.PID]; seen {
				continue
			}
			if _, parentKnown := f.known[e.PPID]; e.PPID == f.pgid || parentKnown {
				f.known[e.PID] = e.Start
				grew = true
			}
		}
	}
}

// stop sends the stop signal to the group and to the adopted orphans (daemons have their
// own ways of stopping their children; descendants PostgreSQL and others manage are left
// to their parents).
func (f *family) stop(sig syscall.Signal) {
	signalGroup(f.pgid, sig)
	procs, _ := procfs.Default.Processes()
	f.learn(procs)
	for _, e := range procs {
		if start, known := f.known[e.PID]; known && start == e.Start && e.Alive() && e.PPID == os.Getpid() {
			_ = syscall.Kill(e.PID, sig)
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
	procs, _ := procfs.Default.Processes()
	var pids []int
	for _, e := range procs {
		if e.Pgrp == pgid && e.Alive() {
			pids = append(pids, e.PID)
		}
	}
	return pids
}
