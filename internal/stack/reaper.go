package stack

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/stackgate/stackgate/internal/procfs"
)

// A daemon leaves its parent's process group and session (setsid) and outlives its parent,
// so neither the group nor the tree of the process that started it shows it any more. As a
// child subreaper stackgate adopts such orphans instead of init: they become its children,
// found by their parent pid, and Stop kills and reaps them like the rest of the family.

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// BecomeSubreaper makes this process the reaper of its orphaned descendants, process-wide
// (prctl(PR_SET_CHILD_SUBREAPER)): a process the stack started that double-forks or calls
// setsid is reparented to stackgate rather than to init, so Stop can find it. Commands that
// start processes call it once, first.
func BecomeSubreaper() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return fmt.Errorf("becoming the reaper of orphaned processes (prctl PR_SET_CHILD_SUBREAPER): %w", errno)
	}
	return nil
}

// leaders are the processes this package started and waits for (through exec.Cmd.Wait):
// they are never adopted orphans, and must never be reaped by anyone else. Starting a
// process and registering it happen under the lock, so that the reaper never sees a leader
// it does not know.
var leaders = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

// startLeader starts cmd with start and records it as a leader.
func startLeader(cmd *exec.Cmd, start func() error) error {
	leaders.Lock()
	defer leaders.Unlock()
	err := start()
	if cmd.Process != nil {
		leaders.pids[cmd.Process.Pid] = true
	}
	return err
}

// forget removes a leader once it has been reaped.
func forget(pid int) {
	leaders.Lock()
	delete(leaders.pids, pid)
	leaders.Unlock()
}

// ownGroup is stackgate's process group: children there (git, pg_config) are started and
// waited for by others through os/exec.
var ownGroup = syscall.Getpgrp()

// adopted reports whether s is an orphan stackgate adopted as subreaper: a child of this
// process that this package did not start and that is outside stackgate's own group (the
// children other packages start with os/exec are in it). Call with leaders locked.
func adopted(s procfs.Stat) bool {
	return s.PPID == os.Getpid() && s.Pgrp != ownGroup && !leaders.pids[s.PID]
}

// reapAdopted reaps the adopted orphans among procs that have exited, so they do not stay
// zombies for the rest of the invocation. Only those exact pids are waited for: the
// children os/exec waits for are left to it.
func reapAdopted(procs []procfs.Stat) {
	leaders.Lock()
	defer leaders.Unlock()
	for _, s := range procs {
		if !s.Alive() && adopted(s) {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(s.PID, &ws, syscall.WNOHANG, nil)
		}
	}
}

// adoptedSince lists the adopted orphans among procs that started at or after start (in
// clock ticks after boot): those that a process started then may have left behind.
func adoptedSince(procs []procfs.Stat, start uint64) []procfs.Stat {
	leaders.Lock()
	defer leaders.Unlock()
	var out []procfs.Stat
	for _, s := range procs {
		if adopted(s) && s.Start >= start {
			out = append(out, s)
		}
	}
	return out
}
