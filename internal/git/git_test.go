package git

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestDescribe(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if g, err := Describe(ctx, dir); err != nil || g.Revision != "" {
		t.Fatalf("outside a work tree: %+v, %v", g, err)
	}
	sh := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	sh("init", "-q")
	file := filepath.Join(dir, "a.txt")
	os.WriteFile(file, []byte("1"), 0o644)
	sh("add", "a.txt")
	sh("commit", "-qm", "one")
	g, err := Describe(ctx, dir)
	if err != nil || len(g.Revision) != 40 || g.Dirty {
		t.Fatalf("clean tree: %+v, %v", g, err)
	}
	os.WriteFile(file, []byte("2"), 0o644)
	if g, err = Describe(ctx, dir); err != nil || !g.Dirty {
		t.Fatalf("changed tree not dirty: %+v, %v", g, err)
	}
}

func TestWorktree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	repo := t.TempDir()
	sh := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	sh("init", "-q")
	os.MkdirAll(filepath.Join(repo, "sub"), 0o755)
	os.WriteFile(filepath.Join(repo, "sub", "v.txt"), []byte("base"), 0o644)
	sh("add", ".")
	sh("commit", "-qm", "base")
	sh("tag", "v1")
	os.WriteFile(filepath.Join(repo, "sub", "v.txt"), []byte("head"), 0o644)
	sh("commit", "-qam", "head")

	parent := t.TempDir()
	w, err := AddWorktree(ctx, filepath.Join(repo, "sub"), "v1", parent)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := w.Within(filepath.Join(repo, "sub"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(sub, "v.txt")); string(b) != "base" || len(w.Revision) != 40 {
		t.Fatalf("checkout of v1: %q at %s", b, w.Revision)
	}
	if err := w.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Path); !os.IsNotExist(err) {
		t.Error("the work tree is still there")
	}
	out, _ := exec.Command("git", "-C", repo, "worktree", "list").Output()
	if strings.Count(string(out), "\n") != 1 {
		t.Errorf("git still lists the work tree:\n%s", out)
	}

	_, err = AddWorktree(ctx, repo, "no-such-ref", parent)
	var re *RefError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "fetch-depth: 0") {
		t.Errorf("unknown ref: %v", err)
	}
	if _, err := AddWorktree(ctx, t.TempDir(), "HEAD", parent); err == nil {
		t.Error("a work tree outside a repository")
	}
}

// The base revision's work tree is usable by every user: the stack's processes may run as
// another user (pgbouncer as postgres) with their working directory in it. The temporary
// directory is its owner's alone, and under a strict umask so is every checked-out file;
// yet git sees no change.
func TestWorktreeReadableByOtherUsers(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	repo := t.TempDir()
	sh := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	sh("init", "-q")
	os.MkdirAll(filepath.Join(repo, "app"), 0o755)
	os.WriteFile(filepath.Join(repo, "app", "app.py"), []byte("print(1)\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "app", "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	sh("add", ".")
	sh("commit", "-qm", "base")

	old := syscall.Umask(0o077) // git checks out for its owner alone
	w, err := AddWorktree(ctx, repo, "HEAD", t.TempDir())
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Remove()
	want := map[string]os.FileMode{".": 0o755, "app": 0o755, "app/app.py": 0o644, "app/run.sh": 0o755}
	for name, perm := range want {
		info, err := os.Stat(filepath.Join(w.Path, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got&perm != perm {
			t.Errorf("%s: mode %v, want at least %v", name, got, perm)
		}
	}
	if g, err := Describe(ctx, w.Path); err != nil || g.Dirty {
		t.Errorf("the work tree looks changed to git: %+v, %v", g, err)
	}
}

// A base work tree whose directory was removed without git (a killed invocation's scratch
// directory cleaned up by the next one) loses its record; the user's own work trees keep
// theirs, even when their directory is missing (an unmounted disk).
func TestPruneWorktrees(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	repo := t.TempDir()
	sh := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	sh("init", "-q")
	os.WriteFile(filepath.Join(repo, "v.txt"), []byte("base"), 0o644)
	sh("add", ".")
	sh("commit", "-qm", "base")
	parent := filepath.Join(t.TempDir(), "stackgate-scratch-123")
	os.Mkdir(parent, 0o755)
	killed, err := AddWorktree(ctx, repo, "HEAD", parent)
	if err != nil {
		t.Fatal(err)
	}
	live, err := AddWorktree(ctx, repo, "HEAD", parent)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Remove()
	users := filepath.Join(t.TempDir(), "base-mine")
	sh("worktree", "add", "--detach", users)
	os.RemoveAll(killed.Path)
	os.RemoveAll(users)

	pruned, err := PruneWorktrees(ctx, repo)
	if err != nil || len(pruned) != 1 || pruned[0] != killed.Path {
		t.Fatalf("pruned %v, %v; want only %s", pruned, err, killed.Path)
	}
	list := sh("worktree", "list", "--porcelain")
	if strings.Contains(list, killed.Path) || !strings.Contains(list, live.Path) || !strings.Contains(list, users) {
		t.Errorf("work trees after pruning:\n%s", list)
	}
	if pruned, err := PruneWorktrees(ctx, t.TempDir()); err != nil || pruned != nil {
		t.Errorf("outside a repository: %v, %v", pruned, err)
	}
}
