package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/result"
)

// compare says what kind of file it got when it cannot use one: another kind of stackgate
// file, or a version older or newer than this stackgate reads (exit 2, the file named).
func TestCompareNamesTheKindOfFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		return path
	}
	head := filepath.Join(dir, "head.json")
	if err := result.Write(head, testResult("shop", "abc", 1)); err != nil {
		t.Fatal(err)
	}
	verdict := write("verdict.json", `{"schema": "stackgate.verdict/v1", "level": "pass"}`)
	oldBaseline := write("old.json", `{"schema": "stackgate.baseline/v0", "suite": "shop"}`)
	newResult := write("new.json", `{"schema": "stackgate.result/v7"}`)
	for _, c := range []struct {
		base, head, says string
	}{
		{verdict, head, verdict + ": unsupported schema: this is a stackgate verdict file (stackgate.verdict/v1), not a result or a baseline file"},
		{oldBaseline, head, oldBaseline + ": unsupported schema: stackgate.baseline/v0 is older than this stackgate supports"},
		{newResult, head, newResult + ": unsupported schema: stackgate.result/v7 was written by a newer stackgate"},
		{head, verdict, verdict + ": unsupported schema: this is a stackgate verdict file (stackgate.verdict/v1), not a stackgate.result file"},
	} {
		code, out, errOut := run("compare", "-out", t.TempDir(), c.base, c.head)
		if code != ExitBadInput || !strings.Contains(errOut, c.says) {
			t.Errorf("compare %s %s: exit %d, want %d saying %q\nstdout:\n%s\nstderr:\n%s",
				filepath.Base(c.base), filepath.Base(c.head), code, ExitBadInput, c.says, out, errOut)
		}
	}
}
