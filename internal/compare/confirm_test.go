package compare

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/stackgate/stackgate/internal/metric"
)

func TestStages(t *testing.T) {
	first, second := Stages(0.01)
	if first != (Stage{Alpha: 0.005}) || second != (Stage{Alpha: 0.005, Bonferroni: true}) {
		t.Errorf("stages %+v %+v", first, second)
	}
}

func TestNeedsConfirmation(t *testing.T) {
	noisyWorse := with(quiet(), metric.P99, scaled(wide(50), 1.08)) // beyond warn (5 %), not significant
	base := newResult(
		scenario{"clear", quiet()}, scenario{"noisy", with(quiet(), metric.P99, wide(50))},
		scenario{"failing", quiet()}, scenario{"better", with(quiet(), metric.P99, wide(50))},
		scenario{"ungated", with(quiet(), metric.P50, wide(20))},
	)
	head := newResult(
		scenario{"clear", quiet()}, scenario{"noisy", noisyWorse},
		scenario{"failing", with(quiet(), metric.P99, scaled(spread(50), 1.3))},
		scenario{"better", with(quiet(), metric.P99, scaled(wide(50), 0.9))},
		scenario{"ungated", with(quiet(), metric.P50, scaled(wide(20), 1.3))},
	)
	first, _ := Stages(0.01)
	v := CompareStage(Input{Base: base, Head: head}, defaultRules(), first)
	if got := NeedsConfirmation(v); !slices.Equal(got, []string{"noisy"}) {
		t.Errorf("needs confirmation %q, want [noisy]", got)
	}
	if findScenario(v, "noisy").Level != Pass {
		t.Errorf("noisy: %s, want pass until confirmed", findScenario(v, "noisy").Level)
	}
}

func TestNeedsConfirmationSkipsUncomparable(t *testing.T) {
	base := newResult(scenario{"db", with(quiet(), metric.P99, wide(50))})
	head := newResult(scenario{"db", with(quiet(), metric.P99, scaled(wide(50), 1.2))})
	head.Fingerprint.Runner = "elsewhere"
	if got := NeedsConfirmation(Compare(Input{Base: base, Head: head}, defaultRules())); len(got) > 0 {
		t.Errorf("needs confirmation %q on another machine", got)
	}
}

// TestMerge runs the two stages the way the gate does and checks what the merged verdict
// keeps from each.
func TestMerge(t *testing.T) {
	rules := defaultRules()
	first, second := Stages(rules.Alpha)
	base := newResult(
		scenario{"warned", quiet()},
		scenario{"noisy", with(quiet(), metric.P99, repeatSpread(50, 0.05))},
		scenario{"calm", with(quiet(), metric.P99, wide(50))},
	)
	head1 := newResult(
		scenario{"warned", with(quiet(), metric.Throughput, scaled(spread(1000), 0.97))},
		scenario{"noisy", with(quiet(), metric.P99, scaled(repeatSpread(50, 0.05), 1.2))},
		scenario{"calm", with(quiet(), metric.P99, scaled(wide(50), 1.2))},
	)
	v1 := CompareStage(Input{Base: base, Head: head1}, rules, first)
	if findScenario(v1, "warned").Level != Warn || findScenario(v1, "noisy").Level != Inconclusive {
		t.Fatalf("stage 1: warned %s, noisy %s", findScenario(v1, "warned").Level, findScenario(v1, "noisy").Level)
	}
	again := NeedsConfirmation(v1)
	if !slices.Equal(again, []string{"noisy", "calm"}) {
		t.Fatalf("needs confirmation %q", again)
	}
	again = []string{"warned", "noisy"} // the gate may re-run any scenario; calm is left alone

	// Stage 2: the added runs show warned back to normal and noisy clearly regressed.
	head2 := newResult(
		scenario{"warned", quiet()},
		scenario{"noisy", with(quiet(), metric.P99, tight(100, 20))},
		scenario{"calm", quiet()},
	)
	head2.Scenarios[1].Runs = append(head1.Scenarios[1].Runs, head2.Scenarios[1].Runs...)
	v2 := CompareStage(Input{Base: base, Head: head2}, rules, second)
	c := Confirmation{Scenarios: again, AddedRuns: 20, StageAlpha: second.Alpha}
	v := Merge(v1, v2, c)

	if v.Alpha != rules.Alpha || v.Confirmation == nil || v.Confirmation.AddedRuns != 20 || !slices.Equal(v.Confirmation.Scenarios, again) {
		t.Errorf("alpha %v, confirmation %+v", v.Alpha, v.Confirmation)
	}
	if s := findScenario(v, "warned"); s.Level != Warn || findMetric(v, "warned", metric.Throughput).Head.N != 10 {
		t.Errorf("warned: %s, want the stage-1 warn kept with its evidence: %s", s.Level, s.Reason)
	}
	if s := findScenario(v, "noisy"); s.Level != Fail || findMetric(v, "noisy", metric.P99).Head.N != 30 {
		t.Errorf("noisy: %s %s, want stage 2's fail on 30 runs", s.Level, s.Reason)
	}
	if s := findScenario(v, "calm"); s.Level != Inconclusive {
		t.Errorf("calm: %s, want stage 1's level (not re-run)", s.Level)
	}
	if v.Level != Fail || v.Reason != "noisy "+findMetric(v, "noisy", metric.P99).Reason+"; 1 more regression; 1 inconclusive" {
		t.Errorf("verdict %s %q", v.Level, v.Reason)
	}
	if findScenario(v1, "noisy").Level != Inconclusive {
		t.Errorf("Merge changed its input")
	}
}

