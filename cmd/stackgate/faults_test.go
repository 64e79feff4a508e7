package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/baseline"
	"github.com/stackgate/stackgate/internal/procfs"
	"github.com/stackgate/stackgate/internal/result"
)

// The fault-injection suite: signals at every phase, processes that misbehave, a database
// that dies, bad output directories and damaged baselines. After each fault it checks the
// exit code, the message, that no process stackgate started is left (the process table),
// that no file is left (every invocation gets a TMPDIR of its own), and that the previous
// baseline is intact.

// faultRun is one stackgate invocation under test, its stderr read line by line so that a
// fault can be injected at a given phase (-v prints every phase).
type faultRun struct {
	t      *testing.T
	tmp    string // the invocation's TMPDIR: its scratch directories live here
	out    string
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	stderr strings.Builder
	stdout bytes.Buffer
	done   chan struct{}
}

// isolatedTemp is a TMPDIR other users can traverse (PostgreSQL runs as postgres under
// root), so nothing falls back to /tmp where leftovers would go unseen.
func isolatedTemp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "faults-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func startFault(t *testing.T, env []string, args ...string) *faultRun {
	t.Helper()
	return startFaultIn(t, isolatedTemp(t), env, args...)
}

// startFaultIn starts an invocation whose TMPDIR is tmp.
func startFaultIn(t *testing.T, tmp string, env []string, args ...string) *faultRun {
	t.Helper()
	needPostgres(t)
	f := &faultRun{t: t, tmp: tmp, out: filepath.Join(t.TempDir(), "out"),
		lines: make(chan string, 1000), done: make(chan struct{})}
	args = append(args, "-v", "-out", f.out)
	f.cmd = exec.Command(binary, args...)
	f.cmd.Env = append(os.Environ(), append([]string{"TMPDIR=" + f.tmp}, env...)...)
	f.cmd.Stdout = &f.stdout
	pipe, err := f.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(f.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			f.mu.Lock()
			f.stderr.WriteString(sc.Text() + "\n")
			f.mu.Unlock()
			select {
			case f.lines <- sc.Text():
			default:
			}
		}
	}()
	return f
}

// waitFor reads stderr until a line contains text.
func (f *faultRun) waitFor(text string) {
	f.t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line := <-f.lines:
			if strings.Contains(line, text) {
				return
			}
		case <-f.done:
			f.t.Fatalf("stackgate ended before %q:\n%s", text, f.errText())
		case <-timeout:
			f.t.Fatalf("no %q within 2 minutes:\n%s", text, f.errText())
		}
	}
}

func (f *faultRun) errText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stderr.String()
}

func (f *faultRun) signal(sig syscall.Signal) {
	f.t.Helper()
	if err := f.cmd.Process.Signal(sig); err != nil {
		f.t.Fatal(err)
	}
}

// wait returns the exit code.
func (f *faultRun) wait() int {
	f.t.Helper()
	<-f.done
	err := f.cmd.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		f.t.Fatal(err)
	}
	return 0
}

// assertClean checks that nothing the invocation started is still running and nothing
// is left in its TMPDIR.
func (f *faultRun) assertClean() {
	f.t.Helper()
	if left := processesMentioning(f.tmp); len(left) > 0 {
		f.t.Errorf("processes left behind: %v", left)
	}
	if entries, _ := os.ReadDir(f.tmp); len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		f.t.Errorf("files left in TMPDIR: %v", names)
	}
}

