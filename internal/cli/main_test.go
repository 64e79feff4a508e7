package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stackgate/stackgate/internal/lock"
)

// testLock is the machine-wide lock of this package's tests: their own, so that they never
// wait for (or hold up) a real measurement on the machine.
var testLock string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cli-test-stackgate-")
	if err != nil {
		panic(err)
	}
	testLock = filepath.Join(dir, "stackgate.lock")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testGetenv is an empty environment but for the tests' own lock.
func testGetenv(k string) string {
	if k == lock.PathEnv {
		return testLock
	}
	return ""
}
