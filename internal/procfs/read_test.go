package procfs

import (
	"os"
	"testing"
	"testing/fstest"
)

func TestParseStat(t *testing.T) {
	const tail = " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30"
	cases := []struct {
		name string
		line string
		want Stat
		bad  bool
	}{
		{name: "a kernel's line", line: "4242 (postgres) S 1 4242 4242 0 -1 4194560 0 0 0 0 7 3 11 13 20 0 4 0 8123 0 0" + tail,
			want: Stat{PID: 4242, Comm: "postgres", State: 'S', PPID: 1, Pgrp: 4242, Session: 4242, OwnTicks: 10, ReapedTicks: 24, Threads: 4, Start: 8123}},
		{name: "a name with spaces and parentheses", line: "7 (a b) c) Z 6 5 4 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 99",
			want: Stat{PID: 7, Comm: "a b) c", State: 'Z', PPID: 6, Pgrp: 5, Session: 4, OwnTicks: 2, Threads: 1, Start: 99}},
		{name: "cut short", line: "7 (x) S 6 5 4 0 -1 0 0 0 0 0 1 1", bad: true},
		{name: "no name", line: "7 S 6 5 4 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 99", bad: true},
		{name: "not a number", line: "7 (x) S six 5 4 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 99", bad: true},
		{name: "no pid", line: "(x) S 6 5 4 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 99", bad: true},
		{name: "empty", line: "", bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseStat([]byte(c.line + "\n"))
			if c.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
			if got.Alive() != (c.want.State != 'Z') {
				t.Errorf("Alive() = %v for state %c", got.Alive(), got.State)
			}
		})
	}
}

func TestProcessesRunningCmdline(t *testing.T) {
	p := fakeProc()
	p.FS.(fstest.MapFS)["10/cmdline"] = &fstest.MapFile{Data: []byte("postgres\x00-D\x00/x/pgdata\x00")}
	p.FS.(fstest.MapFS)["30"] = &fstest.MapFile{Mode: 0o555 | 1<<31}
	p.FS.(fstest.MapFS)["30/stat"] = &fstest.MapFile{Data: []byte("garbage\n")}
	procs, err := p.Processes()
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, s := range procs {
		pids = append(pids, s.PID)
	}
	if len(pids) != 4 || pids[0] != 10 || pids[3] != 20 {
		t.Errorf("processes %v, want 10 11 12 20 (a malformed stat and non-pid entries left out)", pids)
	}
	if !p.Running(10, 100) || p.Running(10, 101) || p.Running(99, 100) {
		t.Error("Running must match pid and start time of a live process")
	}
	if got := p.Cmdline(10); len(got) != 3 || got[2] != "/x/pgdata" {
		t.Errorf("cmdline %q", got)
	}
	if got := p.Cmdline(11); got != nil {
		t.Errorf("cmdline of a process without one: %q", got)
	}
}

func TestCPUs(t *testing.T) {
	cases := []struct {
		name  string
		files fstest.MapFS
		want  CPUs
	}{
		{"/proc/stat counts, cpuinfo names", fstest.MapFS{
			"cpuinfo": {Data: []byte("processor\t: 0\nmodel name\t: Xeon X\n\nprocessor\t: 1\nmodel name\t: Xeon X\n")},
			"stat":    {Data: []byte("cpu 1 1 1 1\ncpu0 1 1 1 1\ncpu1 1 1 1 1\ncpu2 1 1 1 1\nintr 0\n")},
		}, CPUs{Model: "Xeon X", Count: 3}},
		{"no /proc/stat: the processors of cpuinfo", fstest.MapFS{
			"cpuinfo": {Data: []byte("processor\t: 0\nmodel name\t: Xeon X\nflags\t: fpu hypervisor sse2\n\nprocessor\t: 1\nmodel name\t: Xeon X\n")},
		}, CPUs{Model: "Xeon X", Count: 2, Hypervisor: true}},
		{"nothing", fstest.MapFS{}, CPUs{}},
	}
	for _, c := range cases {
		if got := (FS{c.files}).CPUs(); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestCPUTimes(t *testing.T) {
	p := FS{fstest.MapFS{"stat": {Data: []byte("cpu  10 1 5 100 2 0 3 7 4 0\ncpu0 10 1 5 100 2 0 3 7 4 0\n")}}}
	got, err := p.CPUTimes()
	if want := (CPUTimes{Total: 128, Steal: 7, HasSteal: true}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	old := FS{fstest.MapFS{"stat": {Data: []byte("cpu 10 1 5 100\n")}}}
	if got, err := old.CPUTimes(); err != nil || got.HasSteal || got.Total != 116 {
		t.Errorf("a kernel without steal: %+v, %v", got, err)
	}
	for _, bad := range []string{"intr 0\n", "cpu 1 x 3 4\n", ""} {
		if _, err := (FS{fstest.MapFS{"stat": {Data: []byte(bad)}}}).CPUTimes(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSegments(t *testing.T) {
	const header = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
	p := FS{fstest.MapFS{"sysvipc/shm": {Data: []byte(header +
		"   5432001      32768   600                    56  4242  4250      0   101   104   101   104 1700000000 1700000001 1700000000                  4096                     0\n" +
		"         0          5  1600                  1024   900   900      2     0     0     0     0          0          0 1700000000                     0                     0\n")}}}
	segs, err := p.Segments()
	if err != nil {
		t.Fatal(err)
	}
	want := []Segment{{Key: 5432001, ID: 32768, Creator: 4242, Attach: 0, UID: 101}, {Key: 0, ID: 5, Creator: 900, Attach: 2, UID: 0}}
	if len(segs) != 2 || segs[0] != want[0] || segs[1] != want[1] {
		t.Errorf("got %+v, want %+v", segs, want)
	}
	if segs, err := (FS{fstest.MapFS{"sysvipc/shm": {Data: []byte(header)}}}).Segments(); err != nil || len(segs) != 0 {
		t.Errorf("no segments: %v, %v", segs, err)
	}
	if _, err := (FS{fstest.MapFS{"sysvipc/shm": {Data: []byte("key shmid\n1 2\n")}}}).Segments(); err == nil {
		t.Error("a table without the needed columns was accepted")
	}
}

// The real /proc parses: this process is in it, with its parent.
func TestThisProcess(t *testing.T) {
	s, err := Default.Stat(os.Getpid())
	if err != nil || s.PID != os.Getpid() || s.PPID != os.Getppid() || !s.Alive() || s.Start == 0 {
		t.Fatalf("stat of this process: %+v, %v", s, err)
	}
	if !Default.Running(s.PID, s.Start) {
		t.Error("this process does not run")
	}
	if _, err := Default.Segments(); err != nil {
		t.Errorf("/proc/sysvipc/shm: %v", err)
	}
}

func TestCwd(t *testing.T) {
	wd, _ := os.Getwd()
	if got := Default.Cwd(os.Getpid()); got != wd {
		t.Errorf("cwd %q, want %q", got, wd)
	}
	if got := Default.Cwd(1 << 30); got != "" {
		t.Errorf("cwd of no process: %q", got)
	}
}
