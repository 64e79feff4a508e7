package stack

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
)

// daemonMarker is an argument of `sleep` that no other process on the machine has (other
// test runs use the same commands), so the daemon can be found by its command line.
func daemonMarker() string {
	return fmt.Sprintf("1003.%06d", time.Now().UnixNano()%1e6)
}

// daemons lists the live processes whose command line mentions marker.
func daemons(t *testing.T, marker string) []int {
	t.Helper()
	procs, err := procfs.Default.Processes()
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, s := range procs {
		if args := procfs.Default.Cmdline(s.PID); s.Alive() && strings.Contains(strings.Join(args, " "), marker) {
			pids = append(pids, s.PID)
		}
	}
	return pids
}

func killDaemons(t *testing.T, marker string) {
	t.Cleanup(func() {
		for _, pid := range daemons(t, marker) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// A daemon that moves to a session of its own and outlives the process that started it
// is found and stopped: stackgate adopted it as subreaper (TestMain made this test binary
// one, as the commands that start processes do).
func TestStopKillsDaemonsThatLeftTheSession(t *testing.T) {
	marker := daemonMarker()
	killDaemons(t, marker)
	p := Process{Name: "daemonizer", Argv: []string{"sh", "-c", "(setsid sleep " + marker + " &); exec sleep 1004"},
		LogPath: t.TempDir() + "/daemonizer.log", Grace: 300 * time.Millisecond}
	s := startStack(t, p)
	// The subshell forks the daemon before the leader becomes `sleep 1004`.
	eventually(t, "the leader runs sleep 1004", func() bool {
		return strings.Join(procfs.Default.Cmdline(s.PIDs()["daemonizer"]), " ") == "sleep 1004"
	})
	eventually(t, "the daemon runs", func() bool { return len(daemons(t, marker)) == 1 })
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if left := daemons(t, marker); len(left) > 0 {
		t.Errorf("the daemon %v survived Stop", left)
	}
}

// The same for a one-shot command (a build or setup step) whose daemon outlives it.
func TestRunStopsDaemonsThatLeftTheSession(t *testing.T) {
	marker := daemonMarker()
	killDaemons(t, marker)
	// The step ends once the daemon has its own session (the FIFO says so).
	script := `mkfifo up; setsid sh -c 'echo > up; exec sleep ` + marker + `' & read x < up`
	p := Process{Name: "step", Argv: []string{"sh", "-c", script}, Dir: t.TempDir(), LogPath: t.TempDir() + "/step.log"}
	if err := Run(t.Context(), p); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if left := daemons(t, marker); len(left) > 0 {
		t.Errorf("the daemon %v survived the step", left)
	}
}

// Adopted orphans that exit by themselves do not stay zombies: Stop reaps them.
func TestAdoptedOrphansAreReaped(t *testing.T) {
	p := Process{Name: "parent", Argv: []string{"sh", "-c", "(setsid sleep 0.1 &); exec sleep 1004"},
		LogPath: t.TempDir() + "/parent.log", Grace: 300 * time.Millisecond}
	s := startStack(t, p)
	var zombie int
	eventually(t, "the orphan exits", func() bool {
		procs, _ := procfs.Default.Processes()
		for _, e := range procs {
			if e.PPID == syscall.Getpid() && e.Comm == "sleep" && !e.Alive() && e.PID != s.PIDs()["parent"] {
				zombie = e.PID
				return true
			}
		}
		return false
	})
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if st, err := procfs.Default.Stat(zombie); err == nil {
		t.Errorf("the adopted orphan %d is still there: state %c", zombie, st.State)
	}
}
