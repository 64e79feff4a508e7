package pg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeInstall creates dir with an initdb and, when version > 0, a postgres that prints
// that version, as the real `postgres --version` does.
func fakeInstall(t *testing.T, dir string, version int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeScript(t, filepath.Join(dir, "initdb"), "exit 0")
	if version > 0 {
		writeScript(t, filepath.Join(dir, "postgres"),
			fmt.Sprintf(`echo "postgres (PostgreSQL) %d.2 (Debian %d.2-1)"`, version, version))
	}
	return dir
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// lookPathIn finds programs in the given directories only, like exec.LookPath with PATH=dirs.
func lookPathIn(dirs ...string) func(string) (string, error) {
	return func(file string) (string, error) {
		for _, dir := range dirs {
			if path := filepath.Join(dir, file); isExecutable(path) {
				return path, nil
			}
		}
		return "", errors.New("not found")
	}
}

func pgConfigSays(dir string) func() (string, error) {
	return func() (string, error) { return dir, nil }
}

func noPGConfig() (string, error) { return "", errors.New("pg_config: not found") }

func TestFindBinaries(t *testing.T) {
	tests := []struct {
		name string
		// setup builds the fake tree under root and returns the finder and the wanted dir.
		setup       func(t *testing.T, root string) (finder, string)
		wantVersion int
	}{
		{"initdb on PATH", func(t *testing.T, root string) (finder, string) {
			bin := fakeInstall(t, root+"/opt/pg16/bin", 16)
			fakeInstall(t, root+"/usr/lib/postgresql/15/bin", 15)
			return finder{lookPath: lookPathIn(root+"/usr/bin", bin), pgConfig: noPGConfig, roots: []string{root + "/usr/lib/postgresql/*/bin"}}, bin
		}, 16},
		{"symlink on PATH is resolved", func(t *testing.T, root string) (finder, string) {
			bin := fakeInstall(t, root+"/usr/lib/postgresql/15/bin", 15)
			link := root + "/usr/local/bin"
			if err := os.MkdirAll(link, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(bin+"/initdb", link+"/initdb"); err != nil {
				t.Fatal(err)
			}
			return finder{lookPath: lookPathIn(link), pgConfig: noPGConfig}, bin
		}, 15},
		{"initdb on PATH without postgres beside it falls through", func(t *testing.T, root string) (finder, string) {
			lonely := fakeInstall(t, root+"/usr/local/bin", 0)
			bin := fakeInstall(t, root+"/usr/lib/postgresql/14/bin", 14)
			return finder{lookPath: lookPathIn(lonely), pgConfig: noPGConfig, roots: []string{root + "/usr/lib/postgresql/*/bin"}}, bin
		}, 14},
		{"pg_config bindir holding the server", func(t *testing.T, root string) (finder, string) {
			bin := fakeInstall(t, root+"/opt/custom/bin", 17)
			fakeInstall(t, root+"/usr/lib/postgresql/15/bin", 15)
			return finder{lookPath: lookPathIn(), pgConfig: pgConfigSays(bin), roots: []string{root + "/usr/lib/postgresql/*/bin"}}, bin
		}, 17},
		{"pg_config says /usr/bin without initdb: falls through", func(t *testing.T, root string) (finder, string) {
			usrBin := root + "/usr/bin"
			if err := os.MkdirAll(usrBin, 0o755); err != nil {
				t.Fatal(err)
			}
			writeScript(t, usrBin+"/psql", "exit 0")
			bin := fakeInstall(t, root+"/usr/lib/postgresql/15/bin", 15)
			return finder{lookPath: lookPathIn(usrBin), pgConfig: pgConfigSays(usrBin), roots: []string{root + "/usr/lib/postgresql/*/bin"}}, bin
		}, 15},
		{"highest version first, compared as numbers", func(t *testing.T, root string) (finder, string) {
			fakeInstall(t, root+"/usr/lib/postgresql/9.6/bin", 9)
			fakeInstall(t, root+"/usr/lib/postgresql/13/bin", 13)
			bin := fakeInstall(t, root+"/usr/lib/postgresql/15/bin", 15)
			return finder{lookPath: lookPathIn(), pgConfig: noPGConfig, roots: []string{root + "/usr/lib/postgresql/*/bin"}}, bin
		}, 15},
		{"a newer directory without postgres is skipped", func(t *testing.T, root string) (finder, string) {
			fakeInstall(t, root+"/usr/lib/postgresql/16/bin", 0) // client-only leftovers
			bin := fakeInstall(t, root+"/usr/lib/postgresql/13/bin", 13)
			return finder{lookPath: lookPathIn(), pgConfig: noPGConfig, roots: []string{root + "/usr/lib/postgresql/*/bin"}}, bin
		}, 13},
		{"RHEL layout", func(t *testing.T, root string) (finder, string) {
			fakeInstall(t, root+"/usr/pgsql-13/bin", 13)
			bin := fakeInstall(t, root+"/usr/pgsql-16/bin", 16)
			return finder{lookPath: lookPathIn(), pgConfig: noPGConfig,
				roots: []string{root + "/usr/lib/postgresql/*/bin", root + "/usr/pgsql-*/bin"}}, bin
		}, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, wantDir := tt.setup(t, t.TempDir())
			got, err := f.find()
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			if got.Dir != wantDir || got.Version != tt.wantVersion {
				t.Errorf("found %+v, want {Dir:%s Version:%d}", got, wantDir, tt.wantVersion)
			}
		})
	}
}

func TestFindBinariesNothingInstalled(t *testing.T) {
	root := t.TempDir()
	f := finder{lookPath: lookPathIn(root), pgConfig: noPGConfig,
		roots: []string{root + "/usr/lib/postgresql/*/bin", root + "/usr/pgsql-*/bin"}}
	_, err := f.find()
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	for _, want := range []string{
		"initdb on PATH", "pg_config --bindir", root + "/usr/lib/postgresql/*/bin", root + "/usr/pgsql-*/bin",
		"apt-get install postgresql", "dnf install postgresql-server", "macOS is not supported",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestFindBinariesBrokenPostgres(t *testing.T) {
	root := t.TempDir()
	bin := fakeInstall(t, root+"/usr/lib/postgresql/15/bin", 0)
	writeScript(t, bin+"/postgres", "echo 'something else'")
	f := finder{lookPath: lookPathIn(), pgConfig: noPGConfig, roots: []string{root + "/usr/lib/postgresql/*/bin"}}
	_, err := f.find()
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no version found") {
		t.Fatalf("err = %v, want ErrNotFound saying why the candidate was passed over", err)
	}
}

func TestFindBinariesOnThisMachine(t *testing.T) {
	b, err := FindBinaries()
	if errors.Is(err, ErrNotFound) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !hasServer(b.Dir) || b.Version < MinVersion {
		t.Errorf("FindBinaries() = %+v", b)
	}
}
