package pg_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/procfs"
)

// A server killed with SIGKILL (or dying with stackgate) cannot remove its System V shared
// memory segment, and the kernel keeps it forever: Stop removes it.
func TestStopRemovesTheSharedMemoryOfAKilledServer(t *testing.T) {
	bins := findBinaries(t)
	dir := t.TempDir()
	srv, err := pg.Start(t.Context(), pg.Options{Binaries: bins, Dir: dir, LogPath: dir + "/pg.log"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	id := segmentOf(t, showSetting(t, srv, "data_directory"))
	t.Cleanup(func() { removeSegment(id) }) // never leak one from a failing test
	if !segmentExists(t, id) {
		t.Fatalf("postmaster.pid names segment %d, which does not exist", id)
	}
	syscall.Kill(srv.PID(), syscall.SIGKILL)
	eventually(t, "the postmaster dies", func() bool { return !alive(srv.PID()) })
	srv.Stop() // reports the server that died; what matters is what is left
	if segmentExists(t, id) {
		t.Errorf("shared memory segment %d of the killed server is still there", id)
	}
}

// segmentOf reads the shared memory id from line 7 of postmaster.pid ("key id").
func segmentOf(t *testing.T, dataDir string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 7 || len(strings.Fields(lines[6])) != 2 {
		t.Fatalf("postmaster.pid has no shared memory line:\n%s", data)
	}
	id, err := strconv.Atoi(strings.Fields(lines[6])[1])
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func segmentExists(t *testing.T, id int) bool {
	t.Helper()
	segs, err := procfs.Default.Segments()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.ID == id {
			return true
		}
	}
	return false
}

func removeSegment(id int) {
	syscall.Syscall(syscall.SYS_SHMCTL, uintptr(id), 0 /* IPC_RMID */, 0)
}

// initdb's bootstrap backend creates a segment of its own (its postmaster.pid holds its
// pid negated): interrupted there, Start leaves no segment behind either.
func TestInterruptedInitdbLeavesNoSharedMemory(t *testing.T) {
	bins := findBinaries(t)
	dir := openTempDir(t) // the cluster goes inside, where the test can watch it
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	seen := make(chan []string, 1)
	go func() { // cancel once a backend of initdb has recorded its segment
		for ctx.Err() == nil {
			files, _ := filepath.Glob(filepath.Join(dir, "*", "postmaster.pid"))
			for _, f := range files {
				data, _ := os.ReadFile(f)
				if lines := strings.Split(string(data), "\n"); len(lines) >= 7 && len(strings.Fields(lines[6])) == 2 {
					seen <- lines
					cancel()
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := pg.Start(ctx, pg.Options{Binaries: bins, Dir: dir, LogPath: dir + "/pg.log"})
	cancel()
	var lines []string
	select {
	case lines = <-seen:
	default:
		t.Fatalf("Start ended before it was interrupted: %v", err)
	}
	if err == nil {
		t.Fatal("Start succeeded although it was cancelled")
	}
	if !strings.HasPrefix(lines[0], "-") {
		t.Logf("cancelled while the server (not initdb) started: %q", lines[0])
	}
	id, _ := strconv.Atoi(strings.Fields(lines[6])[1])
	t.Cleanup(func() { removeSegment(id) })
	if segmentExists(t, id) {
		t.Errorf("the segment %d of initdb's backend (pid %s) is still there", id, lines[0])
	}
}
