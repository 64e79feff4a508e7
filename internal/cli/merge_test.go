package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/result"
)

// `stackgate merge` combines shard results into one that `compare` judges; results that
// are not one whole measurement could not be measured (exit 3), and the refusal names the
// files and what is missing.
func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	full := testResult("shop", "abc", 1)
	write := func(name string, r *result.Result) string {
		path := filepath.Join(dir, name)
		if err := result.Write(path, r); err != nil {
			t.Fatal(err)
		}
		return path
	}
	json, db := *full, *full
	json.Scenarios, db.Scenarios = full.Scenarios[:1], full.Scenarios[1:]
	json.Shard, db.Shard = "1/2", "2/2"
	one, two := write("result-1.json", &json), write("result-2.json", &db)
	other := db
	other.DefinitionHash = "sha256:other"
	three := write("result-3.json", &other)
	merged := filepath.Join(dir, "merged.json")
	base := write("base.json", full)

	cases := []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"merge", "-o", merged, one, two}, ExitOK, "merged 2 results (2 scenarios)", ""},
		{[]string{"merge", "-o", merged, one, one}, ExitNotMeasured, "", "shard 1/2 given twice"},
		{[]string{"merge", "-o", merged, one}, ExitNotMeasured, "", "shard 2/2 of the matrix is missing"},
		{[]string{"merge", "-o", merged, one, three}, ExitNotMeasured, "", "other suite definition"},
		{[]string{"compare", "-out", t.TempDir(), base, one}, ExitNotMeasured, "", "result-1.json is shard 1/2 of a matrix, only one part of a measurement"},
		{[]string{"merge", "-o", merged, one, filepath.Join(dir, "missing.json")}, ExitBadInput, "", "missing.json"},
		{[]string{"merge", one, two}, ExitBadInput, "", "merge takes -o"},
		{[]string{"merge", "-o", merged}, ExitBadInput, "", "merge takes -o"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, out, errOut := run(c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
		})
	}
	// The merged result is judged like an unsharded one.
	code, out, errOut := run("compare", "-out", t.TempDir(), base, merged)
	if code != ExitOK || !strings.Contains(out, "PASS") {
		t.Errorf("compare base merged: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// Bad -shard values are usage errors, found before anything is measured.
func TestRunShardFlag(t *testing.T) {
	e2e := filepath.Join("..", "..", "cmd", "stackgate", "testdata", "e2e.toml") // two scenarios
	for _, c := range []struct{ shard, says string }{
		{"0/2", "1 ≤ i ≤ n"},
		{"3/2", "1 ≤ i ≤ n"},
		{"1of2", "write it as i/n"},
		{"3/3", "the suite has only 2 scenarios, so shard 3 of 3 would measure nothing"},
	} {
		code, out, errOut := run("run", "-config", e2e, "-quick", "-out", t.TempDir(), "-shard", c.shard)
		if code != ExitBadInput || !strings.Contains(errOut, c.says) {
			t.Errorf("-shard %s: exit %d, want %d saying %q\nstdout:\n%s\nstderr:\n%s", c.shard, code, ExitBadInput, c.says, out, errOut)
		}
	}
}
