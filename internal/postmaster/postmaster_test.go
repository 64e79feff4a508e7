package postmaster

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stackgate/stackgate/internal/procfs"
)

func writePIDFile(t *testing.T, dataDir, content string) {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, FileName), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		want          Leftover
		bad           bool
	}{
		{"a running server", "4242\n/d\n1700000000\n5432\n/tmp/sgpg-1\n127.0.0.1\n  5432001     32768\nready   \n",
			Leftover{PID: 4242, ShmKey: 5432001, ShmID: 32768}, false},
		{"initdb's standalone backend writes its pid negated", "-4243\n/d\n1700000000\n0\n\n\n  5432002     32769\n",
			Leftover{PID: 4243, ShmKey: 5432002, ShmID: 32769}, false},
		{"no segment yet", "4244\n/d\n1700000000\n5432\n", Leftover{PID: 4244, ShmID: -1}, false},
		{"garbage", "not a pid\n", Leftover{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dataDir := filepath.Join(dir, c.name)
			writePIDFile(t, dataDir, c.content)
			got, err := Read(dataDir)
			if c.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			c.want.DataDir = dataDir
			if err != nil || *got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
	if _, err := Read(t.TempDir()); !os.IsNotExist(err) {
		t.Errorf("no postmaster.pid: %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	writePIDFile(t, filepath.Join(dir, "pg", "pgdata"), "10\n")
	writePIDFile(t, filepath.Join(dir, "pgdata"), "11\n")
	writePIDFile(t, filepath.Join(dir, "a", "b", "c", "d"), "12\n") // too deep
	writePIDFile(t, filepath.Join(dir, "broken"), "x\n")
	found := Find(dir)
	if len(found) != 2 || found[0].PID != 11 || found[1].PID != 10 {
		t.Errorf("found %+v, want the servers of pgdata and pg/pgdata", found)
	}
}

// fakeProc is a /proc where 4242 is a postgres working in /d, 4243 a postgres of another
// data directory, 4244 some other program; segment 32768 is 4242's, detached.
func fakeProc() procfs.FS {
	dir := &fstest.MapFile{Mode: fs.ModeDir | 0o555}
	stat := func(pid string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(pid + " (postgres) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 100\n")}
	}
	return procfs.FS{FS: fstest.MapFS{
		"4242": dir, "4242/stat": stat("4242"), "4242/cmdline": {Data: []byte("/usr/lib/postgresql/15/bin/postgres\x00-D\x00/d\x00")},
		"4243": dir, "4243/stat": stat("4243"), "4243/cmdline": {Data: []byte("postgres\x00-D\x00/other\x00")},
		"4244": dir, "4244/stat": stat("4244"), "4244/cmdline": {Data: []byte("sleep\x00100\x00")},
		"4245": dir, "4245/stat": stat("4245"), "4245/cmdline": {Data: []byte("postgres\x00--boot\x00")},
		"4245/cwd": {Data: []byte("/d"), Mode: fs.ModeSymlink},
		"sysvipc/shm": {Data: []byte("key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap\n" +
			"5432001 32768 600 56 4242 4242 0 101 104 101 104 0 0 0 4096 0\n" +
			"5432001 32769 600 56 4242 4242 2 101 104 101 104 0 0 0 4096 0\n" +
			"5432001 32770 600 56 999 999 0 101 104 101 104 0 0 0 4096 0\n")},
	}}
}

func TestRunning(t *testing.T) {
	proc := fakeProc()
	for _, c := range []struct {
		pid  int
		want bool
	}{
		{4242, true},  // its data directory on the command line
		{4245, true},  // a standalone backend (initdb): its working directory is the data directory
		{4243, false}, // another server's
		{4244, false}, // a reused pid
		{4246, false}, // gone
	} {
		l := &Leftover{DataDir: "/d", PID: c.pid}
		if got := l.Running(proc); got != c.want {
			t.Errorf("pid %d: running = %v, want %v", c.pid, got, c.want)
		}
	}
}

// Only the server's own segment is ever a candidate for removal: its id, its key, created
// by its pid.
func TestSegment(t *testing.T) {
	proc := fakeProc()
	for _, c := range []struct {
		l    Leftover
		want int // the segment's id, -1: none
	}{
		{Leftover{PID: 4242, ShmKey: 5432001, ShmID: 32768}, 32768},
		{Leftover{PID: 4242, ShmKey: 5432001, ShmID: 32769}, 32769}, // attached: Release waits
		{Leftover{PID: 4242, ShmKey: 7, ShmID: 32768}, -1},          // another key
		{Leftover{PID: 4243, ShmKey: 5432001, ShmID: 32768}, -1},    // created by another process
		{Leftover{PID: 4242, ShmKey: 5432001, ShmID: 1}, -1},        // gone
	} {
		seg, err := c.l.segment(proc)
		if err != nil {
			t.Fatal(err)
		}
		got := -1
		if seg != nil {
			got = seg.ID
		}
		if got != c.want {
			t.Errorf("%+v: segment %d, want %d", c.l, got, c.want)
		}
	}
}
