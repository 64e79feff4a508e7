package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/scratch"
)

// longTemp is a TMPDIR so long that PostgreSQL's socket path would not fit a Unix socket:
// the socket directory falls back to /tmp.
func longTemp(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(isolatedTemp(t), strings.Repeat("x", 60))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A stackgate killed with SIGKILL runs no cleanup. Its children die with it (the
// parent-death signal); what it leaves — its scratch directory with the build steps'
// temporary files, PostgreSQL's socket directory under /tmp, PostgreSQL's shared memory —
// is removed by the next invocation, and nothing is left in TMPDIR meanwhile but its
// scratch directory.
func TestFaultSIGKILLLeavesNothingTheNextInvocationMisses(t *testing.T) {
	for _, phase := range []string{"build 1/1", "run 1: throughput"} {
		t.Run(phase, func(t *testing.T) {
			tmp := longTemp(t)
			f := startFaultIn(t, tmp, nil, e2eArgs()...)
			f.waitFor(phase)
			var pm []string // postmaster.pid: pid, data dir, start, port, socket dir, address, "key id"
			if phase == "build 1/1" {
				// Kill once the build has made its temporary directory, wherever it is.
				waitUntil(t, "go build's work directory", func() bool {
					a, _ := filepath.Glob(filepath.Join(tmp, "go-build*"))
					b, _ := filepath.Glob(filepath.Join(tmp, scratch.Pattern, "*", "go-build*"))
					return len(a)+len(b) > 0
				})
			} else {
				pm = postmasterLines(t, tmp)
				if !strings.HasPrefix(pm[4], "/tmp/sgpg-") {
					t.Fatalf("the socket directory %q did not fall back to /tmp", pm[4])
				}
			}
			f.signal(syscall.SIGKILL)
			f.wait()
			waitUntil(t, "the killed invocation's children die", func() bool { return len(processesMentioning(tmp)) == 0 })
			entries, _ := os.ReadDir(tmp)
			for _, e := range entries {
				if ok, _ := filepath.Match(scratch.Pattern, e.Name()); !ok {
					t.Errorf("left in TMPDIR outside the scratch directory: %s", e.Name())
				}
			}

			next := runIn(t, tmp, "run", "-config", failingBuild(t), "-quick", "-runs", "1", "-baselines", t.TempDir(), "-out", t.TempDir())
			if next.code != 3 {
				t.Fatalf("the next invocation: exit %d\n%s", next.code, next.stderr)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("the next invocation left the killed one's files in TMPDIR: %v", entries)
			}
			if pm == nil {
				return
			}
			if _, err := os.Stat(pm[4]); !os.IsNotExist(err) {
				t.Errorf("PostgreSQL's socket directory %s is still there (%v)", pm[4], err)
			}
			assertSegmentGone(t, pm)
		})
	}
}

// postmasterLines reads the postmaster.pid of the invocation running in tmp.
func postmasterLines(t *testing.T, tmp string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(tmp, scratch.Pattern, "pg", "pgdata", "postmaster.pid"))
	if len(files) != 1 {
		t.Fatalf("postmaster.pid files: %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 7 || len(strings.Fields(lines[6])) != 2 {
		t.Fatalf("postmaster.pid:\n%s", data)
	}
	return lines
}

// waitUntil polls cond until it holds, failing after a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
	}
}

// A stackgate killed in A/B mode leaves the base revision's work tree registered in the
// user's repository; the next invocation in that repository removes git's record of it.
func TestFaultSIGKILLInABModeLeavesNoWorkTree(t *testing.T) {
	repo := abRepo(t, "")
	tmp := isolatedTemp(t)
	f := startFaultIn(t, tmp, nil, "run", "-config", filepath.Join(repo, "stackgate.toml"), "-quick", "-runs", "1",
		"-against", "base", "-shard", "1/2", "-runner", "e2e")
	f.waitFor("starting PostgreSQL")
	f.signal(syscall.SIGKILL)
	f.wait()
	if n := len(workTrees(t, repo)); n != 2 {
		t.Fatalf("%d work trees registered after the kill, want the repository's and the base's", n)
	}
	suite, err := os.ReadFile(filepath.Join(repo, "stackgate.toml"))
	if err != nil {
		t.Fatal(err)
	}
	failing := strings.Replace(string(suite), `run = ["go", "build", "-o", "{workdir}/refstack", "./cmd/refstack"]`, `run = ["false"]`, 1)
	os.WriteFile(filepath.Join(repo, "failing.toml"), []byte(failing), 0o644)
	next := runIn(t, tmp, "run", "-config", filepath.Join(repo, "failing.toml"), "-quick", "-runs", "1", "-out", t.TempDir(), "-runner", "e2e")
	if next.code != 3 {
		t.Fatalf("the next invocation: exit %d\n%s", next.code, next.stderr)
	}
	if trees := workTrees(t, repo); len(trees) != 1 {
		t.Errorf("work trees still registered: %v", trees)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("left in TMPDIR: %v", entries)
	}
}

// workTrees lists the work trees git knows for repo.
func workTrees(t *testing.T, repo string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", repo, "worktree", "list", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	var trees []string
	for _, line := range strings.Split(string(out), "\n") {
		if path, ok := strings.CutPrefix(line, "worktree "); ok {
			trees = append(trees, path)
		}
	}
	return trees
}
