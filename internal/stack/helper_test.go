package stack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
)

// The test binary doubles as the fake processes of the stack (as in os/exec's tests): when
// STACKTEST_HELPER names a mode, TestMain runs that mode instead of the tests.
const helperEnv = "STACKTEST_HELPER"

func TestMain(m *testing.M) {
	Init()
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	// As stackgate's commands do before starting anything: orphans are adopted.
	if err := BecomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// helpers are the fake processes; each returns its exit status.
var helpers = map[string]func() int{
	// http-late waits STACKTEST_DELAY, then serves /healthz on STACKTEST_ADDR.
	"http-late": func() int {
		fmt.Println("starting")
		time.Sleep(helperDelay())
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
		srv := &http.Server{Addr: os.Getenv("STACKTEST_ADDR"), Handler: mux}
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			return 1
		}
		fmt.Println("listening")
		return exitStatus(srv.Serve(ln))
	},
	// exit-early prints on both streams and fails at once.
	"exit-early": func() int {
		fmt.Println("connecting to database")
		fmt.Fprintln(os.Stderr, "fatal: config file missing")
		return 2
	},
	// sleep prints its pid and waits to be stopped.
	"sleep": func() int {
		fmt.Println("started", os.Getpid())
		time.Sleep(time.Hour)
		return 0
	},
	// crash-after runs for STACKTEST_DELAY and then dies.
	"crash-after": func() int {
		fmt.Println("running")
		time.Sleep(helperDelay())
		fmt.Fprintln(os.Stderr, "panic: boom")
		return 3
	},
	// ignore-term ignores SIGTERM and spawns a grandchild that ignores it too.
	"ignore-term": func() int {
		signal.Ignore(syscall.SIGTERM)
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), helperEnv+"=ignore-term-child")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "starting grandchild:", err)
			return 1
		}
		fmt.Println("started", child.Process.Pid)
		time.Sleep(time.Hour)
		return 0
	},
	// orphan leaves a grandchild that ignores SIGTERM behind and exits successfully.
	"orphan": func() int {
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), helperEnv+"=ignore-term-child")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "starting grandchild:", err)
			return 1
		}
		fmt.Println("started", child.Process.Pid)
		return 0
	},
	// escape starts a grandchild in a session of its own (as PostgreSQL's backends do), out
	// of reach of signals to the group, and waits.
	"escape": func() int {
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), helperEnv+"=ignore-term-child")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "starting grandchild:", err)
			return 1
		}
		fmt.Println("started", child.Process.Pid)
		time.Sleep(time.Hour)
		return 0
	},
	"ignore-term-child": func() int {
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("grandchild ignoring SIGTERM")
		time.Sleep(time.Hour)
		return 0
	},
	// switch-to-root tries to run a command as root and prints the error.
	"switch-to-root": func() int {
		err := Run(context.Background(), Process{Name: "as-root", Argv: []string{"/bin/true"}, User: "root"})
		fmt.Println(err)
		if err == nil || !strings.Contains(err.Error(), `running as user "root" needs root`) {
			return 1
		}
		return 0
	},
	// namespaced-parent starts a process as nobody with a private hosts file (through the
	// namespace helper), prints its pid and waits to be killed.
	"namespaced-parent": func() int {
		binds, err := HostsBinds(os.Getenv("STACKTEST_DIR"), map[string]string{"db": "127.0.0.9"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		s, err := Start(context.Background(), []Process{{Name: "child", Argv: []string{"/bin/sleep", "3600"}, Dir: "/", User: "nobody", Binds: binds}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("child", s.PIDs()["child"])
		time.Sleep(time.Hour)
		return 0
	},
	// exit-with exits with STACKTEST_STATUS.
	"exit-with": func() int {
		status, _ := strconv.Atoi(os.Getenv("STACKTEST_STATUS"))
		fmt.Println("exiting with", status)
		return status
	},
}

func runHelper(mode string) int {
	h, ok := helpers[mode]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown helper", mode)
		return 99
	}
	return h()
}

func helperDelay() time.Duration {
	d, _ := time.ParseDuration(os.Getenv("STACKTEST_DELAY"))
	return d
}

func exitStatus(err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// helperProcess describes a fake process running mode, logging to a file in dir.
func helperProcess(t *testing.T, name, mode string, env ...string) Process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Process{
		Name:    name,
		Argv:    []string{exe},
		Env:     append(append(os.Environ(), helperEnv+"="+mode), env...),
		LogPath: t.TempDir() + "/" + name + ".log",
		Grace:   2 * time.Second,
	}
}

// processGone reports whether pid no longer runs (gone, or a zombie nobody reaped yet).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	e, err := procfs.Default.Stat(pid)
	return err != nil || !e.Alive()
}

// procStatus returns a field of /proc/<pid>/status, e.g. "Cpus_allowed_list".
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if value, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(value)
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return ""
}

// eventually polls cond until it holds or a loose bound passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
