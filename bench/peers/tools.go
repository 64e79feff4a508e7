package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
)

// target is a running bench/target.
type target struct {
	cmd  *exec.Cmd
	addr string
}

// startTarget starts bench/target pinned to cpu on a free loopback port and waits until
// it listens.
func startTarget(c config, extra ...string) (*target, error) {
	args := append([]string{"-c", c.targetCPU, c.target, "-addr", "127.0.0.1:0"}, extra...)
	cmd := exec.Command("taskset", args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the target: %w", err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- addr
			}
		}
	}()
	select {
	case addr := <-lines:
		return &target{cmd: cmd, addr: addr}, nil
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the target did not start listening within 10s")
	}
}

// endpoint is what a run loads: a URL, and the CPU time its server has used so far (0
// when not known).
type endpoint interface {
	url() string
	cpu() time.Duration
}

func (t *target) url() string { return "http://" + t.addr + "/hello" }

// cpu is the CPU time the target has used so far, measured as stackgate measures a
// stack's.
func (t *target) cpu() time.Duration {
	u, err := procfs.Default.Tree(t.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return u.CPU
}

func (t *target) stop() {
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = t.cmd.Process.Kill()
		<-done
	}
}

// measured is one run of one tool.
type measured struct {
	tool      string
	requests  int64
	seconds   float64
	cpu       time.Duration // user + system time of the tool's process
	maxRSS    int64         // bytes
	targetCPU time.Duration
	sg        *sgReport // stackgate load's JSON
	wrk       map[string]float64
	errors    int64 // wrk: socket errors and non-2xx/3xx answers
}

func (m measured) cpuPerRequest() float64    { return perRequest(m.cpu, m.requests) }
func (m measured) targetPerRequest() float64 { return perRequest(m.targetCPU, m.requests) }
func (m measured) throughput() float64 {
	if m.seconds <= 0 {
		return 0
	}
	return float64(m.requests) / m.seconds
}

func perRequest(d time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(time.Microsecond) / float64(n)
}

// runPinned runs argv pinned to cpu and returns its output and resource use.
func runPinned(cpu string, env []string, argv ...string) (string, *syscall.Rusage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", cpu}, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if cmd.ProcessState == nil {
		return "", nil, err
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = strings.TrimSpace(string(ee.Stderr))
		}
		return string(out), ru, fmt.Errorf("%s: %w %s", argv[0], err, stderr)
	}
	return string(out), ru, nil
}

func cpuOf(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sgReport is the part of stackgate load's JSON the comparison reads.
type sgReport struct {
	Requests   int64   `json:"requests"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput"`
	Sent       int64   `json:"sent"`
	Backlogged int64   `json:"backlogged"`
	Unsent     int64   `json:"unsent"`
	Errors     map[string]int64
	Latency    struct{ Mean, P50, P90, P95, P99, Max float64 } `json:"latency_ms"`
	Lateness   *struct{ P50, P99, Max float64 }                `json:"lateness_ms"`
	Generator  struct {
		Busiest float64 `json:"busiest_loop_cpu_share"`
	} `json:"generator"`
	Saturated string `json:"saturated"`
}

// runStackgate runs stackgate load with args (-json is added); a saturated run still
// reports its numbers.
func runStackgate(c config, t endpoint, args ...string) (measured, error) {
	cpu0 := t.cpu()
	argv := append([]string{c.stackgate, "load", "-json"}, args...)
	out, ru, err := runPinned(c.genCPU, nil, append(argv, t.url())...)
	m := measured{tool: "stackgate load", targetCPU: t.cpu() - cpu0}
	var r sgReport
	if jerr := json.Unmarshal([]byte(out), &r); jerr != nil {
		if err == nil {
			err = jerr
		}
		return m, err
	}
	m.sg, m.requests, m.seconds, m.cpu, m.maxRSS = &r, r.Requests, r.Seconds, cpuOf(ru), ru.Maxrss*1024
	return m, nil
}

var wrkRequests = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m|h)`)

// runWrk runs wrk with args on c.threads threads (one by default: it is pinned to one
// CPU anyway).
func runWrk(c config, t endpoint, env []string, args ...string) (measured, error) {
	cpu0 := t.cpu()
	argv := append([]string{c.wrk, "-t" + strconv.Itoa(max(c.threads, 1))}, args...)
	out, ru, err := runPinned(c.genCPU, env, append(argv, t.url())...)
	m := measured{tool: "wrk", targetCPU: t.cpu() - cpu0}
	if err != nil {
		return m, err
	}
	req, secs, err := parseWrk(out)
	if err != nil {
		return m, err
	}
	m.requests, m.seconds, m.cpu, m.maxRSS = req, secs, cpuOf(ru), ru.Maxrss*1024
	m.wrk, m.errors = parseStats(out), wrkErrors(out)
	return m, nil
}

// parseWrk reads "N requests in 10.01s" from wrk's output.
func parseWrk(out string) (int64, float64, error) {
	g := wrkRequests.FindStringSubmatch(out)
	if g == nil {
		return 0, 0, fmt.Errorf("no request count in wrk's output:\n%s", out)
	}
	n, _ := strconv.ParseInt(g[1], 10, 64)
	v, _ := strconv.ParseFloat(g[2], 64)
	unit := map[string]float64{"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[g[3]]
	return n, v * unit, nil
}

var (
	wrkSocketErrors = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx       = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// wrkErrors counts the failures wrk reports: socket errors and non-2xx/3xx answers.
func wrkErrors(out string) int64 {
	var n int64
	for _, g := range append(wrkSocketErrors.FindAllStringSubmatch(out, -1), wrkNon2xx.FindAllStringSubmatch(out, -1)...) {
		for _, v := range g[1:] {
			k, _ := strconv.ParseInt(v, 10, 64)
			n += k
		}
	}
	return n
}

// parseStats reads the "stats k=v ..." line of wrk-pace.lua.
func parseStats(out string) map[string]float64 {
	stats := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "stats ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			stats[k], _ = strconv.ParseFloat(v, 64)
		}
	}
	return stats
}

func toolVersions(c config) string {
	out, _ := exec.Command(c.wrk, "--version").CombinedOutput()
	first, _, _ := strings.Cut(string(out), "\n")
	sg, _ := exec.Command(c.stackgate, "version").Output()
	return strings.TrimSpace(first) + "; " + strings.TrimSpace(string(sg))
}
