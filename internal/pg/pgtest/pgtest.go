// Package pgtest starts a managed PostgreSQL server for the tests of any package.
package pgtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/stack"
)

// StartTimeout bounds initdb plus server start in tests.
const StartTimeout = 2 * time.Minute

// testSettings trade durability for speed: test clusters are thrown away.
var testSettings = map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

// Start starts a server in a temporary directory with database created empty, and stops it
// when the test ends. Without PostgreSQL binaries the test is skipped with the install
// hint, except when CI=true: in CI a test that needs PostgreSQL must fail, not skip.
func Start(t testing.TB, database string) *pg.Server {
	t.Helper()
	bins, err := pg.FindBinaries()
	if err != nil {
		missingBinaries(t, err, os.Getenv("CI") == "true")
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "postgres.log")
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	srv, err := pg.Start(ctx, pg.Options{Binaries: bins, Dir: dir, LogPath: logPath, Settings: testSettings, Database: database, Env: os.Environ()})
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stopping PostgreSQL: %v", err)
		}
		if t.Failed() {
			t.Logf("end of the PostgreSQL log %s:\n%s", logPath, strings.Join(stack.LogTail(logPath, 30), "\n"))
		}
	})
	return srv
}

// missingBinaries skips the test, or fails it in CI or when the search itself broke.
func missingBinaries(t testing.TB, err error, ci bool) {
	t.Helper()
	if errors.Is(err, pg.ErrNotFound) && !ci {
		t.Skip(err)
	}
	t.Fatal(err)
}
