package stack

import (
	"os"
	"os/user"
	"regexp"
	"strings"
	"testing"
)

func TestRunAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	// The log lives in a root-only directory: the child writes through the file we opened.
	logDir := t.TempDir()
	if err := os.Chmod(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := Process{
		Name:    "unprivileged",
		Argv:    []string{"/bin/sh", "-c", "id -u; exec sleep 60"},
		Dir:     "/",
		User:    "nobody",
		LogPath: logDir + "/unprivileged.log",
		Ready:   Ready{LogLine: regexp.MustCompile(`^` + nobody.Uid + `$`)},
	}
	s := startStack(t, p)
	uids := strings.Fields(procStatus(t, s.PIDs()["unprivileged"], "Uid"))
	for _, uid := range uids {
		if uid != nobody.Uid {
			t.Errorf("Uid line %q, want all ids %s", uids, nobody.Uid)
			break
		}
	}
	gids := strings.Fields(procStatus(t, s.PIDs()["unprivileged"], "Gid"))
	if gids[0] != nobody.Gid {
		t.Errorf("Gid line %q, want %s", gids, nobody.Gid)
	}
	if got := procStatus(t, s.PIDs()["unprivileged"], "Groups"); strings.Contains(" "+got+" ", " 0 ") {
		t.Errorf("supplementary groups %q still include root's group", got)
	}
}

func TestCurrentUserNeedsNoSwitch(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	cred, err := credentialFor(me.Username)
	if err != nil || cred != nil {
		t.Fatalf("credentialFor(current user) = %v, %v; want nil, nil", cred, err)
	}
}

func TestSwitchingUserNeedsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start the test as an unprivileged user")
	}
	// Run a copy of the test binary as nobody (the build directory is private to root).
	dir, err := os.MkdirTemp("", "stacktest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	exe := copyExecutable(t, dir)
	logPath := t.TempDir() + "/helper.log"
	err = Run(t.Context(), Process{
		Name:    "unprivileged",
		Argv:    []string{exe},
		Env:     append(os.Environ(), helperEnv+"=switch-to-root"),
		Dir:     dir,
		User:    "nobody",
		LogPath: logPath,
	})
	if err != nil {
		t.Fatalf("an unprivileged stackgate did not refuse to switch to root: %v", err)
	}
}

// copyExecutable copies the running test binary into dir, readable and executable by all.
func copyExecutable(t *testing.T, dir string) string {
	t.Helper()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := dir + "/stack.test"
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}
