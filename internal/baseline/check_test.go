package baseline

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/result"
)

// A baseline with values no measurement gives is bad input naming the file, the scenario
// and the metric: judged against it, all-zero throughput passed any head and a negative
// p99 passed, a missing metric or an empty scenario list made the verdict inconclusive.
func TestReadRefusesImpossibleValues(t *testing.T) {
	cases := []struct {
		name   string
		damage func(b *Baseline)
		want   []string // in the message besides the file
	}{
		{"throughput all 0", func(b *Baseline) { setSamples(b, "throughput", 0, 0, 0) }, []string{`scenario "json"`, `metric "throughput"`}},
		{"negative p99", func(b *Baseline) { setSamples(b, "p99", 0.1, -0.2, 0.1) }, []string{`scenario "json"`, `metric "p99"`, "negative"}},
		{"negative throughput", func(b *Baseline) { setSamples(b, "throughput", 100, -110, 120) }, []string{`metric "throughput"`, "negative"}},
		{"error rate above 100 %", func(b *Baseline) { setSamples(b, "error_rate", 0, 250, 0) }, []string{`metric "error_rate"`}},
		{"no scenarios", func(b *Baseline) { b.Scenarios = nil }, []string{"no scenarios"}},
		{"0 runs", func(b *Baseline) {
			b.Scenarios[0].Runs = 0
			for name, m := range b.Scenarios[0].Metrics {
				m.Samples = nil
				b.Scenarios[0].Metrics[name] = m
			}
		}, []string{`scenario "json"`, "0 runs"}},
		{"gated metric missing", func(b *Baseline) { delete(b.Scenarios[0].Metrics, "p99") }, []string{`scenario "json"`, `metric "p99"`, "missing"}},
		{"more errors than requests", func(b *Baseline) {
			b.Scenarios[0].Requests, b.Scenarios[0].Errors = []int64{10, 10, 10}, []int64{0, 11, 0}
		}, []string{`scenario "json"`, "11 errors of 10 requests"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := FromResult(sample(100, 110, 120), time.Now(), "demo.raw.json")
			if err != nil {
				t.Fatal(err)
			}
			c.damage(b)
			path := filepath.Join(t.TempDir(), "demo.json")
			data, _ := json.Marshal(b)
			os.WriteFile(path, data, 0o644)
			_, err = Read(path)
			var fe *result.FileError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %v does not name the file", err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if _, err := Parse("b.json", data); err == nil {
				t.Error("Parse accepted what Read refuses")
			}
		})
	}
}

func setSamples(b *Baseline, metric string, samples ...float64) {
	m := b.Scenarios[0].Metrics[metric]
	m.Samples = samples
	b.Scenarios[0].Metrics[metric] = m
}
