// Package scratch owns the throw-away directories of an invocation (builds, database files,
// sockets, work trees) and cleans up after invocations that could not: a stackgate that was
// SIGKILLed runs no deferred cleanup, so the next one finds its directory by the owner file
// inside, sees that the owner is gone, stops any PostgreSQL still running from it and
// removes it.
package scratch

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

// Prefix starts the name of every scratch directory stackgate creates under a temporary
// directory (PostgreSQL's fallback directories are "stackgate-pg-…").
const Prefix = "stackgate-"

// ownerFile records who created a scratch directory: "pid starttime".
const ownerFile = ".stackgate-owner"

// New creates a scratch directory under parent ("" = the temporary directory). Other users
// may traverse it (0711): PostgreSQL, and processes configured with `user`, run
// unprivileged when stackgate runs as root.
func New(parent string) (string, error) {
	dir, err := os.MkdirTemp(parent, Prefix)
	if err != nil {
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(self()), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("creating the scratch directory: %w", err)
	}
	return dir, nil
}

// self identifies this process across pid reuse: its pid and start time.
func self() string {
	pid := os.Getpid()
	return fmt.Sprintf("%d %s\n", pid, startTime(pid))
}

// startTime is when the process started, in clock ticks after boot ("" when it does not
// exist).
func startTime(pid int) string {
	st, err := procfs.Default.Stat(pid)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(st.Start, 10)
}

// alive reports whether the process an owner line names still runs (the same process, not
// a later one that reused its pid).
func alive(owner string) bool {
	f := strings.Fields(owner)
	if len(f) != 2 {
		return false
	}
	pid, err := strconv.Atoi(f[0])
	return err == nil && pid > 0 && startTime(pid) == f[1]
}

// Stale is a directory left behind by an invocation that is gone.
type Stale struct {
	Dir   string
	Owner string // its owner line, "" when unknown
}

// CleanStale removes the scratch directories under parent whose owner is gone, stopping
// any PostgreSQL that still runs from them first. Call it while holding the machine-wide
// lock, so that no other invocation is between creating a directory and using it.
func CleanStale(parent string) ([]Stale, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil, fmt.Errorf("looking for stale scratch directories in %s: %w", parent, err)
	}
	var removed []Stale
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), Prefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		owner, stale := isStale(dir)
		if !stale {
			continue
		}
		stopPostgres(dir)
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("removing the stale scratch directory %s: %w", dir, err))
			continue
		}
		removed = append(removed, Stale{Dir: dir, Owner: strings.TrimSpace(owner)})
	}
	return removed, errors.Join(errs...)
}

// staleAge is when a directory without an owner file counts as left behind: PostgreSQL's
// fallback directories have none, and are only stale once no server runs from them.
const staleAge = 10 * time.Minute

// isStale decides from the owner file, or, without one, from the PostgreSQL servers that
// run from the directory and its age.
func isStale(dir string) (owner string, stale bool) {
	data, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err == nil {
		return string(data), !alive(string(data))
	}
	servers := postmasters(dir)
	for _, pm := range servers {
		if pm.running() {
			return "", false
		}
	}
	if len(servers) > 0 {
		return "", true
	}
	info, err := os.Stat(dir)
	return "", err == nil && time.Since(info.ModTime()) > staleAge
}

// postmaster is a server recorded in a postmaster.pid file.
type postmaster struct {
	pid     int
	dataDir string
}

// running reports whether the recorded pid is still that server: a postgres process
// started with this data directory, not a process that reused the pid.
func (pm postmaster) running() bool {
	args := procfs.Default.Cmdline(pm.pid)
	return len(args) > 0 && strings.HasSuffix(args[0], "postgres") && slices.Contains(args, pm.dataDir)
}

// postmasters are the servers recorded in postmaster.pid files up to three levels below
// dir (<scratch>/pg/pgdata, <fallback>/pgdata).
func postmasters(dir string) []postmaster {
	var out []postmaster
	for _, pattern := range []string{"*/postmaster.pid", "*/*/postmaster.pid", "*/*/*/postmaster.pid"} {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			line, _, _ := strings.Cut(string(data), "\n")
			if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && pid > 0 {
				out = append(out, postmaster{pid: pid, dataDir: filepath.Dir(f)})
			}
		}
	}
	return out
}

// stopPostgres stops what is left of servers that ran from dir (an immediate shutdown:
// the data is thrown away anyway).
func stopPostgres(dir string) {
	for _, pm := range postmasters(dir) {
		if !pm.running() {
			continue
		}
		syscall.Kill(pm.pid, syscall.SIGQUIT)
		for i := 0; i < 50 && pm.running(); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if pm.running() {
			syscall.Kill(pm.pid, syscall.SIGKILL)
		}
	}
}
