package scratch_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/postmaster"
	"github.com/stackgate/stackgate/internal/procfs"
	"github.com/stackgate/stackgate/internal/scratch"
)

// A PostgreSQL left running from a dead invocation's directory is stopped and its shared
// memory removed, then the directory; a server whose invocation lives is left alone.
func TestCleanStaleStopsLeftoverPostgres(t *testing.T) {
	bins, err := pg.FindBinaries()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	p, err := os.MkdirTemp("", "scratchtest-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o755)
	t.Cleanup(func() { os.RemoveAll(p) })
	dir, err := scratch.New(p, false)
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "pg"), 0o755)
	srv, err := pg.Start(context.Background(), pg.Options{Binaries: bins, Dir: filepath.Join(dir, "pg"), LogPath: filepath.Join(p, "pg.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	leftovers := postmaster.Find(dir)
	if len(leftovers) != 1 || leftovers[0].ShmID < 0 {
		t.Fatalf("postmaster.pid files: %+v", leftovers)
	}
	if removed, _ := scratch.CleanStale(p); slices.ContainsFunc(removed, func(s scratch.Stale) bool { return s.Dir == dir }) {
		t.Fatalf("removed a live invocation's directory: %v", removed)
	}
	os.WriteFile(filepath.Join(dir, scratch.OwnerFile), []byte(deadOwner(t)), 0o644)
	removed, err := scratch.CleanStale(p)
	if err != nil || !slices.ContainsFunc(removed, func(s scratch.Stale) bool { return s.Dir == dir }) {
		t.Fatalf("removed %v, %v; want %s", removed, err, dir)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(srv.PID(), 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("postgres %d still runs", srv.PID())
		}
		time.Sleep(50 * time.Millisecond)
	}
	segs, _ := procfs.Default.Segments()
	for _, s := range segs {
		if s.ID == leftovers[0].ShmID {
			t.Errorf("the stale server's shared memory segment %d is still there", s.ID)
		}
	}
}

func deadOwner(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st, err := procfs.Default.Stat(cmd.Process.Pid)
	cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d %d\n", cmd.Process.Pid, st.Start)
}
