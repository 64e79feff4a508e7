// Package lock makes measurements on one machine take turns: two invocations measuring at
// the same time would each see the other's load and report nonsense. The lock is an
// advisory flock(2) on a file every invocation of every user can open; the kernel releases
// it when the holder exits, however it exits, so a killed invocation never blocks the next.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// DefaultPath is the machine-wide lock file.
const DefaultPath = "/tmp/stackgate.lock"

// PathEnv names the environment variable that moves the lock file away from DefaultPath.
// Tests use it so that they never wait for (or block) a real measurement on the machine;
// every invocation that measures on one machine must otherwise use the same file.
const PathEnv = "STACKGATE_LOCK"

// pollInterval is how often a waiting invocation tries again.
const pollInterval = 250 * time.Millisecond

// Lock is a held machine-wide lock.
type Lock struct{ f *os.File }

// BusyError says another invocation holds the lock, and which.
type BusyError struct {
	Path   string
	Holder string // what the holder wrote: "pid 1234 since …"
	Waited time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("another stackgate invocation is measuring on this machine (%s, lock %s); waited %s — measurements must not overlap: wait for it, or raise -lock-timeout",
		e.Holder, e.Path, e.Waited.Round(time.Second))
}

// Acquire takes the lock at path, waiting up to timeout (0: do not wait) while another
// invocation holds it; waiting is called once, when the wait begins, so the caller can say
// why nothing happens. ctx ends the wait early.
func Acquire(ctx context.Context, path string, timeout time.Duration, waiting func(holder string)) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("opening the machine-wide lock %s: %w", path, err)
	}
	_ = f.Chmod(0o666) // other users' invocations must be able to take it too
	start := time.Now()
	for told := false; ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			l := &Lock{f: f}
			l.record()
			return l, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("taking the machine-wide lock %s: %w", path, err)
		}
		waited := time.Since(start)
		if waited >= timeout {
			f.Close()
			return nil, &BusyError{Path: path, Holder: holder(path), Waited: waited}
		}
		if !told && waiting != nil {
			waiting(holder(path))
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(min(pollInterval, timeout-waited)):
		}
	}
}

// record writes who holds the lock, for the message of whoever waits.
func (l *Lock) record() {
	_ = l.f.Truncate(0)
	_, _ = l.f.WriteAt([]byte(fmt.Sprintf("pid %d since %s\n", os.Getpid(), time.Now().Format(time.RFC3339))), 0)
}

func holder(path string) string {
	data, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(data))) == 0 {
		return "holder unknown"
	}
	return strings.TrimSpace(string(data))
}

// Release gives the lock up. Safe to call on nil and twice.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
