package stack

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// maxCPUs is the size of the kernel's default cpu_set_t.
const maxCPUs = 1024

// cpuSet is a CPU affinity mask in the kernel's cpu_set_t layout.
type cpuSet [maxCPUs / 64]uint64

func (s *cpuSet) add(cpu int)      { s[cpu/64] |= 1 << (cpu % 64) }
func (s *cpuSet) has(cpu int) bool { return s[cpu/64]&(1<<(cpu%64)) != 0 }

func (s *cpuSet) list() []int {
	var cpus []int
	for cpu := range maxCPUs {
		if s.has(cpu) {
			cpus = append(cpus, cpu)
		}
	}
	return cpus
}

// threadAffinity returns the affinity of the calling OS thread.
func threadAffinity() (cpuSet, error) {
	var set cpuSet
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(set), uintptr(unsafe.Pointer(&set)))
	if errno != 0 {
		return set, fmt.Errorf("reading CPU affinity: %w", errno)
	}
	return set, nil
}

// setThreadAffinity sets the affinity of the calling OS thread.
func setThreadAffinity(set cpuSet) error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(set), uintptr(unsafe.Pointer(&set)))
	if errno != 0 {
		return fmt.Errorf("setting CPU affinity: %w", errno)
	}
	return nil
}

// CheckCPUs checks that every CPU exists and is available to stackgate itself.
func CheckCPUs(cpus []int) error {
	if len(cpus) == 0 {
		return nil
	}
	available, err := threadAffinity()
	if err != nil {
		return err
	}
	for _, cpu := range cpus {
		if cpu < 0 || cpu >= maxCPUs || !available.has(cpu) {
			return fmt.Errorf("CPU %d is not available: stackgate may use CPUs %s on this machine", cpu, formatCPUList(available.list()))
		}
	}
	return nil
}

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
	old, err := threadAffinity()
	if err != nil {
		return true, err
	}
	var want cpuSet
	for _, cpu := range cpus {
		want.add(cpu)
	}
	if err := setThreadAffinity(want); err != nil {
		return true, fmt.Errorf("pinning to cpus %s: %w", formatCPUList(cpus), err)
	}
	startErr := cmd.Start()
	if err := setThreadAffinity(old); err != nil {
		return false, errors.Join(startErr, fmt.Errorf("restoring the CPU affinity after starting: %w", err))
	}
	return true, startErr
}

// formatCPUList writes CPUs the way /proc's Cpus_allowed_list does: "0-3,6".
func formatCPUList(cpus []int) string {
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		part := strconv.Itoa(cpus[i])
		if j > i {
			part += "-" + strconv.Itoa(cpus[j])
		}
		parts = append(parts, part)
		i = j + 1
	}
	return strings.Join(parts, ",")
}
