// Package postmaster cleans up after a PostgreSQL server that did not shut down cleanly.
// A server records itself in its data directory's postmaster.pid: its pid, and (line 7)
// the key and id of its System V shared memory segment. A fast shutdown removes both; a
// server that was killed — SIGKILL, a stackgate that died, a signal during initdb — leaves
// the file, possibly processes, and the segment, which the kernel keeps until the machine
// reboots. Leftover finds what such a file names and releases it, for the server stackgate
// stops and for the stale directory of a killed invocation alike.
package postmaster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
)

// FileName is the file a PostgreSQL server writes into its data directory while it runs.
const FileName = "postmaster.pid"

// Lines of postmaster.pid (PostgreSQL 10 and later), counted from 1.
const (
	linePID   = 1
	lineShmem = 7 // "key id" of the System V segment
)

// Leftover is what a postmaster.pid names.
type Leftover struct {
	DataDir string
	// PID is the server's (a standalone backend, such as initdb's, writes its pid negated:
	// it is stored positive here).
	PID int
	// ShmKey and ShmID name the System V segment (ShmID -1: none recorded yet).
	ShmKey int64
	ShmID  int
}

// Read reads dataDir's postmaster.pid; a directory without one is fs.ErrNotExist.
func Read(dataDir string) (*Leftover, error) {
	path := filepath.Join(dataDir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l := &Leftover{DataDir: dataDir, ShmID: -1}
	lines := strings.Split(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(lines[linePID-1]))
	if err != nil || pid == 0 {
		return nil, fmt.Errorf("%s: line %d is not a pid", path, linePID)
	}
	l.PID = max(pid, -pid)
	if len(lines) >= lineShmem {
		f := strings.Fields(lines[lineShmem-1])
		if len(f) == 2 {
			key, err1 := strconv.ParseInt(f[0], 10, 64)
			id, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil {
				l.ShmKey, l.ShmID = key, id
			}
		}
	}
	return l, nil
}

// Find reads the postmaster.pid files up to three levels below dir (<scratch>/pg/pgdata,
// <fallback>/pgdata). Files that cannot be read are skipped: they name nothing to release.
func Find(dir string) []*Leftover {
	var out []*Leftover
	for _, pattern := range []string{"*/" + FileName, "*/*/" + FileName, "*/*/*/" + FileName} {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range files {
			if l, err := Read(filepath.Dir(f)); err == nil {
				out = append(out, l)
			}
		}
	}
	return out
}

// Running reports whether the recorded pid is still that server: a postgres process working
// in this data directory, not a process that reused the pid.
func (l *Leftover) Running(proc procfs.FS) bool {
	st, err := proc.Stat(l.PID)
	if err != nil || !st.Alive() {
		return false
	}
	args := proc.Cmdline(l.PID)
	if len(args) == 0 || filepath.Base(args[0]) != "postgres" {
		return false
	}
	return slices.Contains(args, l.DataDir) || proc.Cwd(l.PID) == l.DataDir
}

// stopWait bounds the wait for a leftover server after each signal.
const stopWait = 5 * time.Second

// Release stops what is left of the server (an immediate shutdown, then SIGKILL: the data is
// thrown away anyway) and removes its shared memory segment once nothing is attached to it.
func (l *Leftover) Release(proc procfs.FS) error {
	for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGKILL} {
		if !l.Running(proc) {
			break
		}
		_ = syscall.Kill(l.PID, sig)
		for deadline := time.Now().Add(stopWait); l.Running(proc) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if l.Running(proc) {
		return fmt.Errorf("the PostgreSQL server %d of %s does not stop", l.PID, l.DataDir)
	}
	return l.removeSegment(proc)
}

// removeSegment removes the segment the file names, only when it is the server's own
// (created by its pid, with its key) and nothing is attached to it any more: the
// server's processes exit shortly after it. A segment already gone is fine.
func (l *Leftover) removeSegment(proc procfs.FS) error {
	if l.ShmID < 0 {
		return nil
	}
	deadline := time.Now().Add(stopWait)
	for {
		seg, err := l.segment(proc)
		switch {
		case err != nil:
			return err
		case seg == nil:
			return nil
		case seg.Attach == 0:
			if _, _, errno := syscall.Syscall(syscall.SYS_SHMCTL, uintptr(seg.ID), ipcRMID, 0); errno != 0 && errno != syscall.EINVAL {
				return fmt.Errorf("removing the shared memory segment %d of the PostgreSQL server of %s: %w", seg.ID, l.DataDir, errno)
			}
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("the shared memory segment %d of the PostgreSQL server of %s still has %d processes attached", seg.ID, l.DataDir, seg.Attach)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ipcRMID is shmctl's command to remove a segment.
const ipcRMID = 0

// segment finds the server's segment (nil: there is none).
func (l *Leftover) segment(proc procfs.FS) (*procfs.Segment, error) {
	segs, err := proc.Segments()
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // no System V IPC in this kernel: nothing to leak
	}
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		// key_t is 32 bits; postmaster.pid writes it as an unsigned long.
		if s.ID == l.ShmID && int32(s.Key) == int32(l.ShmKey) && s.Creator == l.PID {
			return &s, nil
		}
	}
	return nil, nil
}
