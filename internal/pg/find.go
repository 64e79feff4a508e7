package pg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotFound is wrapped by FindBinaries' error when no PostgreSQL server is installed.
var ErrNotFound = errors.New("postgresql server binaries not found")

// installHint says how to get the binaries; part of the ErrNotFound error.
const installHint = "install them: Debian/Ubuntu: apt-get install postgresql; " +
	"Fedora/RHEL: dnf install postgresql-server (macOS is not supported)"

// versionTimeout bounds `postgres --version` and `pg_config --bindir`.
const versionTimeout = 10 * time.Second

// Binaries is an installation of the PostgreSQL server programs.
type Binaries struct {
	Dir     string // directory holding initdb, postgres (and psql if present)
	Version int    // major version, from `postgres --version`
}

// FindBinaries looks in order: `initdb` on PATH (symlinks resolved; the directory must also
// hold `postgres`), `pg_config --bindir` (only if it holds initdb), then
// /usr/lib/postgresql/*/bin and /usr/pgsql-*/bin, highest version first. When none is found
// the error wraps ErrNotFound, names the places searched and says how to install them.
func FindBinaries() (Binaries, error) {
	return defaultFinder().find()
}

// finder holds what the search depends on, so tests can point it at fake trees.
type finder struct {
	lookPath func(file string) (string, error) // finds a program on PATH
	pgConfig func() (string, error)            // returns `pg_config --bindir`
	roots    []string                          // glob patterns of versioned bin directories
}

func defaultFinder() finder {
	return finder{
		lookPath: exec.LookPath,
		pgConfig: pgConfigBindir,
		roots:    []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"},
	}
}

func pgConfigBindir() (string, error) {
	path, err := exec.LookPath("pg_config")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--bindir").Output()
	if err != nil {
		return "", fmt.Errorf("running %s --bindir: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (f finder) find() (Binaries, error) {
	var problems []string // why candidates were passed over, for the error
	for _, dir := range f.candidates() {
		if !hasServer(dir) {
			continue
		}
		version, err := serverVersion(dir)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		return Binaries{Dir: dir, Version: version}, nil
	}
	searched := append([]string{"initdb on PATH", "pg_config --bindir"}, f.roots...)
	msg := fmt.Sprintf("%v (searched %s)", ErrNotFound, strings.Join(searched, ", "))
	if len(problems) > 0 {
		msg += "; " + strings.Join(problems, "; ")
	}
	return Binaries{}, fmt.Errorf("%s: %w", msg, errorWithHint{ErrNotFound})
}

// errorWithHint makes the wrapped ErrNotFound print as the install hint, so the message
// reads "not found (searched ...): install them: ..." and errors.Is still works.
type errorWithHint struct{ err error }

func (e errorWithHint) Error() string { return installHint }
func (e errorWithHint) Unwrap() error { return e.err }

// candidates lists the directories to try, in order of preference.
func (f finder) candidates() []string {
	var dirs []string
	if path, err := f.lookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		dirs = append(dirs, filepath.Dir(path))
	}
	if dir, err := f.pgConfig(); err == nil && dir != "" {
		dirs = append(dirs, dir)
	}
	for _, pattern := range f.roots {
		dirs = append(dirs, byVersionDescending(glob(pattern))...)
	}
	return dirs
}

func glob(pattern string) []string {
	matches, _ := filepath.Glob(pattern) // the only error is a malformed pattern
	return matches
}

var pathVersion = regexp.MustCompile(`(\d+)(?:\.(\d+))?[^/\d]*(?:/bin)?$`)

// byVersionDescending orders versioned directories (".../15/bin", "/usr/pgsql-13/bin")
// numerically, highest first: 15 before 13 before 9.6.
func byVersionDescending(dirs []string) []string {
	sorted := slices.Clone(dirs)
	slices.SortStableFunc(sorted, func(a, b string) int {
		if c := compareVersions(dirVersion(b), dirVersion(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return sorted
}

func dirVersion(dir string) [2]int {
	m := pathVersion.FindStringSubmatch(dir)
	if m == nil {
		return [2]int{-1, -1}
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2]) // "" gives 0
	return [2]int{major, minor}
}

func compareVersions(a, b [2]int) int {
	if a[0] != b[0] {
		return a[0] - b[0]
	}
	return a[1] - b[1]
}

// hasServer reports whether dir holds both initdb and postgres as executables.
func hasServer(dir string) bool {
	return isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres"))
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0
}

var versionOutput = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// serverVersion runs `postgres --version` ("postgres (PostgreSQL) 15.18 (Debian ...)").
func serverVersion(dir string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	postgres := filepath.Join(dir, "postgres")
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("running %s --version: %w", postgres, err)
	}
	m := versionOutput.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s --version printed %q: no version found", postgres, strings.TrimSpace(string(out)))
	}
	return strconv.Atoi(string(m[1]))
}
