package gate

import (
	"path/filepath"
	"testing"

	"github.com/stackgate/stackgate/internal/config"
	"github.com/stackgate/stackgate/internal/result"
)

func TestStages(t *testing.T) {
	one, none := stages(0.01, false)
	if one.Alpha != 0.01 || one.Bonferroni || none != nil {
		t.Errorf("without confirmation: %+v %+v", one, none)
	}
	first, second := stages(0.01, true)
	if first.Alpha != 0.005 || first.Bonferroni || second == nil || second.Alpha != 0.005 || !second.Bonferroni {
		t.Errorf("with confirmation: %+v %+v", first, second)
	}
	if first.Alpha+second.Alpha != 0.01 {
		t.Error("the stages spend more than alpha")
	}
}

func TestAppendRuns(t *testing.T) {
	r := &result.Result{Complete: true, Scenarios: []result.Scenario{
		{Name: "a", Runs: []result.Run{{Run: 1, Seq: 1}, {Run: 2, Seq: 3}}},
		{Name: "b", Runs: []result.Run{{Run: 1, Seq: 2}, {Run: 2, Seq: 4}}},
	}}
	extra := &result.Result{Complete: false, Error: "interrupted", Warnings: []result.Warning{{Message: "w"}},
		Scenarios: []result.Scenario{
			{Name: "a", Runs: []result.Run{{Run: 3, Seq: 2}}},
			{Name: "b", Runs: []result.Run{{Run: 3, Seq: 1}, {Run: 4, Seq: 3}}},
		}}
	appendRuns(r, extra)
	b := r.Scenario("b")
	if len(b.Runs) != 4 || b.Runs[2].Run != 3 || b.Runs[2].Seq != 5 || b.Runs[3].Seq != 7 {
		t.Errorf("runs of b: %+v", b.Runs)
	}
	if a := r.Scenario("a"); len(a.Runs) != 3 || a.Runs[2].Seq != 6 {
		t.Errorf("runs of a: %+v", a.Runs)
	}
	if r.Complete || r.Error != "interrupted" || len(r.Warnings) != 1 {
		t.Errorf("an interrupted confirmation must leave the result incomplete: %+v", r)
	}
}

func TestBaselinePath(t *testing.T) {
	suite := &config.Suite{Suite: "shop", Dir: "/repo", Profile: config.ProfileFull}
	opt := Options{Suite: suite, Runner: "lab-1"}
	if got := opt.BaselinePath(); got != filepath.Join("/repo", "baselines", "lab-1", "shop.json") {
		t.Errorf("default: %s", got)
	}
	opt.Baselines = "/elsewhere"
	if got := opt.BaselinePath(); got != filepath.Join("/elsewhere", "lab-1", "shop.json") {
		t.Errorf("-baselines: %s", got)
	}
}
