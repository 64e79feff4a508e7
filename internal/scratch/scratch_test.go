package scratch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/pg"
)

// parent is a directory other users may traverse (PostgreSQL runs as postgres under root).
func parent(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "scratchtest-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// deadOwner is the owner line of a process that has exited.
func deadOwner(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("sleep", "0.1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	owner := fmt.Sprintf("%d %s\n", cmd.Process.Pid, startTime(cmd.Process.Pid))
	cmd.Wait()
	return owner
}

func TestCleanStale(t *testing.T) {
	p := parent(t)
	mine, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(mine); info.Mode().Perm() != 0o711 {
		t.Errorf("scratch mode %v, want 0711", info.Mode().Perm())
	}
	dead, _ := New(p)
	os.WriteFile(filepath.Join(dead, ownerFile), []byte(deadOwner(t)), 0o644)
	reused, _ := New(p)
	os.WriteFile(filepath.Join(reused, ownerFile), []byte(fmt.Sprintf("%d 1\n", os.Getpid())), 0o644) // our pid, another start
	young := filepath.Join(p, Prefix+"pg-young")
	os.Mkdir(young, 0o700)
	old := filepath.Join(p, Prefix+"pg-old")
	os.Mkdir(old, 0o700)
	os.Chtimes(old, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	other := filepath.Join(p, "not-ours")
	os.Mkdir(other, 0o700)

	removed, err := CleanStale(p)
	if err != nil {
		t.Fatal(err)
	}
	gone := map[string]bool{}
	for _, s := range removed {
		gone[s.Dir] = true
	}
	for dir, want := range map[string]bool{mine: false, dead: true, reused: true, young: false, old: true, other: false} {
		_, statErr := os.Stat(dir)
		if gone[dir] != want || os.IsNotExist(statErr) != want {
			t.Errorf("%s: removed=%v exists=%v, want removed=%v", filepath.Base(dir), gone[dir], statErr == nil, want)
		}
	}
}

// A PostgreSQL left running from a dead invocation's directory is stopped, then the
// directory removed; a server whose invocation lives is left alone.
func TestCleanStaleStopsLeftoverPostgres(t *testing.T) {
	bins, err := pg.FindBinaries()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	p := parent(t)
	dir, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "pg"), 0o755)
	srv, err := pg.Start(context.Background(), pg.Options{Binaries: bins, Dir: filepath.Join(dir, "pg"), LogPath: filepath.Join(p, "pg.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if removed, _ := CleanStale(p); len(removed) != 0 {
		t.Fatalf("removed a live invocation's directory: %v", removed)
	}
	os.WriteFile(filepath.Join(dir, ownerFile), []byte(deadOwner(t)), 0o644)
	removed, err := CleanStale(p)
	if err != nil || len(removed) != 1 || removed[0].Dir != dir {
		t.Fatalf("removed %v, %v", removed, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(srv.PID(), 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("postgres %d still runs", srv.PID())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
