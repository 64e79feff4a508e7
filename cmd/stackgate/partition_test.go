package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/cpuset"
	"github.com/stackgate/stackgate/internal/result"
)

// [load] cpus partitions the machine: while stackgate measures, its load generator's loops
// run on the CPUs listed and the stack's processes and PostgreSQL (every backend too) on
// the rest; the result's definition records the partition.
func TestPartitionedCPUs(t *testing.T) {
	needPostgres(t)
	available, err := cpuset.Thread()
	if err != nil {
		t.Fatal(err)
	}
	all := available.List()
	if len(all) < 2 {
		t.Skip("one CPU available: nothing to partition")
	}
	generator, rest := cpuset.Format(all[:1]), cpuset.Format(all[1:])
	dir := t.TempDir()
	suite := partitionedSuite(t, dir, all[0])
	out := filepath.Join(dir, "out")
	cmd := exec.Command(binary, "run", "-config", suite, "-quick", "-runs", "2", "-out", out,
		"-baselines", filepath.Join(dir, "baselines"), "-runner", "e2e")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	seen := map[string]map[string]string{} // program → its Cpus_allowed_list values → a command line seen with it
	loopsPinned := false
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("stackgate: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			waiting = false
		case <-time.After(50 * time.Millisecond):
			for _, p := range descendants(cmd.Process.Pid) {
				// The refstack that serves and the postgres servers — not what is not
				// measured and runs anywhere: the setup step that seeds, the
				// `postgres --version` that finds the binaries.
				if p.name == "postgres" && !strings.Contains(p.cmdline, "--version") ||
					p.name == "refstack" && strings.Contains(p.cmdline, "serve") {
					if seen[p.name] == nil {
						seen[p.name] = map[string]string{}
					}
					seen[p.name][p.cpus] = strings.ReplaceAll(p.cmdline, "\x00", " ")
				}
			}
			loopsPinned = loopsPinned || threadPinned(cmd.Process.Pid, generator)
		}
	}
	for _, name := range []string{"postgres", "refstack"} {
		if len(seen[name]) == 0 {
			t.Errorf("no %s process seen while stackgate ran", name)
		}
		for cpus, cmdline := range seen[name] {
			if cpus != rest {
				t.Errorf("%s ran on CPUs %s, want %s (all but the load generator's): %s", name, cpus, rest, cmdline)
			}
		}
	}
	if !loopsPinned {
		t.Errorf("no thread of stackgate seen pinned to CPU %s (the load generator's loops)", generator)
	}
	r, err := result.Read(filepath.Join(out, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Definition["load.cpus"], "["+generator+"]"; got != want {
		t.Errorf("definition load.cpus = %q, want %q", got, want)
	}
}

// partitionedSuite writes the test profile with the load generator on cpu, its build
// run from this repository.
func partitionedSuite(t *testing.T, dir string, cpu int) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "e2e.toml"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), `dir = "../../.."`, "dir = "+strconv.Quote(root), 1)
	text = strings.Replace(text, "\n[load]\n", "\n[load]\ncpus = ["+strconv.Itoa(cpu)+"]\n", 1)
	path := filepath.Join(dir, "stackgate.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// proc is a process seen in /proc: its name, arguments and the CPUs it may run on.
type proc struct{ name, cmdline, cpus string }

// descendants lists the processes below pid.
func descendants(pid int) []proc {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	info := map[int]proc{}
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue // ended
		}
		fields := statusFields(string(status))
		parent[n], _ = strconv.Atoi(fields["PPid"])
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		info[n] = proc{fields["Name"], string(cmdline), fields["Cpus_allowed_list"]}
	}
	var out []proc
	for n, p := range info {
		for a := parent[n]; a > 1; a = parent[a] {
			if a == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// threadPinned reports whether a thread of pid may run on exactly the CPUs of list.
func threadPinned(pid int, list string) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "status"))
	for _, path := range tasks {
		if status, err := os.ReadFile(path); err == nil && statusFields(string(status))["Cpus_allowed_list"] == list {
			return true
		}
	}
	return false
}

func statusFields(status string) map[string]string {
	fields := map[string]string{}
	for _, line := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields
}
