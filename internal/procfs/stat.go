package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Stat is what /proc/<pid>/stat says about one process.
type Stat struct {
	PID     int
	Comm    string // the command name, as the kernel keeps it (may hold spaces and parentheses)
	State   byte   // R, S, D, Z, X, ...
	PPID    int
	Pgrp    int
	Session int
	// OwnTicks is the CPU the process itself used (utime + stime), ReapedTicks what its
	// reaped children used (cutime + cstime), in clock ticks.
	OwnTicks    uint64
	ReapedTicks uint64
	Threads     int
	// Start is when the process started, in clock ticks after boot: (PID, Start) names a
	// process across pid reuse.
	Start uint64
}

// Alive reports whether the process still runs: a zombie has exited and only waits to be
// reaped.
func (s Stat) Alive() bool { return s.State != 'Z' && s.State != 'X' }

// errStat is a stat line that does not have the fields every kernel writes.
var errStat = errors.New("malformed /proc/<pid>/stat")

// ParseStat reads a /proc/<pid>/stat line: "pid (comm) state ppid pgrp session ...". The
// command name may hold spaces and parentheses, so the fields are counted after its last
// ')'.
func ParseStat(data []byte) (Stat, error) {
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 1 || end < open {
		return Stat{}, errStat
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data[:open])))
	if err != nil {
		return Stat{}, errStat
	}
	f := strings.Fields(string(data[end+1:]))
	// f[0] is field 3 (state): field n is f[n-3]; starttime, field 22, is the last needed.
	if len(f) < 20 || len(f[0]) != 1 {
		return Stat{}, errStat
	}
	p := fieldParser{f: f}
	s := Stat{
		PID: pid, Comm: string(data[open+1 : end]), State: f[0][0],
		PPID: p.int(4), Pgrp: p.int(5), Session: p.int(6),
		OwnTicks: p.uint(14) + p.uint(15), ReapedTicks: p.uint(16) + p.uint(17),
		Threads: p.int(20), Start: p.uint(22),
	}
	if p.err != nil {
		return Stat{}, errStat
	}
	return s, nil
}

// fieldParser reads numbered stat fields, keeping the first error.
type fieldParser struct {
	f   []string
	err error
}

func (p *fieldParser) uint(field int) uint64 {
	v, err := strconv.ParseUint(p.f[field-3], 10, 64)
	if err != nil && p.err == nil {
		p.err = err
	}
	return v
}

func (p *fieldParser) int(field int) int {
	v, err := strconv.Atoi(p.f[field-3])
	if err != nil && p.err == nil {
		p.err = err
	}
	return v
}

// Stat reads the stat of one process; a process that does not exist is fs.ErrNotExist.
func (p FS) Stat(pid int) (Stat, error) {
	data, err := fs.ReadFile(p.FS, strconv.Itoa(pid)+"/stat")
	if err != nil {
		return Stat{}, err
	}
	s, err := ParseStat(data)
	if err != nil {
		return Stat{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return s, nil
}

// Processes reads the stat of every process. Processes that exit while they are listed
// are left out.
func (p FS) Processes() ([]Stat, error) {
	entries, err := fs.ReadDir(p.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("reading /proc: %w", err)
	}
	procs := make([]Stat, 0, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		if s, err := p.Stat(pid); err == nil {
			procs = append(procs, s)
		}
	}
	return procs, nil
}

// Running reports whether the process (pid, start) still runs: the same process, not a
// later one that reused its pid, and not a zombie.
func (p FS) Running(pid int, start uint64) bool {
	s, err := p.Stat(pid)
	return err == nil && s.Start == start && s.Alive()
}

// Cmdline is the argument vector of a process (nil when it is gone or a kernel thread).
func (p FS) Cmdline(pid int) []string {
	data, err := fs.ReadFile(p.FS, strconv.Itoa(pid)+"/cmdline")
	if err != nil || len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
}

// Cwd is the working directory of a process ("" when it is gone or may not be read).
func (p FS) Cwd(pid int) string {
	target, err := fs.ReadLink(p.FS, strconv.Itoa(pid)+"/cwd")
	if err != nil {
		return ""
	}
	return target
}
