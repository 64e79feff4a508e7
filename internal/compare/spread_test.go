package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/metric"
	"github.com/stackgate/stackgate/internal/result"
)

// rulesWithDrift are the default rules assuming drift percent between invocations.
func rulesWithDrift(drift float64) Rules {
	return RulesFromConfig(config.Gate{Alpha: config.DefaultAlpha, Drift: &drift})
}

// recordings is a baseline history of n recordings of the test definition whose db
// throughput medians are 1000 moved by the relative steps given, cycled.
func recordings(n int, steps ...float64) []HistoryPoint {
	var out []HistoryPoint
	for i := range n {
		m := 1000 * (1 + steps[i%len(steps)])
		out = append(out, HistoryPoint{Recorded: testStart, DefinitionHash: testDefinitionHash,
			Medians: map[string]map[string]float64{"db": {metric.Throughput: m, metric.P99: 50}}})
	}
	return out
}

func TestSpreadBetweenInvocations(t *testing.T) {
	minus3 := newResult(scenario{"db", with(quiet(), metric.Throughput, scaled(spread(1000), 0.969))})
	minus20 := newResult(scenario{"db", with(quiet(), metric.Throughput, scaled(spread(1000), 0.8))})
	base := newResult(scenario{"db", quiet()})
	tests := []struct {
		name       string
		head       *result.Result
		history    []HistoryPoint
		drift      float64
		mode       string
		level      Level
		recordings int    // of the throughput's spread; -1: no spread
		reason     string // a part of the throughput's reason
		tooNoisy   bool   // the verdict warns that the baseline drifts too much to gate
	}{
		// The runs alone call −3.1 % a warn; 3 % drift between invocations can hide it.
		{"assumed drift hides a small change", minus3, nil, 3, ModeBaseline, Pass, 0,
			"drift ±3.0 % between invocations assumed (gate.drift), p=0.23", true},
		{"assumed drift does not hide a large one", minus20, nil, 3, ModeBaseline, Fail, 0, "p=", true},
		{"no drift: the runs decide", minus3, nil, 0, ModeBaseline, Warn, -1, "p=0.0000054, beyond the warn tolerance", false},
		// Five recordings that agree within ±0.2 % replace the assumption.
		{"a steady history", minus3, recordings(5, 0.002, -0.002, 0), 3, ModeBaseline, Warn, 5, "drift ±0.2 % between 5 recordings of the baseline, p=0.00019, beyond the warn tolerance", false},
		{"a drifting history", minus3, recordings(4, 0.04, -0.04), 0, ModeBaseline, Pass, 4,
			"drift ±4.6 % between 4 recordings of the baseline", true},
		// Two recordings are too few to estimate from: the assumption stands.
		{"a short history", minus3, recordings(2, 0), 3, ModeBaseline, Pass, 0, "assumed (gate.drift)", true},
		// A/B mode measures both sides in one sitting: no drift between them.
		{"A/B mode", minus3, nil, 3, ModeAB, Warn, -1, "10 pairs, p=0.00098", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Compare(Input{Base: base, Head: tt.head, History: tt.history, Mode: tt.mode}, rulesWithDrift(tt.drift))
			mv := findMetric(v, "db", metric.Throughput)
			if mv.Level != tt.level || !strings.Contains(mv.Reason, tt.reason) {
				t.Errorf("throughput %s %q, want %s containing %q", mv.Level, mv.Reason, tt.level, tt.reason)
			}
			switch {
			case tt.recordings < 0 && mv.Spread != nil:
				t.Errorf("spread %+v, want none", mv.Spread)
			case tt.recordings >= 0 && (mv.Spread == nil || mv.Spread.Recordings != tt.recordings):
				t.Errorf("spread %+v, want one from %d recordings", mv.Spread, tt.recordings)
			}
			warned := slices.ContainsFunc(v.Warnings, func(w string) bool {
				return strings.Contains(w, "moves too much between invocations") && strings.Contains(w, "db throughput")
			})
			if warned != tt.tooNoisy {
				t.Errorf("warnings %q, want the drift warning: %t", v.Warnings, tt.tooNoisy)
			}
			if er := findMetric(v, "db", metric.ErrorRate); er.Spread != nil {
				t.Errorf("the error rate (pooled counts) got a spread: %+v", er.Spread)
			}
		})
	}
}

