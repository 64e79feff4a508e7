package lock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
)

// queue is the line of invocations waiting for the lock: the file "<lock>.queue", which
// holds "next N" (the next ticket) and one line "ticket pid start" per waiter, in arrival
// order. It is only read and changed under its own flock, held for the change alone.
type queue struct{ f *os.File }

// entry is one waiter: its ticket, and the process (pid and start time, which survive pid
// reuse) that waits.
type entry struct {
	ticket int64
	pid    int
	start  uint64
}

func openQueue(lockPath string) (*queue, error) {
	f, err := open(lockPath + ".queue")
	if err != nil {
		return nil, err
	}
	return &queue{f: f}, nil
}

func (q *queue) close() { q.f.Close() }

// queueWait bounds the wait for the queue's own flock, which is held for microseconds by
// a live invocation: only a stopped process could hold it longer.
const queueWait = 10 * time.Second

// update reads the queue, lets change edit it and writes back what changed.
func (q *queue) update(change func(entries []entry, next int64) ([]entry, int64)) error {
	if err := q.flock(); err != nil {
		return err
	}
	defer syscall.Flock(int(q.f.Fd()), syscall.LOCK_UN)
	data, err := io.ReadAll(io.NewSectionReader(q.f, 0, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the lock's queue %s: %w", q.f.Name(), err)
	}
	entries, next := parseQueue(data)
	entries, next = change(entries, next)
	if out := formatQueue(entries, next); out != string(data) {
		if err := q.f.Truncate(0); err != nil {
			return fmt.Errorf("writing the lock's queue %s: %w", q.f.Name(), err)
		}
		if _, err := q.f.WriteAt([]byte(out), 0); err != nil {
			return fmt.Errorf("writing the lock's queue %s: %w", q.f.Name(), err)
		}
	}
	return nil
}

func (q *queue) flock() error {
	deadline := time.Now().Add(queueWait)
	for {
		err := syscall.Flock(int(q.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return fmt.Errorf("locking the lock's queue %s: %w", q.f.Name(), err)
		case time.Now().After(deadline):
			return fmt.Errorf("the lock's queue %s stayed locked for %s: is a stackgate stopped (kill -STOP)?", q.f.Name(), queueWait)
		}
		time.Sleep(time.Millisecond)
	}
}

// parseQueue reads the queue file. Every user can write it, so lines that do not parse are
// dropped rather than trusted.
func parseQueue(data []byte) ([]entry, int64) {
	var entries []entry
	var next int64 = 1
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "next" {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil && n > 0 {
				next = n
			}
			continue
		}
		if len(f) != 3 {
			continue
		}
		ticket, err1 := strconv.ParseInt(f[0], 10, 64)
		pid, err2 := strconv.Atoi(f[1])
		start, err3 := strconv.ParseUint(f[2], 10, 64)
		if err1 == nil && err2 == nil && err3 == nil && pid > 0 {
			entries = append(entries, entry{ticket: ticket, pid: pid, start: start})
		}
	}
	for _, e := range entries {
		next = max(next, e.ticket+1)
	}
	return entries, next
}

func formatQueue(entries []entry, next int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "next %d\n", next)
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %d %d\n", e.ticket, e.pid, e.start)
	}
	return b.String()
}

// alive keeps the entries of waiters that still run.
func alive(entries []entry) []entry {
	var out []entry
	for _, e := range entries {
		if procfs.Default.Running(e.pid, e.start) {
			out = append(out, e)
		}
	}
	return out
}

// selfStart is this process's start time, which names it in the queue with its pid.
func selfStart() uint64 {
	st, _ := procfs.Default.Stat(os.Getpid())
	return st.Start
}
