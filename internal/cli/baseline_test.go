package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/result"
)

// baseline update -from promotes only a result of this suite and profile with runs to
// compare with; anything else is refused (exit 2, the file named) and nothing is written.
func TestBaselineUpdateFromRefusesForeignResults(t *testing.T) {
	e2e := filepath.Join("..", "..", "cmd", "stackgate", "testdata", "e2e.toml") // suite "e2e"
	dir := t.TempDir()
	write := func(name string, edit func(r *result.Result)) string {
		r := testResult("e2e", "abc", 1)
		edit(r)
		path := filepath.Join(dir, name)
		if err := result.Write(path, r); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, c := range []struct {
		name  string
		edit  func(r *result.Result)
		quick bool
		says  string
	}{
		{"another suite", func(r *result.Result) { r.Suite = "shop" }, false, `a result of suite "shop", not of "e2e"`},
		{"another profile", func(r *result.Result) {}, true, "a full result, not a quick one"},
		{"no runs", func(r *result.Result) {
			for i := range r.Scenarios {
				r.Scenarios[i].Runs = nil
			}
		}, false, `scenario "json" has no valid run`},
		{"no scenarios", func(r *result.Result) { r.Scenarios = nil }, false, "the result has no scenarios"},
	} {
		t.Run(c.name, func(t *testing.T) {
			from := write(c.name+".json", c.edit)
			baselines := t.TempDir()
			args := []string{"baseline", "update", "-config", e2e, "-from", from, "-baselines", baselines, "-runner", "ci"}
			if c.quick {
				args = append(args, "-quick")
			}
			code, out, errOut := run(args...)
			if code != ExitBadInput || !strings.Contains(errOut, from+": "+c.says) {
				t.Errorf("exit %d, want %d saying %q\nstdout:\n%s\nstderr:\n%s", code, ExitBadInput, c.says, out, errOut)
			}
			if entries, _ := os.ReadDir(filepath.Join(baselines, "ci")); len(entries) > 0 {
				t.Errorf("files written: %v", entries)
			}
		})
	}
	// The result of the suite's own profile is promoted.
	from := write("good.json", func(r *result.Result) {})
	code, out, errOut := run("baseline", "update", "-config", e2e, "-from", from, "-baselines", t.TempDir(), "-runner", "ci")
	if code != ExitOK || !strings.Contains(out, "first baseline") {
		t.Errorf("a result of this suite: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
