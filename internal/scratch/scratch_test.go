package scratch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/procfs"
)

// parent is a directory other users may traverse (PostgreSQL runs as postgres under root).
func parent(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "scratchtest-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// deadOwner is the owner line of a process that has exited.
func deadOwner(t *testing.T, keep bool) string {
	t.Helper()
	cmd := exec.Command("sleep", "0.1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	st, err := procfs.Default.Stat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	line := fmt.Sprintf("%d %d", cmd.Process.Pid, st.Start)
	if keep {
		line += " keep"
	}
	return line + "\n"
}

// dirWith makes a directory called name in p with an owner file of the given content
// ("" for none), last changed an hour ago.
func dirWith(t *testing.T, p, name, ownerLine string) string {
	t.Helper()
	dir := filepath.Join(p, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if ownerLine != "" {
		os.WriteFile(filepath.Join(dir, ownerFile), []byte(ownerLine), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "data"), []byte("precious"), 0o644)
	hourAgo := time.Now().Add(-time.Hour)
	os.Chtimes(dir, hourAgo, hourAgo)
	return dir
}

// Only stackgate's own directories whose owner is provably gone are removed: a user's
// directory that merely starts with "stackgate-" is never touched, however old, and
// neither is a directory the user asked to keep.
func TestCleanStaleRemovesOnlyWhatIsOurs(t *testing.T) {
	p := parent(t)
	mine, err := New(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(mine); info.Mode().Perm() != 0o711 || !strings.HasPrefix(filepath.Base(mine), "stackgate-scratch-") {
		t.Errorf("scratch directory %s, mode %v; want stackgate-scratch-*, 0711", mine, info.Mode().Perm())
	}
	kept, _ := New(p, true)
	os.WriteFile(filepath.Join(kept, ownerFile), []byte(deadOwner(t, true)), 0o644)
	dead := dirWith(t, p, "stackgate-scratch-dead", deadOwner(t, false))
	reused := dirWith(t, p, "stackgate-scratch-reused", fmt.Sprintf("%d 1\n", os.Getpid())) // our pid, another start
	pgFallback := dirWith(t, p, "stackgate-pg-123", deadOwner(t, false))
	sock := dirWith(t, p, "sgpg-123", deadOwner(t, false))
	cases := map[string]bool{
		mine: false, kept: false, dead: true, reused: true, pgFallback: true, sock: true,
		// The user's, not stackgate's: no owner file, a foreign name, a damaged owner file.
		dirWith(t, p, "stackgate-out-x", ""):                     false,
		dirWith(t, p, "stackgate-pg-young", ""):                  false,
		dirWith(t, p, "stackgate-12345", deadOwner(t, false)):    false,
		dirWith(t, p, "not-ours", deadOwner(t, false)):           false,
		dirWith(t, p, "stackgate-scratch-damaged", "12 x\n"):     false,
		dirWith(t, p, "stackgate-scratch-empty", "\n"):           false,
		dirWith(t, p, "stackgate-scratch-other", "1 1 remove\n"): false,
	}
	// A symbolic link with our name pointing at the user's directory is not followed.
	target := dirWith(t, t.TempDir(), "target", deadOwner(t, false))
	link := filepath.Join(p, "stackgate-scratch-link")
	os.Symlink(target, link)
	cases[link] = false

	removed, err := cleanStale(procfs.Default, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	gone := map[string]bool{}
	for _, s := range removed {
		gone[s.Dir] = true
		if !strings.HasPrefix(s.Owner, "pid ") {
			t.Errorf("%s: owner %q", s.Dir, s.Owner)
		}
	}
	for dir, want := range cases {
		_, statErr := os.Lstat(dir)
		if gone[dir] != want || os.IsNotExist(statErr) != want {
			t.Errorf("%s: removed=%v exists=%v, want removed=%v", filepath.Base(dir), gone[dir], statErr == nil, want)
		}
	}
	if _, err := os.Stat(filepath.Join(target, "data")); err != nil {
		t.Errorf("the link's target lost its data: %v", err)
	}
}

// An owner file written by another user is no proof that the directory is ours.
func TestCleanStaleIgnoresAnotherUsersOwnerFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to write a file as another user")
	}
	p := parent(t)
	dir := dirWith(t, p, "stackgate-scratch-foreign", deadOwner(t, false))
	if err := os.Chown(filepath.Join(dir, ownerFile), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if removed, err := cleanStale(procfs.Default, []string{p}); err != nil || len(removed) != 0 {
		t.Fatalf("removed %v (%v)", removed, err)
	}
}

func TestParseOwner(t *testing.T) {
	for line, want := range map[string]bool{
		"123 456\n": true, "123 456 keep\n": true,
		"": false, "123\n": false, "123 456 keep x\n": false, "123 456 kept\n": false,
		"-1 456\n": false, "123 0\n": false, "x 456\n": false, "123 4.5\n": false,
	} {
		if _, ok := parseOwner([]byte(line)); ok != want {
			t.Errorf("%q: ok=%v, want %v", line, ok, want)
		}
	}
	if o, _ := parseOwner([]byte(self(true))); o.pid != os.Getpid() || !o.keep || !procfs.Default.Running(o.pid, o.start) {
		t.Errorf("this process's own line %q reads as %+v", self(true), o)
	}
}

func TestTempDirs(t *testing.T) {
	if got := tempDirs("/tmp/"); len(got) != 1 || got[0] != "/tmp" {
		t.Errorf("tempDirs(/tmp/) = %v", got)
	}
	if got := tempDirs("/var/tmp/x"); len(got) != 2 || got[1] != "/tmp" {
		t.Errorf("tempDirs(/var/tmp/x) = %v: /tmp holds PostgreSQL's fallback directories", got)
	}
}
