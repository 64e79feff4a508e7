package stack

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"

	"github.com/stackgate/stackgate/internal/cpuset"
)

// startPinned starts cmd with the given CPU affinity. Go has no affinity field in
// SysProcAttr, but a child inherits the mask of the thread that forks it: lock a thread,
// narrow its mask, fork, and restore. It runs on a goroutine of its own so that, should the
// restore fail, that goroutine can keep the thread to itself for good: the thread must
// neither run other Go code with the narrowed mask nor exit (its exit would deliver the
// parent-death signal to the processes it forked).
func startPinned(cmd *exec.Cmd, cpus []int) error {
	errc := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				errc <- fmt.Errorf("starting pinned process: panic: %v", v)
			}
		}()
		runtime.LockOSThread()
		restored, err := startOnThisThread(cmd, cpus)
		errc <- err
		if !restored {
			select {} // keep the thread locked and alive
		}
		runtime.UnlockOSThread()
	}()
	return <-errc
}

// startOnThisThread pins the calling (locked) thread, starts cmd and restores the mask; it
// reports whether the thread's mask is as it was.
func startOnThisThread(cmd *exec.Cmd, cpus []int) (restored bool, err error) {
	old, err := cpuset.Thread()
	if err != nil {
		return true, err
	}
	if err := cpuset.SetThread(cpuset.Of(cpus)); err != nil {
		return true, fmt.Errorf("pinning to cpus %s: %w", cpuset.Format(cpus), err)
	}
	startErr := cmd.Start()
	if err := cpuset.SetThread(old); err != nil {
		return false, errors.Join(startErr, fmt.Errorf("restoring the CPU affinity after starting: %w", err))
	}
	return true, startErr
}
