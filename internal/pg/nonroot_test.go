package pg_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackgate/stackgate/internal/pg/pgtest"
	"github.com/stackgate/stackgate/internal/stack"
)

// nonRootEnv marks the copy of this test binary that runs as an unprivileged user.
const nonRootEnv = "PGTEST_NON_ROOT"

// TestNonRootPath runs TestNonRootServer as user nobody: the path a normal runner takes,
// where the cluster runs as the invoking user and no directory changes hands.
func TestNonRootPath(t *testing.T) {
	if os.Getenv(nonRootEnv) != "" {
		t.Skip("already the unprivileged copy")
	}
	if os.Geteuid() != 0 {
		t.Skip("already not root: the other tests cover this path")
	}
	findBinaries(t)
	dir := openTempDir(t)
	exe := copySelf(t, dir)
	logPath := filepath.Join(t.TempDir(), "nonroot.log")
	err := stack.Run(t.Context(), stack.Process{
		Name:    "pg tests as nobody",
		Argv:    []string{exe, "-test.run=^TestNonRootServer$", "-test.v", "-test.count=1"},
		Env:     append(os.Environ(), nonRootEnv+"=1"),
		Dir:     dir,
		User:    "nobody",
		LogPath: logPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(logPath)
	if !strings.Contains(string(out), "--- PASS: TestNonRootServer") {
		t.Fatalf("TestNonRootServer did not pass as nobody:\n%s", out)
	}
}

func TestNonRootServer(t *testing.T) {
	if os.Getenv(nonRootEnv) == "" {
		t.Skip("run by TestNonRootPath as an unprivileged user")
	}
	if os.Geteuid() == 0 {
		t.Fatal("running as root")
	}
	srv := pgtest.Start(t, "app")
	if got := processUID(t, srv.PID()); got != os.Geteuid() {
		t.Errorf("postgres runs as uid %d, want ours (%d)", got, os.Geteuid())
	}
	if err := srv.Exec(t.Context(), "app", "CREATE TABLE t (id int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Snapshot(t.Context(), "app"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reset(t.Context(), "app"); err != nil {
		t.Fatal(err)
	}
}

// copySelf copies the running test binary into dir so another user can execute it (the
// build directory is private to root).
func copySelf(t *testing.T, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "pg.test")
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}
