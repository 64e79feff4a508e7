package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/lock"
	"github.com/stackgate/stackgate/internal/result"
)

// failingBuild is the e2e suite with a build step that fails at once: an invocation that
// takes the lock, cleans up stale directories, creates its scratch directory and stops
// (exit 3) before starting anything else.
func failingBuild(t *testing.T) string {
	t.Helper()
	return rewriteSuite(t, `run = ["go", "build", "-o", "{workdir}/refstack", "./cmd/refstack"]`, `run = ["false"]`)
}

// runIn runs stackgate with TMPDIR set to tmp.
func runIn(t *testing.T, tmp string, args ...string) invocation {
	t.Helper()
	return stackgate(t, []string{"TMPDIR=" + tmp}, args...)
}

// The stale cleanup deletes only what is stackgate's own and abandoned: a user's directory
// that happens to start with "stackgate-" survives however old it is, and so does a
// directory kept with -keep, without a warning that claims it was left behind.
func TestFaultStaleCleanupDeletesOnlyItsOwn(t *testing.T) {
	tmp := isolatedTemp(t)
	userDir := filepath.Join(tmp, "stackgate-out-x")
	os.Mkdir(userDir, 0o755)
	os.WriteFile(filepath.Join(userDir, "report.html"), []byte("the user's"), 0o644)
	old := time.Now().Add(-20 * time.Minute)
	os.Chtimes(userDir, old, old)

	suite := failingBuild(t)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"run", "-config", suite, "-quick", "-runs", "1", "-baselines", t.TempDir(), "-out", out}
	first := runIn(t, tmp, append(args, "-keep")...)
	m := regexp.MustCompile(`scratch directory \(kept\): (\S+)`).FindStringSubmatch(first.stderr)
	if first.code != 3 || m == nil {
		t.Fatalf("-keep with a failing build: exit %d, want 3 and the kept directory named\n%s", first.code, first.stderr)
	}
	kept := m[1]
	os.Chtimes(kept, old, old)

	second := runIn(t, tmp, args...)
	if second.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", second.code, second.stderr)
	}
	if data, err := os.ReadFile(filepath.Join(userDir, "report.html")); err != nil || string(data) != "the user's" {
		t.Errorf("the user's directory %s was touched: %v", userDir, err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the directory kept with -keep was removed by the next invocation: %v", err)
	}
	r, err := result.Read(filepath.Join(out, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w.Message, "left behind") {
			t.Errorf("false warning: %s", w.Message)
		}
	}
	os.RemoveAll(kept)
}

// An invocation that cannot produce outputs of its own leaves none of an earlier one's
// behind, where a later step would read them as its own: here it never gets the lock.
func TestFaultNoStaleOutputs(t *testing.T) {
	out := t.TempDir()
	names := []string{"stackgate-verdict.json", "stackgate-result.json", "stackgate-report.html", "stackgate-base-result.json"}
	for _, name := range names {
		os.WriteFile(filepath.Join(out, name), []byte(`{"schema": "an earlier invocation's"}`), 0o644)
	}
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("the user's"), 0o644)
	held, err := lock.Acquire(context.Background(), os.Getenv(lock.PathEnv), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	inv := stackgate(t, nil, "run", "-config", filepath.Join("testdata", "e2e.toml"), "-quick", "-out", out, "-lock-timeout", "0")
	if inv.code != 3 || !strings.Contains(inv.stderr, "another stackgate invocation is measuring") {
		t.Fatalf("exit %d, want 3 (the lock is taken)\n%s", inv.code, inv.stderr)
	}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
			t.Errorf("the earlier %s is still in the output directory (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Errorf("a file of the user's was removed: %v", err)
	}
}