// processesMentioning lists live (not zombie) processes whose command line mentions s,
// waiting briefly for processes that are on their way out.
func processesMentioning(s string) []string {
	var left []string
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		left = left[:0]
		procs, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range procs {
			cmdline, err := os.ReadFile(filepath.Join(p, "cmdline"))
			if err != nil || !bytes.Contains(cmdline, []byte(s)) {
				continue
			}
			if stat, err := os.ReadFile(filepath.Join(p, "stat")); err == nil && zombie(stat) {
				continue
			}
			left = append(left, filepath.Base(p)+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
	}
}

func zombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

func e2eArgs(extra ...string) []string {
	return append([]string{"run", "-config", filepath.Join("testdata", "e2e.toml"), "-quick", "-runs", "1", "-baselines", filepath.Join(os.TempDir(), "none")}, extra...)
}

// A signal at any phase stops everything stackgate started, removes its scratch
// directory, writes the partial result marked incomplete, and exits 130 (SIGINT), 143
// (SIGTERM) or 129 (SIGHUP).
func TestFaultSignalAtEveryPhase(t *testing.T) {
	cases := []struct {
		phase string // a line stackgate prints with -v
		sig   syscall.Signal
		twice bool
	}{
		{"build 1/1", syscall.SIGTERM, false},
		{"starting PostgreSQL", syscall.SIGINT, false},
		{"loading the dataset", syscall.SIGTERM, false},
		{"run 1: start", syscall.SIGINT, false}, // starting the stack, waiting for readiness
		{"run 1: warmup", syscall.SIGTERM, false},
		{"run 1: throughput", syscall.SIGINT, false},
		{"run 1: latency", syscall.SIGINT, true}, // a second SIGINT does not cut the cleanup short
		{"[2/2]", syscall.SIGTERM, false},        // measured: stopping, comparing, writing
		{"run 1: warmup", syscall.SIGHUP, false}, // the terminal went away
		{"starting PostgreSQL", syscall.SIGHUP, false},
	}
	for _, c := range cases {
		t.Run(c.phase+" "+c.sig.String(), func(t *testing.T) {
			f := startFault(t, nil, e2eArgs()...)
			f.waitFor(c.phase)
			f.signal(c.sig)
			if c.twice {
				time.Sleep(50 * time.Millisecond)
				f.signal(c.sig)
			}
			want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGHUP: 129}[c.sig]
			if code := f.wait(); code != want {
				t.Fatalf("exit %d, want %d\n%s", code, want, f.errText())
			}
			name := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP"}[c.sig]
			if !strings.Contains(f.errText(), "interrupted by "+name) {
				t.Errorf("stderr does not say it was interrupted:\n%s", f.errText())
			}
			f.assertClean()
			r, err := result.Read(filepath.Join(f.out, result.FileName))
			if err != nil {
				t.Fatalf("no result after the interrupt: %v", err)
			}
			if c.phase != "[2/2]" && (r.Complete || !strings.Contains(r.Error, "interrupted")) {
				t.Errorf("a partial result must be marked incomplete: complete=%v error=%q", r.Complete, r.Error)
			}
		})
	}
}

// A stack that crashes during the measurement is an error (exit 3) naming the process and
// showing its log's end — never a pass, never a regression.
func TestFaultStackCrashes(t *testing.T) {
	f := startFault(t, []string{"REFSTACK_CRASH_AFTER=300", "REFSTACK_KNOB_PATHS=/json"}, e2eArgs()...)
	if code := f.wait(); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, f.errText())
	}
	for _, want := range []string{`"app"`, "exited with status 3", "refstack"} {
		if !strings.Contains(f.errText(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, f.errText())
		}
	}
	f.assertClean()
}

// PostgreSQL killed in the middle of a run: the run is an error (exit 3) that names the
// database as the cause.
func TestFaultDatabaseKilled(t *testing.T) {
	f := startFault(t, nil, e2eArgs()...)
	f.waitFor("run 1: throughput")
	pm := postmasterLines(t, f.tmp)
	pid, err := strconv.Atoi(strings.TrimSpace(pm[0]))
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if code := f.wait(); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, f.errText())
	}
	if !strings.Contains(f.errText(), "PostgreSQL") {
		t.Errorf("stderr does not name the database:\n%s", f.errText())
	}
	f.assertClean()
	assertSegmentGone(t, pm)
}

// assertSegmentGone checks that the shared memory segment a postmaster.pid named (line 7,
// "key id") was removed, and removes it if not, so that a failing test leaks nothing.
func assertSegmentGone(t *testing.T, pm []string) {
	t.Helper()
	id, _ := strconv.Atoi(strings.Fields(pm[6])[1])
	segs, _ := procfs.Default.Segments()
	for _, s := range segs {
		if s.ID == id {
			t.Errorf("the killed PostgreSQL's shared memory segment %d is still there", id)
			syscall.Syscall(syscall.SYS_SHMCTL, uintptr(id), 0, 0) // IPC_RMID
		}
	}
}

// A port already taken by another program: the stack cannot start, which is an error
// (exit 3) with the process's own explanation from its log.
func TestFaultPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	suite := rewriteSuite(t, `"-addr", "{addr}"`, fmt.Sprintf(`"-addr", %q`, taken.Addr().String()))
	f := startFault(t, nil, "run", "-config", suite, "-quick", "-runs", "1", "-baselines", t.TempDir())
	if code := f.wait(); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, f.errText())
	}
	if !strings.Contains(f.errText(), "address already in use") {
		t.Errorf("stderr does not show why the process could not start:\n%s", f.errText())
	}
	f.assertClean()
}

