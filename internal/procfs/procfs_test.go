package procfs

import (
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"testing/fstest"
	"time"
)

// A fake /proc: 10 is the root, 11 its child (two threads), 12 a grandchild without
// schedstat, 20 unrelated. 10 has reaped children worth 7 ticks.
func fakeProc() FS {
	stat := func(pid, ppid, utime, stime, cutime, cstime, threads int) *fstest.MapFile {
		// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads
		return &fstest.MapFile{Data: []byte(strconv.Itoa(pid) + " (a b) c) S " + strconv.Itoa(ppid) +
			" 1 1 0 -1 0 0 0 0 0 " + strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " " + strconv.Itoa(cutime) + " " +
			strconv.Itoa(cstime) + " 20 0 " + strconv.Itoa(threads) + " 0 100\n")}
	}
	dir := &fstest.MapFile{Mode: 0o555 | 1<<31} // fs.ModeDir
	return FS{fstest.MapFS{
		"10":                   dir,
		"10/stat":              stat(10, 1, 5, 5, 3, 4, 1),
		"10/statm":             {Data: []byte("1000 100 0 0 0 0 0\n")},
		"10/task/10/schedstat": {Data: []byte("150000000 1 1\n")},
		"11":                   dir,
		"11/stat":              stat(11, 10, 1, 1, 0, 0, 2),
		"11/statm":             {Data: []byte("1000 50 0 0 0 0 0\n")},
		"11/task/11/schedstat": {Data: []byte("20000000 1 1\n")},
		"11/task/13/schedstat": {Data: []byte("5000000 1 1\n")},
		"12":                   dir,
		"12/stat":              stat(12, 11, 2, 1, 0, 0, 1),
		"12/task/12/status":    {Data: []byte("x")},
		"20":                   dir,
		"20/stat":              stat(20, 1, 99, 99, 99, 99, 1),
		"self":                 dir,
	}}
}

func TestTree(t *testing.T) {
	u, err := fakeProc().Tree(10)
	if err != nil {
		t.Fatal(err)
	}
	// 10: 150 ms precise + 7 ticks reaped; 11: 25 ms precise; 12: 3 ticks (no schedstat).
	wantCPU := 150*time.Millisecond + 70*time.Millisecond + 25*time.Millisecond + 30*time.Millisecond
	if u.CPU != wantCPU || u.Processes != 3 || u.Threads != 4 || u.RSS != 150*PageSize {
		t.Errorf("got %+v, want CPU %v, 3 processes, 4 threads, RSS %d", u, wantCPU, 150*PageSize)
	}
	if u, _ := fakeProc().Tree(99); u.Processes != 0 || u.CPU != 0 {
		t.Errorf("a gone process: %+v", u)
	}
}

// Against the real /proc: a child burning CPU for a while is measured within a few percent
// of its own account, and its children are part of the tree.
func TestTreeOfARealProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("procfs reads Linux's /proc")
	}
	cmd := exec.Command("sh", "-c", "sh -c 'while :; do :; done' & while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("pkill", "-KILL", "-P", strconv.Itoa(cmd.Process.Pid)).Run()
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(5 * time.Second)
	var u Usage
	for time.Now().Before(deadline) {
		var err error
		if u, err = Default.Tree(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
		if u.Processes == 2 && u.CPU > 300*time.Millisecond {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if u.Processes != 2 || u.RSS == 0 || u.Threads < 2 {
		t.Fatalf("tree of a shell and its child: %+v", u)
	}
	before, start := u.CPU, time.Now()
	time.Sleep(300 * time.Millisecond)
	after, _ := Default.Tree(cmd.Process.Pid)
	// Two busy loops get some CPU (the machine may be shared), never more than all CPUs.
	limit := time.Duration(runtime.NumCPU()) * time.Since(start)
	if d := after.CPU - before; d < 30*time.Millisecond || d > limit+20*time.Millisecond {
		t.Errorf("CPU of two busy loops over %v: %v (limit %v)", time.Since(start), d, limit)
	}
}
