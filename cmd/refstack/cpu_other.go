//go:build !linux

package main

import "time"

// burnCPU spins on the wall clock for d. refstack is meant for Linux (see
// cpu_linux.go); this keeps it building elsewhere.
func burnCPU(d time.Duration) {
	burnWallClock(d)
}
