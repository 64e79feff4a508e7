package stack

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/cpuset"
)

func TestCPUPinning(t *testing.T) {
	available, err := cpuset.Thread()
	if err != nil {
		t.Fatal(err)
	}
	all := cpuset.Format(available.List())
	for _, cpu := range available.List() {
		t.Run(fmt.Sprintf("cpu %d", cpu), func(t *testing.T) {
			// A shell that prints the pid of its own child: both must be pinned.
			p := Process{
				Name:    "pinned",
				Argv:    []string{"/bin/sh", "-c", "sleep 60 & echo $!; wait"},
				CPUs:    []int{cpu},
				LogPath: t.TempDir() + "/pinned.log",
				Ready:   Ready{LogLine: regexp.MustCompile(`^\d+$`)},
			}
			s := startStack(t, p)
			pid := s.PIDs()["pinned"]
			grandchild := firstInt(t, p.LogPath)
			want := strconv.Itoa(cpu)
			for _, pid := range []int{pid, grandchild} {
				if got := procStatus(t, pid, "Cpus_allowed_list"); got != want {
					t.Errorf("pid %d: Cpus_allowed_list %q, want %q", pid, got, want)
				}
			}
			assertOwnThreadsUnpinned(t, all)
		})
	}
}

// assertOwnThreadsUnpinned checks that pinning a child left every thread of the test
// process with its original mask.
func assertOwnThreadsUnpinned(t *testing.T, want string) {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		data, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err != nil {
			continue // the thread ended
		}
		m := regexp.MustCompile(`Cpus_allowed_list:\s*(\S+)`).FindSubmatch(data)
		if m != nil && string(m[1]) != want {
			t.Errorf("thread %s of stackgate left with Cpus_allowed_list %s, want %s", task.Name(), m[1], want)
		}
	}
}

func firstInt(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.Fields(string(data))[0])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}
