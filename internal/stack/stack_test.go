package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/cpuset"
)

func startStack(t *testing.T, procs ...Process) *Stack {
	t.Helper()
	s, err := Start(t.Context(), procs)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func processError(t *testing.T, err error) *ProcessError {
	t.Helper()
	var pe *ProcessError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ProcessError", err, err)
	}
	return pe
}

func TestStartWaitsForReadiness(t *testing.T) {
	tests := []struct {
		name  string
		ready Ready
	}{
		{"http", Ready{HTTP: "/healthz"}},
		{"tcp", Ready{TCP: true}},
		{"log line", Ready{LogLine: regexp.MustCompile(`^listening$`)}},
		{"all kinds at once", Ready{HTTP: "healthz", TCP: true, LogLine: regexp.MustCompile(`listen`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port, err := FreeLoopbackPort()
			if err != nil {
				t.Fatal(err)
			}
			addr := "127.0.0.1:" + strconv.Itoa(port)
			// The helper binds only after a delay: Start must not return before that.
			p := helperProcess(t, "web", "http-late", "STACKTEST_ADDR="+addr, "STACKTEST_DELAY=300ms")
			p.Addr, p.Ready = addr, tt.ready
			s := startStack(t, p)

			resp, err := http.Get("http://" + addr + "/healthz")
			if err != nil {
				t.Fatalf("server not serving after Start returned: %v", err)
			}
			resp.Body.Close()
			if err := s.Check(); err != nil {
				t.Errorf("Check on a running stack: %v", err)
			}
			pid := s.PIDs()["web"]
			if pid == 0 {
				t.Fatalf("PIDs() = %v, want an entry for web", s.PIDs())
			}
			if err := s.Stop(); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if !processGone(pid) {
				t.Errorf("process %d still running after Stop", pid)
			}
		})
	}
}

func TestStartReportsEarlyExitAtOnce(t *testing.T) {
	p := helperProcess(t, "api", "exit-early")
	p.Addr, p.Ready = "127.0.0.1:1", Ready{HTTP: "/healthz", Timeout: time.Minute}
	begin := time.Now()
	_, err := Start(t.Context(), []Process{p})
	pe := processError(t, err)
	if pe.Name != "api" || pe.Reason != "exited with status 2 before becoming ready" {
		t.Errorf("got name %q reason %q", pe.Name, pe.Reason)
	}
	if !slices.Contains(pe.LogTail, "fatal: config file missing") || !slices.Contains(pe.LogTail, "connecting to database") {
		t.Errorf("log tail %q lacks the process's output", pe.LogTail)
	}
	if !strings.Contains(err.Error(), "\n    fatal: config file missing") {
		t.Errorf("Error() does not show the indented log tail:\n%s", err)
	}
	// Loose bound: the exit must be noticed, not the minute-long timeout waited out.
	if elapsed := time.Since(begin); elapsed > 20*time.Second {
		t.Errorf("early exit took %s to report", elapsed)
	}
}

func TestStartTimesOutNamingTheLastProbe(t *testing.T) {
	port, err := FreeLoopbackPort()
	if err != nil {
		t.Fatal(err)
	}
	p := helperProcess(t, "stuck", "sleep")
	p.Addr = "127.0.0.1:" + strconv.Itoa(port)
	p.Ready = Ready{HTTP: "/healthz", Timeout: 400 * time.Millisecond}
	_, err = Start(t.Context(), []Process{p})
	pe := processError(t, err)
	if !strings.HasPrefix(pe.Reason, "not ready after 400ms (GET http://"+p.Addr+"/healthz: ") ||
		!strings.Contains(pe.Reason, "connection refused") {
		t.Errorf("reason %q does not name the timeout and what the probe saw", pe.Reason)
	}
	// Under heavy load the helper may not have printed its pid before it was stopped.
	if pid, ok := pidInLog(p.LogPath); ok && !processGone(pid) {
		t.Errorf("process %d left running after the failed start", pid)
	}
}

func TestStartHonoursContext(t *testing.T) {
	p := helperProcess(t, "stuck", "sleep")
	p.Ready = Ready{LogLine: regexp.MustCompile(`never printed`)}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, []Process{p})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want one wrapping context.DeadlineExceeded", err)
	}
	processError(t, err)
}

