package procfs

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// CPUs is what the machine says about its processors.
type CPUs struct {
	Model      string // "model name" of /proc/cpuinfo ("" when it names none)
	Count      int    // logical CPUs online (0 when neither /proc/cpuinfo nor /proc/stat tells)
	Hypervisor bool   // the CPUs carry the "hypervisor" flag: a virtual machine
}

// CPUs reads the CPU model and flags from /proc/cpuinfo and counts the logical CPUs online: the
// per-CPU lines of /proc/stat, or, without them, the processors of /proc/cpuinfo.
func (p FS) CPUs() CPUs {
	var c CPUs
	if data, err := fs.ReadFile(p.FS, "stat"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if len(line) > 3 && strings.HasPrefix(line, "cpu") && line[3] >= '0' && line[3] <= '9' {
				c.Count++
			}
		}
	}
	data, err := fs.ReadFile(p.FS, "cpuinfo")
	if err != nil {
		return c
	}
	processors := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "processor":
			processors++
		case "model name":
			c.Model = strings.TrimSpace(val)
		case "flags":
			c.Hypervisor = c.Hypervisor || slices.Contains(strings.Fields(val), "hypervisor")
		}
	}
	if c.Count == 0 {
		c.Count = processors
	}
	return c
}

// CPUTimes is the first line of /proc/stat: clock ticks of all CPUs since boot.
type CPUTimes struct {
	Total    uint64 // every state: user, nice, system, idle, iowait, irq, softirq, steal
	Steal    uint64 // given by the hypervisor to other guests
	HasSteal bool   // the kernel has a steal column
}

var errCPUTimes = errors.New(`/proc/stat has no "cpu" line of numbers`)

// CPUTimes parses "cpu user nice system idle iowait irq softirq steal guest guest_nice";
// guest time is already counted in user, so the total is the first eight.
func (p FS) CPUTimes() (CPUTimes, error) {
	data, err := fs.ReadFile(p.FS, "stat")
	if err != nil {
		return CPUTimes{}, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return CPUTimes{}, errCPUTimes
	}
	t := CPUTimes{HasSteal: len(fields) > 8}
	for i, f := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return CPUTimes{}, errCPUTimes
		}
		t.Total += v
		if i == 7 {
			t.Steal = v
		}
	}
	return t, nil
}
