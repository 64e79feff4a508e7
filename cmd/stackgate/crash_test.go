package main

import (
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stackgate/stackgate/internal/procfs"
)

// A backend of PostgreSQL that crashes makes the server end every session and
// reinitialise (crash-restart): the run is an error (exit 3) that says the database
// restarted after a crash — not whatever query happened to fail next.
func TestFaultDatabaseBackendCrashes(t *testing.T) {
	f := startFault(t, nil, e2eArgs()...)
	f.waitFor("run 1: throughput")
	pm := postmasterLines(t, f.tmp)
	backend := clientBackend(t, pm[0])
	syscall.Kill(backend, syscall.SIGKILL)
	if code := f.wait(); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, f.errText())
	}
	for _, want := range []string{"PostgreSQL restarted", "was terminated by signal 9"} {
		if !strings.Contains(f.errText(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, f.errText())
		}
	}
	f.assertClean()
}

// clientBackend finds a backend serving the stack: a child of the postmaster that runs a
// query for the bench database.
func clientBackend(t *testing.T, postmaster string) int {
	t.Helper()
	var found int
	waitUntil(t, "a client backend of the stack", func() bool {
		procs, _ := procfs.Default.Processes()
		for _, s := range procs {
			args := strings.Join(procfs.Default.Cmdline(s.PID), " ")
			if strings.TrimSpace(postmaster) == strconv.Itoa(s.PPID) && strings.HasPrefix(args, "postgres: stackgate bench 127.0.0.1") {
				found = s.PID
				return true
			}
		}
		return false
	})
	return found
}
