// Package scratch owns the throw-away directories of an invocation (builds, database files,
// sockets, work trees) and cleans up after invocations that could not: a stackgate that was
// SIGKILLed runs no deferred cleanup, so the next one finds its directories and removes
// them.
//
// It deletes only what is provably its own and abandoned. A directory is stackgate's when
// its name follows one of stackgate's patterns and it holds an owner file, written right
// after the directory was created, by the user now running stackgate; it is abandoned when
// the process the owner file names (pid and start time, so a reused pid does not count) is
// gone. A directory the user asked to keep (-keep) is never removed. Anything else in the
// temporary directory — a user's "stackgate-out" included — is left alone.
package scratch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/stackgate/stackgate/internal/postmaster"
	"github.com/stackgate/stackgate/internal/procfs"
)

// Name patterns of the directories stackgate creates in a temporary directory: scratch
// directories, and PostgreSQL's fallback directories under /tmp (for a data directory
// PostgreSQL's user cannot reach, and for a socket path too long for the kernel).
const (
	Pattern         = "stackgate-scratch-*"
	PostgresPattern = "stackgate-pg-*"
	SocketPattern   = "sgpg-*"
)

var patterns = []string{Pattern, PostgresPattern, SocketPattern}

// ownerFile records who created a directory: "pid starttime", and "keep" when the user
// asked to keep it.
const ownerFile = ".stackgate-owner"

// New creates a scratch directory under parent ("" = the temporary directory). Other users
// may traverse it (0711): PostgreSQL, and processes configured with `user`, run
// unprivileged when stackgate runs as root. A kept directory belongs to the user: no later
// invocation removes it.
func New(parent string, keep bool) (string, error) {
	dir, err := Create(parent, Pattern, keep)
	if err != nil {
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	return dir, nil
}

// Create makes a new directory under parent ("" = the temporary directory) whose name
// follows pattern (one of this package's patterns) and writes its owner file into it, so a
// later invocation can tell it is stackgate's and whether it was abandoned.
func Create(parent, pattern string, keep bool) (string, error) {
	dir, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(self(keep)), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// owner is what an owner file says.
type owner struct {
	pid   int
	start uint64
	keep  bool
}

// self is the owner line of this process: its pid and start time identify it across pid
// reuse.
func self(keep bool) string {
	pid := os.Getpid()
	st, _ := procfs.Default.Stat(pid)
	line := fmt.Sprintf("%d %d", pid, st.Start)
	if keep {
		line += " keep"
	}
	return line + "\n"
}

// parseOwner reads an owner line strictly: anything else is not proof of ownership.
func parseOwner(data []byte) (owner, bool) {
	f := strings.Fields(string(data))
	if len(f) < 2 || len(f) > 3 || len(f) == 3 && f[2] != "keep" {
		return owner{}, false
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 || start == 0 {
		return owner{}, false
	}
	return owner{pid: pid, start: start, keep: len(f) == 3}, true
}

func (o owner) String() string { return fmt.Sprintf("pid %d", o.pid) }

// Stale is a directory left behind by an invocation that is gone.
type Stale struct {
	Dir   string
	Owner string // who created it: "pid 1234"
}

// CleanStale removes the abandoned directories of stackgate in parent ("" = the temporary
// directory) and in /tmp, where PostgreSQL's fallback directories live, after stopping any
// PostgreSQL that still runs from them and removing its shared memory. Kept directories are
// not removed, but what still runs from them is stopped all the same. Call it while holding
// the machine-wide lock.
func CleanStale(parent string) ([]Stale, error) {
	return cleanStale(procfs.Default, tempDirs(parent))
}

// tempDirs are the directories searched: parent (or the temporary directory) and /tmp.
func tempDirs(parent string) []string {
	if parent == "" {
		parent = os.TempDir()
	}
	dirs := []string{filepath.Clean(parent)}
	if filepath.Clean(parent) != "/tmp" {
		dirs = append(dirs, "/tmp")
	}
	return dirs
}

func cleanStale(proc procfs.FS, parents []string) ([]Stale, error) {
	var removed []Stale
	var errs []error
	for i, parent := range parents {
		entries, err := os.ReadDir(parent)
		if err != nil {
			if i == 0 || !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("looking for stale scratch directories in %s: %w", parent, err))
			}
			continue
		}
		for _, e := range entries {
			dir := filepath.Join(parent, e.Name())
			o, ok := abandoned(proc, e, dir)
			if !ok {
				continue
			}
			if err := release(proc, dir); err != nil {
				errs = append(errs, err)
				continue
			}
			if o.keep {
				continue
			}
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, fmt.Errorf("removing the stale scratch directory %s: %w", dir, err))
				continue
			}
			removed = append(removed, Stale{Dir: dir, Owner: o.String()})
		}
	}
	return removed, errors.Join(errs...)
}

// abandoned reports whether dir (entry e) is stackgate's and its owner is gone.
func abandoned(proc procfs.FS, e fs.DirEntry, dir string) (owner, bool) {
	if !e.IsDir() || !matches(e.Name()) { // a symbolic link is not a directory here
		return owner{}, false
	}
	o, ok := ownerOf(dir)
	if !ok || proc.Running(o.pid, o.start) {
		return owner{}, false
	}
	return o, true
}

func matches(name string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// ownerOf reads dir's owner file, which must be a regular file of the user running
// stackgate: nobody else can have written it on our behalf.
func ownerOf(dir string) (owner, bool) {
	path := filepath.Join(dir, ownerFile)
	info, err := os.Lstat(path)
	if err != nil || !info.Mode().IsRegular() {
		return owner{}, false
	}
	if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
		return owner{}, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return owner{}, false
	}
	return parseOwner(data)
}

// release stops what is left of the PostgreSQL servers that ran from dir and removes their
// shared memory.
func release(proc procfs.FS, dir string) error {
	var errs []error
	for _, l := range postmaster.Find(dir) {
		errs = append(errs, l.Release(proc))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cleaning up after the stale directory %s: %w", dir, err)
	}
	return nil
}
