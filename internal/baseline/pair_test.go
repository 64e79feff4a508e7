package baseline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// tmpfs mounts a small file system of its own (the tests run as root in CI).
func tmpfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mounting a tmpfs (stackgate's CI runs as root): %v", err)
		}
		t.Skipf("cannot mount a tmpfs here (needs root): %v", err)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// fillTo leaves exactly pages free pages on the file system of dir.
func fillTo(t *testing.T, dir string, pages int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	fill := (int64(st.Bavail) - pages) * st.Bsize
	if fill < 0 {
		t.Fatalf("only %d pages free, want %d", st.Bavail, pages)
	}
	if err := os.WriteFile(filepath.Join(dir, "fill"), make([]byte, fill), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A disk that fills up during a baseline update leaves the old baseline as it was, and no
// new sidecar beside it: both new files are written before either replaces its old
// version. (Before, the new sidecar went in first and the baseline then failed, leaving a
// sidecar that belongs to no baseline — here, where the old sidecar had been deleted, so
// that replacing it frees no room.)
func TestUpdateOnAFullDiskLeavesTheOldPair(t *testing.T) {
	dir := tmpfs(t)
	path := filepath.Join(dir, "runner", "demo.json")
	if _, _, err := Update(path, sample(100, 101, 102), time.Now()); err != nil {
		t.Fatal(err)
	}
	oldBaseline, _ := os.ReadFile(path)
	os.Remove(rawPath(path))

	newer := sample(200, 201, 202, 203, 204, 205)
	raw, _ := json.MarshalIndent(newer, "", "  ")
	fillTo(t, dir, int64(len(raw)+1+4095)/4096) // room for the new sidecar, not the baseline besides
	if _, _, err := Update(path, newer, time.Now().Add(time.Hour)); err == nil {
		t.Fatal("an update on a full disk succeeded")
	}
	if now, _ := os.ReadFile(path); string(now) != string(oldBaseline) {
		t.Error("the baseline changed")
	}
	if _, err := os.Stat(rawPath(path)); !os.IsNotExist(err) {
		t.Errorf("a new sidecar was left beside the old baseline (%v)", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("files left beside the baseline: %v", entries)
	}
	// With room again, the update writes the pair.
	os.Remove(filepath.Join(dir, "fill"))
	if _, _, err := Update(path, newer, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.RawResult(path); err != nil {
		t.Errorf("the new pair does not belong together: %v", err)
	}
}
