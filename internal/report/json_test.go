package report

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/stackgate/stackgate/internal/compare"
)

func TestVerdictJSON(t *testing.T) {
	v := failingVerdict()
	got, err := VerdictJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "verdict_fail.golden", got)
	if v.Schema != "" {
		t.Error("VerdictJSON modified its argument")
	}
	again, err := VerdictJSON(failingVerdict())
	if err != nil || !bytes.Equal(got, again) {
		t.Errorf("two encodings of the same verdict differ (err %v)", err)
	}
}

// A change from a zero median is infinite; the verdict file still encodes and decodes.
func TestVerdictJSONInfiniteChange(t *testing.T) {
	v := failingVerdict()
	v.Scenarios[0].Metrics[0].Change = math.Inf(1)
	v.Scenarios[0].Metrics[0].Drift = &compare.Drift{Change: math.Inf(-1)}
	got, err := VerdictJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	var back compare.Verdict
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("output does not decode: %v\n%s", err, got)
	}
	m := back.Scenarios[0].Metrics[0]
	if !math.IsInf(m.Change, 1) || m.Drift == nil || !math.IsInf(m.Drift.Change, -1) {
		t.Errorf("infinite changes lost: %+v", m)
	}
}
