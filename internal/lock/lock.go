// Package lock makes measurements on one machine take turns: two invocations measuring at
// the same time would each see the other's load and report nonsense. The lock is an
// advisory flock(2) on a file every invocation of every user can open; the kernel releases
// it when the holder exits, however it exits, so a killed invocation never blocks the next.
//
// Turns are fair: an invocation that has to wait takes a ticket in a queue file beside the
// lock, and only the first waiter in line may take the lock when it is released, so a
// waiter is never overtaken by invocations that came later. Entries of waiters that died
// are skipped (their pid and start time no longer run).
//
// Both files live where every user can write (/tmp), so they are opened without following
// symbolic links and must be regular files of the user running stackgate or of root; the
// mode of a file is only set when stackgate created it.
package lock

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
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
// invocation holds it or waits for it; waiting is told who holds it when the wait begins
// and again whenever the holder changes, so the caller can say why nothing happens. ctx
// ends the wait early.
func Acquire(ctx context.Context, path string, timeout time.Duration, waiting func(holder string)) (*Lock, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	q, err := openQueue(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	defer q.close()
	w := &waiter{lock: f, q: q, path: path, start: time.Now()}
	l, err := w.wait(ctx, timeout, waiting)
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// waiter is one invocation's attempt to take the lock.
type waiter struct {
	lock  *os.File
	q     *queue
	path  string
	start time.Time
	me    *entry // its place in the queue, once it has one
}

func (w *waiter) wait(ctx context.Context, timeout time.Duration, waiting func(string)) (*Lock, error) {
	told := ""
	for {
		l, err := w.try()
		if l != nil || err != nil {
			return l, err
		}
		waited := time.Since(w.start)
		if waited >= timeout {
			w.leave()
			return nil, &BusyError{Path: w.path, Holder: holder(w.path), Waited: waited}
		}
		if h := w.describe(); waiting != nil && h != told && !strings.HasPrefix(h, unknownHolder) {
			waiting(h)
			told = h
		}
		select {
		case <-ctx.Done():
			w.leave()
			return nil, ctx.Err()
		case <-time.After(min(pollInterval, timeout-waited)):
		}
	}
}

// try takes the lock if it is this waiter's turn: nobody waits before it and nobody holds
// it. Otherwise it queues up (once).
func (w *waiter) try() (l *Lock, err error) {
	err = w.q.update(func(entries []entry, next int64) ([]entry, int64) {
		entries = alive(entries)
		if w.me != nil && !slices.Contains(entries, *w.me) {
			entries = append(entries, *w.me) // dropped from the line by mistake: back in it
		}
		first := len(entries) == 0 || w.me != nil && entries[0] == *w.me
		if first && w.flock() {
			ticket := next
			if w.me != nil {
				ticket = w.me.ticket
				entries = entries[1:]
			} else {
				next++
			}
			l = &Lock{f: w.lock}
			l.record(ticket)
			return entries, next
		}
		if w.me == nil {
			w.me = &entry{ticket: next, pid: os.Getpid(), start: selfStart()}
			entries = append(entries, *w.me)
			next++
		}
		return entries, next
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// flock takes the lock file's flock without waiting.
func (w *waiter) flock() bool {
	return syscall.Flock(int(w.lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// leave gives up the waiter's place in the queue.
func (w *waiter) leave() {
	if w.me == nil {
		return
	}
	_ = w.q.update(func(entries []entry, next int64) ([]entry, int64) {
		var kept []entry
		for _, e := range entries {
			if e.ticket != w.me.ticket {
				kept = append(kept, e)
			}
		}
		return kept, next
	})
}

// unknownHolder is what holder says when the lock file names nobody (it is being passed on).
const unknownHolder = "holder unknown"

// describe names the holder and the waiter's place in line.
func (w *waiter) describe() string {
	h := holder(w.path)
	if w.me == nil {
		return h
	}
	ahead := 0
	_ = w.q.update(func(entries []entry, next int64) ([]entry, int64) {
		for _, e := range alive(entries) {
			if e.ticket < w.me.ticket {
				ahead++
			}
		}
		return entries, next
	})
	if ahead > 0 {
		return fmt.Sprintf("%s; %d more waiting before this one, turn %d", h, ahead, w.me.ticket)
	}
	return fmt.Sprintf("%s; this one is next, turn %d", h, w.me.ticket)
}

// record writes who holds the lock, for the message of whoever waits.
func (l *Lock) record(ticket int64) {
	_ = l.f.Truncate(0)
	_, _ = l.f.WriteAt([]byte(fmt.Sprintf("pid %d since %s, turn %d\n", os.Getpid(), time.Now().Format(time.RFC3339), ticket)), 0)
}

func holder(path string) string {
	f, err := open(path)
	if err != nil {
		return unknownHolder
	}
	defer f.Close()
	data := make([]byte, 256)
	n, _ := f.Read(data)
	if h := strings.TrimSpace(string(data[:n])); h != "" {
		return h
	}
	return unknownHolder
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

// open opens the file at path for reading and writing, creating it open to every user
// (their invocations must take it too). It refuses a symbolic link, anything but a regular
// file, and a file that belongs to another user than the current one or root: the
// directory is writable by everyone, and stackgate writes into the file.
func open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	created := false
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o666)
		created = err == nil
		if errors.Is(err, fs.ErrExist) { // another invocation created it first
			f, err = os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
		}
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, unsafeFile(path, "is a symbolic link")
	}
	if err != nil {
		return nil, fmt.Errorf("opening the machine-wide lock %s: %w", path, err)
	}
	if err := check(f); err != nil {
		f.Close()
		return nil, unsafeFile(path, err.Error())
	}
	if created {
		_ = f.Chmod(0o666) // the umask narrowed it
	}
	return f, nil
}

// check refuses a lock file that is not a regular file of the current user or root.
func check(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("is not a regular file (%s)", info.Mode().Type())
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if ok && st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("belongs to uid %d, neither this user (%d) nor root", st.Uid, os.Geteuid())
	}
	return nil
}

func unsafeFile(path, why string) error {
	return fmt.Errorf("the machine-wide lock %s %s: refusing to use it (another user could make stackgate write into a file of theirs); remove it, or set %s to a file of your own",
		path, why, PathEnv)
}
