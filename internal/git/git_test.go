package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestDescribe(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if g, err := Describe(ctx, dir); err != nil || g.Revision != "" {
		t.Fatalf("outside a work tree: %+v, %v", g, err)
	}
	sh := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	sh("init", "-q")
	file := filepath.Join(dir, "a.txt")
	os.WriteFile(file, []byte("1"), 0o644)
	sh("add", "a.txt")
	sh("commit", "-qm", "one")
	g, err := Describe(ctx, dir)
	if err != nil || len(g.Revision) != 40 || g.Dirty {
		t.Fatalf("clean tree: %+v, %v", g, err)
	}
	os.WriteFile(file, []byte("2"), 0o644)
	if g, err = Describe(ctx, dir); err != nil || !g.Dirty {
		t.Fatalf("changed tree not dirty: %+v, %v", g, err)
	}
}
