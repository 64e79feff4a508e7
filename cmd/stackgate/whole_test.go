package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stackgate/stackgate/internal/compare"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// Each knob of the reference stack moves the whole-stack metric it should, and the gate
// fails on that metric: memory that grows per request, an extra query per request, CPU
// burnt per request. One baseline serves every case.
func TestWholeStackMetricsCatchKnobs(t *testing.T) {
	needPostgres(t)
	dir := t.TempDir()
	whole := func(env []string, args ...string) invocation {
		t.Helper()
		args = append(args, "-config", filepath.Join("testdata", "whole.toml"), "-quick",
			"-out", filepath.Join(dir, "out"), "-baselines", filepath.Join(dir, "baselines"), "-runner", "e2e")
		return stackgate(t, env, args...)
	}
	if rec := whole(nil, "baseline", "update"); rec.code != 0 {
		t.Fatalf("baseline update: exit %d\n%s\n%s", rec.code, rec.stdout, rec.stderr)
	}
	// Each case measures only the scenario its knob is on (a shard of the suite: json is
	// 1/2, db 2/2), which halves the time.
	cases := []struct {
		name     string
		env      []string
		shard    string
		scenario string
		metric   string
	}{
		{"memory leak", []string{"REFSTACK_LEAK_KB=4", "REFSTACK_KNOB_PATHS=/json"}, "1/2", "json", metric.RSSGrowth},
		{"extra query", []string{"REFSTACK_EXTRA_QUERIES=1", "REFSTACK_KNOB_PATHS=/db"}, "2/2", "db", metric.QueriesPerRequest},
		{"CPU per request", []string{"REFSTACK_CPU_US=400", "REFSTACK_KNOB_PATHS=/json"}, "1/2", "json", metric.CPUPerRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := whole(c.env, "run", "-shard", c.shard)
			if inv.code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", inv.code, inv.stdout, inv.stderr)
			}
			v := readVerdict(t, filepath.Join(dir, "out"))
			m := findMetric(v, c.scenario, c.metric)
			if m == nil || m.Level != compare.Fail {
				t.Fatalf("%s %s: %+v", c.scenario, c.metric, m)
			}
		})
	}
}

func findMetric(v *compare.Verdict, scenario, name string) *compare.MetricVerdict {
	for _, sc := range v.Scenarios {
		for i := range sc.Metrics {
			if sc.Name == scenario && sc.Metrics[i].Metric == name {
				return &sc.Metrics[i]
			}
		}
	}
	return nil
}

// The database view works through an existing pool: refstack → pgbouncer → PostgreSQL.
// Statements per request stay exact, and the sessions in use are the pool's, not the app's.
func TestThroughPgbouncer(t *testing.T) {
	needPgbouncer(t)
	out := t.TempDir()
	inv := stackgate(t, nil, "run", "-config", filepath.Join("testdata", "pgbouncer.toml"), "-quick", "-out", out, "-baselines", t.TempDir())
	if inv.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", inv.code, inv.stdout, inv.stderr)
	}
	r, err := result.Read(filepath.Join(out, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range r.Scenario("queries").Runs {
		if q := run.Metrics[metric.QueriesPerRequest]; q != 5 {
			t.Errorf("run %d: %g statements per request through pgbouncer, want exactly 5", run.Run, q)
		}
		if s := run.Metrics[metric.SessionsPeak]; s < 1 || s > 3 {
			t.Errorf("run %d: %g database sessions, want the pool's 1..3 (the app has 6 connections)", run.Run, s)
		}
	}
}

// needPgbouncer skips without PostgreSQL or pgbouncer locally; under CI=true it fails.
func needPgbouncer(t *testing.T) {
	t.Helper()
	needPostgres(t)
	if _, err := exec.LookPath("pgbouncer"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgbouncer is required in CI (.ci/run installs it): %v", err)
		}
		t.Skipf("pgbouncer is not installed (apt-get install pgbouncer): %v", err)
	}
}