// A process that ignores SIGTERM (and a child of it) is killed after its grace: the run
// completes and nothing is left.
func TestFaultChildIgnoresSIGTERM(t *testing.T) {
	suite := rewriteSuite(t, "[load]", `[[process]]
name = "stubborn"
run = ["sh", "-c", "trap '' TERM; sleep 3001 & exec sleep 3002"]
grace = "500ms"

[load]
target = "app"`)
	f := startFault(t, nil, "run", "-config", suite, "-quick", "-runs", "1", "-baselines", t.TempDir())
	if code := f.wait(); code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, f.errText())
	}
	for _, marker := range []string{"sleep 3001", "sleep 3002"} {
		if left := processesMentioning(marker); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	}
	f.assertClean()
}

// An output directory that cannot take files (a file in its place; a full file system) is
// bad input (exit 2), found before anything starts, and an earlier result stays intact.
func TestFaultUnusableOutputDirectory(t *testing.T) {
	needPostgres(t)
	t.Run("a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "out")
		os.WriteFile(file, []byte("x"), 0o644)
		inv := stackgate(t, nil, append(e2eArgs(), "-out", file)...)
		if inv.code != 2 || !strings.Contains(inv.stderr, "output directory") {
			t.Fatalf("exit %d\n%s", inv.code, inv.stderr)
		}
	})
	t.Run("full", func(t *testing.T) {
		dir := t.TempDir()
		if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).Run(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("mounting a tmpfs (stackgate's CI runs as root): %v", err)
			}
			t.Skipf("cannot mount a tmpfs here (needs root): %v", err)
		}
		defer exec.Command("umount", dir).Run()
		old := []byte(`{"schema": "stackgate.result/v1", "note": "the earlier result"}`)
		os.WriteFile(filepath.Join(dir, result.FileName), old, 0o644)
		fill, _ := os.Create(filepath.Join(dir, "fill"))
		fill.Write(make([]byte, 1<<20)) // fills the 64 KiB file system
		fill.Close()
		tmp := isolatedTemp(t)
		cmd := exec.Command(binary, append(e2eArgs(), "-out", dir)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "cannot take files") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		if now, _ := os.ReadFile(filepath.Join(dir, result.FileName)); !bytes.Equal(now, old) {
			t.Errorf("the earlier result changed: %s", now)
		}
		if left := processesMentioning(tmp); len(left) > 0 {
			t.Errorf("processes left: %v", left)
		}
	})
}

// Damaged baselines are refused before anything is measured (exit 2, the file named, and
// for impossible values the scenario and the metric) and left exactly as they were.
func TestFaultDamagedBaseline(t *testing.T) {
	needPostgres(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "e2e", "e2e.quick.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	cases := []struct{ name, content, want string }{
		{"truncated", `{"schema": "stackgate.baseline/v1", "suite": "e2e", "scenar`, "not a valid JSON file"},
		{"corrupted", "\x00\x01garbage\xff", "not a valid JSON file"},
		{"newer schema", `{"schema": "stackgate.baseline/v2", "suite": "e2e"}`, "newer stackgate"},
		{"older schema", `{"schema": "stackgate.baseline/v0", "suite": "e2e"}`, "older than this stackgate supports"},
		{"a verdict file", `{"schema": "stackgate.verdict/v1"}`, "a stackgate verdict file"},
		{"throughput all 0", damagedBaseline(t, func(b *baseline.Baseline) { setBaselineSamples(b, "throughput", 0) }), `scenario "json", run 1, metric "throughput": 0`},
		{"negative p99", damagedBaseline(t, func(b *baseline.Baseline) { setBaselineSamples(b, "p99", -1) }), `scenario "json", run 1, metric "p99": -1 is negative`},
		{"negative throughput", damagedBaseline(t, func(b *baseline.Baseline) { setBaselineSamples(b, "throughput", -100) }), `metric "throughput": -100 is negative`},
		{"no scenarios", damagedBaseline(t, func(b *baseline.Baseline) { b.Scenarios = nil }), "no scenarios"},
		{"0 runs", damagedBaseline(t, func(b *baseline.Baseline) {
			b.Scenarios[0].Runs = 0
			for name := range b.Scenarios[0].Metrics {
				setBaselineSamples(b, name)
			}
		}), `scenario "json": 0 runs`},
		{"a metric missing", damagedBaseline(t, func(b *baseline.Baseline) { delete(b.Scenarios[1].Metrics, "error_rate") }), `scenario "db", run 1, metric "error_rate": missing`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			content := c.content
			os.WriteFile(path, []byte(content), 0o644)
			tmp := isolatedTemp(t)
			cmd := exec.Command(binary, "run", "-config", filepath.Join("testdata", "e2e.toml"), "-quick", "-runs", "1",
				"-baselines", dir, "-runner", "e2e", "-out", t.TempDir())
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			start := time.Now()
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), path) {
				t.Fatalf("exit %d\n%s", code, out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Errorf("the message does not say %q:\n%s", c.want, out)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("refusing took %v: nothing should be measured", took)
			}
			if now, _ := os.ReadFile(path); string(now) != content {
				t.Error("the damaged baseline was changed")
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("something was started: %v", entries)
			}
		})
	}
}

