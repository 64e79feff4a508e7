package doctor

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name (go test -update rewrites it).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestRenderFindings: a noisy VM-like runner with one invalidating finding.
func TestRenderFindings(t *testing.T) {
	tree := healthy()
	tree["sys/devices/system/cpu/intel_pstate/no_turbo"] = file("0\n")
	tree["sys/devices/system/cpu/smt/control"] = file("on\n")
	tree["proc/sys/net/ipv4/tcp_max_syn_backlog"] = file("512\n")
	tree["proc/777/stat"] = pidStat(777, "backup job", 1000)
	delete(tree, "sys/class/dmi/id/sys_vendor")
	delete(tree, "sys/class/dmi/id/product_name")
	opt := healthyOptions(tree)
	opt.Suite.Processes = append(opt.Suite.Processes, config.Process{Name: "worker"})
	opt.OpenFiles = func() (Limit, error) { return Limit{Soft: 1024, Hard: 524288}, nil }
	opt.Wait = func() {
		advance(tree)()
		tree["proc/777/stat"] = pidStat(777, "backup job", 1095)
	}
	var b bytes.Buffer
	if err := Render(&b, Check(tree, opt)); err != nil {
		t.Fatal(err)
	}
	golden(t, "findings.golden", b.Bytes())
}

func TestRenderNoise(t *testing.T) {
	scenarios := map[string]map[string][]float64{
		"json": {
			metric.Throughput: withCV(8, 28600, 0.005),
			metric.ErrorRate:  make([]float64, 8),
			metric.P50:        withCV(8, 0.21, 0.05),
			metric.P99:        withCV(8, 0.76, 0.12),
			metric.RSSGrowth:  withCV(8, 30, 0.5),
		},
		"db": {
			metric.Throughput: withCV(8, 12700, 0.03),
			metric.ErrorRate:  {0, 0, 0, 0.02, 0, 0, 0, 0},
			metric.P99:        withCV(8, 1.03, 0.04),
		},
	}
	res := series(scenarios, "json", "db")
	res.Suite, res.Profile = "e2e", config.ProfileQuick
	r := Noise(res, NoiseOptions{Rules: defaultRules(), Runs: 8, MaxRuns: 8, Target: 5, Trials: testTrials})
	var b bytes.Buffer
	if err := RenderNoise(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "noise.golden", b.Bytes())

	r = Noise(res, NoiseOptions{Rules: defaultRules(), Runs: 12, MaxRuns: 24, Trials: testTrials})
	b.Reset()
	if err := RenderNoise(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "noise-confirmation.golden", b.Bytes())

	// Against a stored baseline that assumes 3 % drift between invocations.
	r = Noise(res, NoiseOptions{Rules: defaultRules(), Runs: 12, MaxRuns: 24, Trials: testTrials, Drift: 3})
	b.Reset()
	if err := RenderNoise(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "noise-drift.golden", b.Bytes())

	// In A/B mode, a duet: 12 pairs per scenario, the head's runs 2 % off the base's
	// and back again around the same level.
	head := series(scenarios12(), "json", "db")
	base := series(scenarios12(), "json", "db")
	for i := range head.Scenarios {
		for j := range head.Scenarios[i].Runs {
			f := 1 + 0.02*float64(j%2*2-1)
			for name := range head.Scenarios[i].Runs[j].Metrics {
				head.Scenarios[i].Runs[j].Metrics[name] *= f
			}
		}
	}
	head.Suite, head.Profile = "e2e", config.ProfileFull
	head.Definition = config.Definition{"load.duet": "true"}
	head.Git, base.Git = result.Git{Revision: "abc123", Dirty: true}, result.Git{Revision: "abc123"}
	r = Noise(head, NoiseOptions{Rules: defaultRules(), Runs: 12, MaxRuns: 24, Trials: testTrials, Base: base})
	b.Reset()
	if err := RenderNoise(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "noise-ab.golden", b.Bytes())
}

// scenarios12 are 12 runs of two scenarios with much run-to-run noise.
func scenarios12() map[string]map[string][]float64 {
	return map[string]map[string][]float64{
		"json": {metric.Throughput: withCV(12, 28600, 0.10), metric.ErrorRate: make([]float64, 12), metric.P99: withCV(12, 0.76, 0.12)},
		"db":   {metric.Throughput: withCV(12, 12700, 0.15), metric.ErrorRate: make([]float64, 12), metric.P99: withCV(12, 1.03, 0.2)},
	}
}

// TestREADMENoiseExample: the README's excerpt of a noise report is what RenderNoise
// writes (lines of testdata/noise.golden).
func TestREADMENoiseExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := bytes.Cut(readme, []byte("```\nscenario  metric"))
	if !ok {
		t.Fatal("the README shows no noise report")
	}
	example, _, _ = bytes.Cut(example, []byte("```"))
	report, err := os.ReadFile(filepath.Join("testdata", "noise.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(example), []byte("\n")) {
		if !bytes.Contains(report, append(line, '\n')) {
			t.Errorf("the README shows %q, which the noise report does not contain", line)
		}
	}
}

func TestTargetLine(t *testing.T) {
	cases := []struct {
		report NoiseReport
		want   string
	}{
		{NoiseReport{RunsForTarget: 9}, "runs per side for every gated metric to detect the warn tolerance: 9 ([gate] runs = 9)\n"},
		{NoiseReport{RunsForTarget: 9, Target: 5, OutOfReach: []string{"db p99"}},
			"runs per side for the other gated metrics to detect 5 % (absolute metrics: the warn tolerance): 9\n" +
				"out of reach with up to 50 runs: db p99 — quieten the runner (stackgate doctor) or widen the tolerance\n"},
		{NoiseReport{OutOfReach: []string{"db p99"}}, "out of reach with up to 50 runs: db p99 — quieten the runner (stackgate doctor) or widen the tolerance\n"},
		{NoiseReport{}, ""},
	}
	for _, c := range cases {
		if got := c.report.targetLine(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
