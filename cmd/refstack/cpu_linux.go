package main

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTimeID is CLOCK_THREAD_CPUTIME_ID from <time.h>.
const clockThreadCPUTimeID = 3

// burnCPU spins until the calling thread has used d of CPU. It watches the
// thread's CPU clock, not the wall clock, so a request preempted under load
// still burns all of d: the injected regression has the same size at any
// load. The goroutine is locked to its thread so the clock stays its own.
func burnCPU(d time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, ok := threadCPUTime()
	if !ok {
		burnWallClock(d)
		return
	}
	for now := start; now-start < d; now, _ = threadCPUTime() {
	}
}

// threadCPUTime reads CLOCK_THREAD_CPUTIME_ID, which counts the thread's
// CPU time to the nanosecond, including the slice it is running now.
func threadCPUTime() (time.Duration, bool) {
	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano()), errno == 0
}
