package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stackgate/stackgate/internal/doctor"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/pg"
)

// fakeRunner is a 2-CPU machine whose CPU frequency scales (an invalidating finding)
// unless tuned; the clock advances between doctor's two samples.
func fakeRunner(tuned bool) machineView {
	governor := "powersave\n"
	if tuned {
		governor = "performance\n"
	}
	stat := func(total int) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(fmt.Sprintf("cpu  %d 0 0 %d 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n", total/4, total-total/4))}
	}
	tree := fstest.MapFS{
		"proc/stat":    stat(100000),
		"proc/loadavg": {Data: []byte("0.05 0.10 0.10 1/100 42\n")},
		"sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": {Data: []byte(governor)},
		"sys/devices/system/cpu/cpu1/cpufreq/scaling_governor": {Data: []byte(governor)},
	}
	return machineView{
		root:      tree,
		openFiles: func() (doctor.Limit, error) { return doctor.Limit{Soft: 1024, Hard: 4096}, nil },
		wait:      func() { tree["proc/stat"] = stat(100200) },
	}
}

// doctorRun runs the doctor command on a fake machine and returns its exit code and output.
func doctorRun(view machineView, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut, getenv: testGetenv}
	ctx := context.Background()
	err := runDoctor(ctx, e, args, view)
	if err != nil {
		fmt.Fprintf(&errOut, "stackgate: %v\n", err)
	}
	return exitCode(ctx, err), out.String(), errOut.String()
}

func TestDoctorCommand(t *testing.T) {
	suite := filepath.Join("..", "..", "cmd", "stackgate", "testdata", "e2e.toml")
	cases := []struct {
		name   string
		tuned  bool
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"findings with their fixes", false, nil, ExitOK, "bad      cpu governor", ""},
		{"the fix is the command", false, nil, ExitOK, "fix: sudo cpupower frequency-set -g performance", ""},
		{"-strict fails on a bad finding", false, []string{"-strict"}, ExitRegression, "bad      cpu governor", "would invalidate measurements (-strict): cpu governor"},
		{"-strict passes a tuned runner", true, []string{"-strict"}, ExitOK, "ok       cpu governor", ""},
		{"no stackgate.toml here: pinning unknown", true, nil, ExitOK, "unknown  cpu pinning", ""},
		{"the suite's pinning", true, []string{"-config", suite}, ExitOK, "ok       cpu pinning                   not partitioned", ""},
		{"a named config must exist", true, []string{"-config", "/nonexistent/stackgate.toml"}, ExitBadInput, "", "/nonexistent/stackgate.toml"},
		{"-runs needs -noise", true, []string{"-runs", "3"}, ExitBadInput, "", "-runs needs -noise"},
		{"-target is a percentage", true, []string{"-noise", "-target", "five"}, ExitBadInput, "", `-target "five"`},
		{"-noise needs a suite", true, []string{"-noise", "-config", "/nonexistent/stackgate.toml"}, ExitBadInput, "", "/nonexistent/stackgate.toml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := doctorRun(fakeRunner(c.tuned), c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
		})
	}
}

func TestDoctorJSON(t *testing.T) {
	code, out, errOut := doctorRun(fakeRunner(false), "-json", "-strict")
	if code != ExitRegression {
		t.Errorf("exit %d, want %d (-strict with a bad finding); stderr:\n%s", code, ExitRegression, errOut)
	}
	var report struct {
		Findings []doctor.Finding `json:"findings"`
		Noise    *json.RawMessage `json:"noise"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(report.Findings) != 13 || report.Noise != nil {
		t.Errorf("%d findings and noise %v: want 13 and no noise", len(report.Findings), report.Noise)
	}
	for _, f := range report.Findings {
		if f.Name == "cpu governor" && (f.Status != doctor.Bad || f.Fix == "") {
			t.Errorf("governor %+v: want bad with a fix", f)
		}
	}
}

// TestDoctorNoiseEndToEnd measures a real A/A series of the e2e suite (-quick) and checks
// that the report covers every scenario and gated metric with a finite detectable
// regression.
func TestDoctorNoiseEndToEnd(t *testing.T) {
	if _, err := pg.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
	suite := filepath.Join("..", "..", "cmd", "stackgate", "testdata", "e2e.toml")
	out := t.TempDir()
	code, stdout, stderr := run("doctor", "-noise", "-quick", "-runs", "4", "-json", "-config", suite, "-out", out)
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var report struct {
		Findings []doctor.Finding `json:"findings"`
		Noise    struct {
			Runs      int `json:"runs"`
			Gated     int `json:"gated"`
			Scenarios []struct {
				Name    string `json:"name"`
				Metrics []struct {
					Metric     string   `json:"metric"`
					Gated      bool     `json:"gated"`
					CV         *float64 `json:"cv"`
					Detectable *float64 `json:"detectable"`
				} `json:"metrics"`
			} `json:"scenarios"`
		} `json:"noise"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if len(report.Findings) != 13 || report.Noise.Runs != 7 || report.Noise.Gated != 6 {
		t.Errorf("%d findings, gate of %d runs over %d gated metrics: want 13, the quick profile's 7 runs, 2 scenarios × 3",
			len(report.Findings), report.Noise.Runs, report.Noise.Gated)
	}
	gated := map[string]bool{}
	for _, sc := range report.Noise.Scenarios {
		for _, m := range sc.Metrics {
			if !m.Gated {
				continue
			}
			gated[sc.Name+" "+m.Metric] = true
			if m.CV == nil || m.Detectable == nil || math.IsInf(*m.Detectable, 0) || *m.Detectable < 0 {
				t.Errorf("%s %s: cv %v, detectable %v: want finite numbers", sc.Name, m.Metric, m.CV, m.Detectable)
			}
		}
	}
	for _, sc := range []string{"json", "db"} {
		for _, m := range []string{metric.Throughput, metric.ErrorRate, metric.P99} {
			if !gated[sc+" "+m] {
				t.Errorf("the report lacks %s %s (has %v)", sc, m, gated)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "stackgate-result.json")); err != nil {
		t.Errorf("the A/A series' result was not written: %v", err)
	}
}