// tight is n values around v within ±0.45 %.
func tight(v float64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = v * (1 + (float64(i%10)-4.5)*0.001)
	}
	return xs
}

func TestMergeKeepsErrors(t *testing.T) {
	base := newResult(scenario{"db", quiet()})
	v1 := Compare(Input{Base: base, Head: newResult(scenario{"db", quiet()})}, defaultRules())
	head2 := newResult(scenario{"db", quiet()})
	head2.Complete, head2.Error = false, "interrupted"
	v2 := Compare(Input{Base: base, Head: head2}, defaultRules())
	if v := Merge(v1, v2, Confirmation{Scenarios: []string{"db"}, AddedRuns: 10}); v.Level != Error || v.Reason != "interrupted" {
		t.Errorf("merged %s %q", v.Level, v.Reason)
	}
}

func TestVerdictJSON(t *testing.T) {
	base := newResult(scenario{"db", with(quiet(), metric.P999, repeat(0, 10))})
	head := newResult(scenario{"db", with(quiet(), metric.P999, spread(3))})
	point := HistoryPoint{Recorded: testStart, DefinitionHash: testDefinitionHash, Medians: map[string]map[string]float64{"db": {metric.P999: 0}}}
	history := []HistoryPoint{point, point}
	v := Compare(Input{Base: base, Head: head, History: history}, defaultRules())
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("a verdict with an infinite change must be writable: %v", err)
	}
	var back Verdict
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	mv := findMetric(&back, "db", metric.P999)
	if !math.IsInf(mv.Change, 1) || !math.IsInf(mv.Drift.Change, 1) || mv.Reason != findMetric(v, "db", metric.P999).Reason {
		t.Errorf("read back %+v", mv)
	}
	if tp := findMetric(&back, "db", metric.Throughput); tp.Change != findMetric(v, "db", metric.Throughput).Change || tp.Head != findMetric(v, "db", metric.Throughput).Head {
		t.Errorf("finite values changed: %+v", tp)
	}
}

func TestUnknownMetricIsReported(t *testing.T) {
	base := newResult(scenario{"db", with(quiet(), "stack_cpu_us", spread(120))})
	head := newResult(scenario{"db", with(quiet(), "stack_cpu_us", scaled(spread(120), 2))})
	v := Compare(Input{Base: base, Head: head}, defaultRules())
	mv := findMetric(v, "db", "stack_cpu_us")
	if mv == nil || mv.Gated || mv.Level != Pass || mv.Better != BetterInfo || !mv.Significant {
		t.Errorf("unknown metric: %+v", mv)
	}
	if names := v.Scenarios[0].Metrics; names[len(names)-1].Metric != "stack_cpu_us" {
		t.Errorf("unknown metrics come after the catalogue's")
	}
}
