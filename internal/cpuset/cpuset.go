// Package cpuset reads and sets CPU affinity masks: which CPUs a thread (and whatever it
// forks) may run on. stackgate partitions the machine with them — the load generator's
// loops on some CPUs, the stack and PostgreSQL on the rest — so that the tool and the
// stack do not take turns on one CPU. Linux only (sched_getaffinity, sched_setaffinity).
package cpuset

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// Max is the size of the kernel's default cpu_set_t: CPU numbers run below it.
const Max = 1024

// Set is a CPU affinity mask in the kernel's cpu_set_t layout.
type Set [Max / 64]uint64

// Of is the set of the listed CPUs (numbers outside 0..Max-1 are left out).
func Of(cpus []int) Set {
	var s Set
	for _, cpu := range cpus {
		if cpu >= 0 && cpu < Max {
			s[cpu/64] |= 1 << (cpu % 64)
		}
	}
	return s
}

// Has reports whether cpu is in the set.
func (s *Set) Has(cpu int) bool { return cpu >= 0 && cpu < Max && s[cpu/64]&(1<<(cpu%64)) != 0 }

// List is the set's CPUs in increasing order.
func (s *Set) List() []int {
	var cpus []int
	for cpu := range Max {
		if s.Has(cpu) {
			cpus = append(cpus, cpu)
		}
	}
	return cpus
}

// Thread returns the affinity of the calling OS thread.
func Thread() (Set, error) {
	var set Set
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(set), uintptr(unsafe.Pointer(&set)))
	if errno != 0 {
		return set, fmt.Errorf("reading CPU affinity: %w", errno)
	}
	return set, nil
}

// SetThread sets the affinity of the calling OS thread; the caller has locked the
// goroutine to it (runtime.LockOSThread) and restores the mask before unlocking.
func SetThread(set Set) error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(set), uintptr(unsafe.Pointer(&set)))
	if errno != 0 {
		return fmt.Errorf("setting CPU affinity: %w", errno)
	}
	return nil
}

// Check is nil when every CPU listed exists and is available to stackgate itself.
func Check(cpus []int) error {
	if len(cpus) == 0 {
		return nil
	}
	available, err := Thread()
	if err != nil {
		return err
	}
	for _, cpu := range cpus {
		if !available.Has(cpu) {
			return fmt.Errorf("CPU %d is not available: stackgate may use CPUs %s on this machine", cpu, Format(available.List()))
		}
	}
	return nil
}

// Rest is the CPUs available to stackgate that are not in taken, or an error when taken
// leaves none.
func Rest(taken []int) ([]int, error) {
	available, err := Thread()
	if err != nil {
		return nil, err
	}
	t := Of(taken)
	var rest []int
	for _, cpu := range available.List() {
		if !t.Has(cpu) {
			rest = append(rest, cpu)
		}
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("CPUs %s are all of the CPUs stackgate may use: leave at least one to the stack and PostgreSQL", Format(taken))
	}
	return rest, nil
}

// Format writes CPUs the way /proc's Cpus_allowed_list does: "0-3,6".
func Format(cpus []int) string {
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