func TestStopKillsTheWholeGroup(t *testing.T) {
	p := helperProcess(t, "stubborn", "ignore-term")
	p.Grace = 300 * time.Millisecond
	p.Ready = Ready{LogLine: regexp.MustCompile(`^grandchild ignoring SIGTERM$`)}
	s := startStack(t, p)
	pid := s.PIDs()["stubborn"]
	members := groupMembers(pid)
	if len(members) != 2 {
		t.Fatalf("group %d has members %v, want the child and its grandchild", pid, members)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, member := range members {
		if !processGone(member) {
			t.Errorf("process %d of the group survived Stop", member)
		}
	}
}

func TestStopKillsDescendantsThatLeftTheGroup(t *testing.T) {
	p := helperProcess(t, "daemonizer", "escape")
	p.Grace = 300 * time.Millisecond
	p.Ready = Ready{LogLine: regexp.MustCompile(`^grandchild ignoring SIGTERM$`)}
	s := startStack(t, p)
	escaped := pidFromLog(t, p.LogPath)
	if slices.Contains(groupMembers(s.PIDs()["daemonizer"]), escaped) {
		t.Fatalf("grandchild %d did not leave the group", escaped)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !processGone(escaped) {
		t.Errorf("grandchild %d in its own session survived Stop", escaped)
	}
}

func TestCheckDetectsACrash(t *testing.T) {
	p := helperProcess(t, "worker", "crash-after", "STACKTEST_DELAY=200ms")
	s := startStack(t, p)
	var err error
	eventually(t, "Check reports the crash", func() bool { err = s.Check(); return err != nil })
	pe := processError(t, err)
	if pe.Name != "worker" || pe.Reason != "exited with status 3 while running" {
		t.Errorf("got name %q reason %q", pe.Name, pe.Reason)
	}
	if !slices.Contains(pe.LogTail, "panic: boom") {
		t.Errorf("log tail %q lacks the crash output", pe.LogTail)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("Stop after a crash: %v", err)
	}
}

func TestStopTwice(t *testing.T) {
	s := startStack(t, helperProcess(t, "a", "sleep"), helperProcess(t, "b", "sleep"))
	pids := s.PIDs()
	if err := s.Stop(); err != nil {
		t.Fatalf("first Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	for name, pid := range pids {
		if !processGone(pid) {
			t.Errorf("%s (pid %d) still running", name, pid)
		}
	}
	if err := s.Check(); err == nil || processError(t, err).Reason != "stopped" {
		t.Errorf("Check after Stop = %v, want a \"stopped\" error", err)
	}
	var zero *Stack
	if err := zero.Stop(); err != nil {
		t.Errorf("Stop on a nil Stack: %v", err)
	}
}

func TestPartialStartStopsWhatStarted(t *testing.T) {
	first := helperProcess(t, "first", "sleep")
	first.Ready = Ready{LogLine: regexp.MustCompile(`^started`)}
	second := helperProcess(t, "second", "exit-early")
	third := helperProcess(t, "third", "sleep")
	second.Ready = Ready{LogLine: regexp.MustCompile(`never printed`)}
	_, err := Start(t.Context(), []Process{first, second, third})
	if pe := processError(t, err); pe.Name != "second" {
		t.Fatalf("error names %q, want second: %v", pe.Name, err)
	}
	if pid := pidFromLog(t, first.LogPath); !processGone(pid) {
		t.Errorf("first process (pid %d) still running after the second failed", pid)
	}
	if _, err := os.Stat(third.LogPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("third process was started (its log exists: %v)", err)
	}
}

func TestStartRejectsInvalidProcesses(t *testing.T) {
	tests := []struct {
		name  string
		procs []Process
		want  string
	}{
		{"no argv", []Process{{Name: "x"}}, "empty argv"},
		{"no name", []Process{{Argv: []string{"/bin/true"}}}, "no name"},
		{"duplicate", []Process{{Name: "x", Argv: []string{"/bin/true"}}, {Name: "x", Argv: []string{"/bin/true"}}}, "duplicate name"},
		{"http without addr", []Process{{Name: "x", Argv: []string{"/bin/true"}, Ready: Ready{HTTP: "/"}}}, "needs Addr"},
		{"log line without log", []Process{{Name: "x", Argv: []string{"/bin/true"}, Ready: Ready{LogLine: regexp.MustCompile(`.`)}}}, "needs LogPath"},
		{"missing cpu", []Process{{Name: "x", Argv: []string{"/bin/true"}, CPUs: []int{cpuset.Max + 1}}}, fmt.Sprintf("CPU %d is not available", cpuset.Max+1)},
		{"unknown executable", []Process{{Name: "x", Argv: []string{"no-such-program-xyz"}}}, `executable "no-such-program-xyz" not found`},
		{"unknown user", []Process{{Name: "x", Argv: []string{"/bin/true"}, User: "no-such-user-xyz"}}, `user "no-such-user-xyz" does not exist on this machine`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(t.Context(), tt.procs)
			if s != nil {
				s.Stop()
				t.Fatal("Start returned a stack")
			}
			if pe := processError(t, err); !strings.Contains(pe.Reason, tt.want) {
				t.Errorf("reason %q does not contain %q", pe.Reason, tt.want)
			}
		})
	}
}

func TestFreeLoopbackPort(t *testing.T) {
	port, err := FreeLoopbackPort()
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("port %d out of range", port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d is not free: %v", port, err)
	}
	ln.Close()
}

// pidFromLog reads the pid a helper printed ("started <pid>").
func pidFromLog(t *testing.T, path string) int {
	t.Helper()
	pid, ok := pidInLog(path)
	if !ok {
		t.Fatalf("no pid in %s", path)
	}
	return pid
}

func pidInLog(path string) (int, bool) {
	data, _ := os.ReadFile(path)
	m := regexp.MustCompile(`started (\d+)`).FindSubmatch(data)
	if m == nil {
		return 0, false
	}
	pid, err := strconv.Atoi(string(m[1]))
	return pid, err == nil
}