// A change that only the drift keeps from significance asks for no confirmation runs: more
// runs of this invocation cannot shrink the drift between invocations.
func TestSpreadAsksForNoConfirmation(t *testing.T) {
	base := newResult(scenario{"db", quiet()})
	head := newResult(scenario{"db", with(quiet(), metric.Throughput, scaled(spread(1000), 0.969))})
	first, _ := Stages(config.DefaultAlpha)
	if v := CompareStage(Input{Base: base, Head: head}, rulesWithDrift(3), first); len(NeedsConfirmation(v)) != 0 {
		t.Errorf("needs confirmation %q", NeedsConfirmation(v))
	}
	// A noisy sample the runs cannot yet judge, and a drift that would not hide its change
	// (1 %, 2.5 % for p99), still gets them.
	noisyBase := newResult(scenario{"db", with(quiet(), metric.P99, wide(50))})
	noisyHead := newResult(scenario{"db", with(quiet(), metric.P99, scaled(wide(50), 1.3))})
	if v := CompareStage(Input{Base: noisyBase, Head: noisyHead}, rulesWithDrift(1), first); !slices.Equal(NeedsConfirmation(v), []string{"db"}) {
		t.Errorf("needs confirmation %q, want db", NeedsConfirmation(v))
	}
}

// The false alarms of a stored baseline on a machine whose level moves between
// invocations (3 % here, as measured on shared 2-core VMs): with the drift accounted for,
// unchanged code raises a warn or fail in at most 1 % of invocations; trusting the
// baseline as if measured alongside (gate.drift 0) raises many — the test can fail.
func TestSpreadKeepsFalseAlarmsUnderDrift(t *testing.T) {
	const trials, drift, noise = 400, 0.03, 0.02
	rng := rand.New(rand.NewPCG(7, 11))
	sitting := func() *result.Result {
		level := math.Exp(rng.NormFloat64() * drift)
		return newResult(scenario{"db", stack(rng, 12, 1000*level, 50/level, 0, noise)})
	}
	alarms := map[string]int{}
	for range trials {
		base, head := sitting(), sitting()
		var history []HistoryPoint
		for range 4 { // earlier recordings of the same code, each in its own sitting
			h := sitting()
			history = append(history, HistoryPoint{DefinitionHash: testDefinitionHash, Medians: map[string]map[string]float64{"db": {
				metric.Throughput: Summarize(h.Scenarios[0].Samples(metric.Throughput)).Median,
				metric.P99:        Summarize(h.Scenarios[0].Samples(metric.P99)).Median}}})
		}
		for name, in := range map[string]Input{
			"assumed": {Base: base, Head: head},
			"history": {Base: base, Head: head, History: history},
			"ignored": {Base: base, Head: head},
		} {
			drift := 3.0
			if name == "ignored" {
				drift = 0
			}
			if v := Compare(in, rulesWithDrift(drift)); v.Level == Warn || v.Level == Fail {
				alarms[name]++
			}
		}
	}
	for _, name := range []string{"assumed", "history"} {
		if rate := float64(alarms[name]) / trials; rate > 0.01 {
			t.Errorf("%s drift: false alarms in %.1f %% of unchanged invocations, want ≤ 1 %%", name, 100*rate)
		}
	}
	if rate := float64(alarms["ignored"]) / trials; rate < 0.2 {
		t.Errorf("drift ignored: false alarms in %.1f %%; the simulation no longer shows the drift", 100*rate)
	}
}

// Counts do not move with the machine's speed: two more queries in twenty (+10 %, which a
// 3 % drift would hide) fail against a stored baseline however much the machine drifts.
func TestSpreadLeavesCountsAlone(t *testing.T) {
	base := newResult(scenario{"db", with(quiet(), metric.QueriesPerRequest, repeat(20, 10))})
	head := newResult(scenario{"db", with(quiet(), metric.QueriesPerRequest, repeat(22, 10))})
	rules := rulesWithDrift(3)
	rule := rules.Metrics[metric.QueriesPerRequest]
	rule.Gated = true
	rules.Metrics[metric.QueriesPerRequest] = rule
	mv := findMetric(Compare(Input{Base: base, Head: head}, rules), "db", metric.QueriesPerRequest)
	if mv.Level != Fail || mv.Spread != nil {
		t.Errorf("queries per request %s %q, spread %+v: want fail, no spread", mv.Level, mv.Reason, mv.Spread)
	}
}

// The warning users read when the assumed drift hides the fail tolerance, word for word.
func TestSpreadWarningText(t *testing.T) {
	two := func() *result.Result { return newResult(scenario{"json", quiet()}, scenario{"db", quiet()}) }
	v := Compare(Input{Base: two(), Head: two()}, rulesWithDrift(3))
	const want = "the stored baseline moves too much between invocations on this runner (gate.drift, assumed until the baseline has 3 recordings) " +
		"to tell a change of the fail tolerance from drift: json, db throughput ±3.0 % (only beyond 11.5 %, fail tolerance 5 %); json, db p99 ±7.2 % (only beyond 35.0 %, fail tolerance 10 %); " +
		"compare in A/B mode (run -against REV; the Action's default on pull requests), which measures both revisions side by side"
	if !slices.Contains(v.Warnings, want) {
		t.Errorf("warnings %q\nwant %q", v.Warnings, want)
	}
}
