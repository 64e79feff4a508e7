package result

import (
	"bytes"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// The export must be readable by benchfmt (what benchstat uses), one result per valid run.
func TestWriteBenchfmtIsReadable(t *testing.T) {
	r := sample()
	r.Git.Revision = "abc123"
	var b bytes.Buffer
	units := map[string]string{"throughput": "req/s", "p99": "ms"}
	if err := WriteBenchfmt(&b, r, []string{"throughput", "p99"}, units); err != nil {
		t.Fatal(err)
	}
	rd := benchfmt.NewReader(&b, "export.txt")
	var got []*benchfmt.Result
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			got = append(got, rec.Clone())
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v", rec)
		}
	}
	if len(got) != 2 { // run 2 is invalid and left out
		t.Fatalf("%d results, want 2:\n%s", len(got), b.String())
	}
	if v, ok := got[1].Value("req/s"); !ok || v != 120 {
		t.Errorf("throughput of run 3 = %v", v)
	}
	if v, ok := got[0].Value("p99-ms"); !ok || v != 2 {
		t.Errorf("p99 of run 1 = %v", v)
	}
	if got[0].GetConfig("commit") != "abc123" || got[0].GetConfig("suite") != "demo" || string(got[0].Name) != "Stack/scenario=json" {
		t.Errorf("config or name: %s %v", got[0].Name, got[0].Config)
	}
}
