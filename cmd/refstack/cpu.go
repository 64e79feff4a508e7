package main

import "time"

// burnWallClock spins until d has passed on the wall clock: the fallback
// when the thread's CPU clock cannot be read.
func burnWallClock(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}