// damagedBaseline is a baseline of the e2e suite (three runs of json and db, every metric
// gated by default) damaged by damage.
func damagedBaseline(t *testing.T, damage func(b *baseline.Baseline)) string {
	t.Helper()
	r := &result.Result{Schema: result.Schema, Suite: "e2e", Profile: "quick", DefinitionHash: "sha256:e2e", Complete: true}
	for _, name := range []string{"json", "db"} {
		sc := result.Scenario{Name: name}
		for i := 1; i <= 3; i++ {
			sc.Runs = append(sc.Runs, result.Run{Run: i, Metrics: map[string]float64{"throughput": 1000, "error_rate": 0, "p99": 1.5}})
		}
		r.Scenarios = append(r.Scenarios, sc)
	}
	b, err := baseline.FromResult(r, time.Now(), "e2e.quick.raw.json")
	if err != nil {
		t.Fatal(err)
	}
	damage(b)
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// setBaselineSamples sets every sample of metric in the first scenario to v (none: no
// samples).
func setBaselineSamples(b *baseline.Baseline, metric string, v ...float64) {
	m := b.Scenarios[0].Metrics[metric]
	m.Samples = nil
	for range b.Scenarios[0].Runs {
		m.Samples = append(m.Samples, v...)
	}
	b.Scenarios[0].Metrics[metric] = m
}

// rewriteSuite writes a copy of the e2e suite with one replacement, next to the original
// so that relative paths still hold.
func rewriteSuite(t *testing.T, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "e2e.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, old) {
		t.Fatalf("the e2e suite has no %q", old)
	}
	path := filepath.Join("testdata", fmt.Sprintf("fault-%d.toml", time.Now().UnixNano()))
	if err := os.WriteFile(path, []byte(strings.Replace(text, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	return path
}

// Daemons of the stack that leave their session and outlive the process that started them
// are stopped with the stack: stackgate adopts them (child subreaper). One daemon is left
// by a process that keeps running, one by a process that exits at once (an error, exit 3:
// the process died).
func TestFaultDaemonsEscapingTheStack(t *testing.T) {
	for _, c := range []struct {
		name, script string
		code         int
	}{
		{"left by a running process", "(setsid sleep %s &); exec sleep 1004", 0},
		{"left by a process that exits", "setsid sleep %s &", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			marker := fmt.Sprintf("1000.%06d", time.Now().UnixNano()%1e6)
			t.Cleanup(func() { killMentioning(marker) })
			suite := rewriteSuite(t, "[load]", fmt.Sprintf(`[[process]]
name = "daemonizer"
run = ["sh", "-c", %q]
grace = "500ms"

[load]
target = "app"`, fmt.Sprintf(c.script, marker)))
			f := startFault(t, nil, "run", "-config", suite, "-quick", "-runs", "1", "-baselines", t.TempDir())
			if code := f.wait(); code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, f.errText())
			}
			if left := processesMentioning(marker); len(left) > 0 {
				t.Errorf("daemon left behind: %v", left)
			}
			f.assertClean()
		})
	}
}

// killMentioning kills the processes whose command line mentions s (a test's leftovers).
func killMentioning(s string) {
	for _, p := range processesMentioning(s) {
		pid, _ := strconv.Atoi(strings.SplitN(p, ":", 2)[0])
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
