package pg_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stackgate/stackgate/internal/pg"
	"github.com/stackgate/stackgate/internal/pg/pgtest"
)

func TestServer(t *testing.T) {
	srv := pgtest.Start(t, "app")
	ctx := t.Context()

	t.Run("runs as the service user", func(t *testing.T) {
		want := os.Geteuid()
		if want == 0 {
			u, err := user.Lookup("postgres")
			if err != nil {
				t.Fatal(err)
			}
			want, _ = strconv.Atoi(u.Uid)
		}
		if got := processUID(t, srv.PID()); got != want {
			t.Errorf("postgres runs as uid %d, want %d", got, want)
		}
		if err := srv.Check(); err != nil {
			t.Errorf("Check on a running server: %v", err)
		}
	})

	t.Run("Exec runs several statements", func(t *testing.T) {
		err := srv.Exec(ctx, "app", "CREATE TABLE kv (k int PRIMARY KEY, v text); INSERT INTO kv VALUES (1, 'a'), (2, 'b');")
		if err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, srv, "app", "SELECT count(*) FROM kv"); n != 2 {
			t.Errorf("%d rows, want 2", n)
		}
		err = srv.Exec(ctx, "app", "SELECT * FROM missing_table")
		if err == nil || !strings.Contains(err.Error(), `"missing_table" does not exist`) {
			t.Errorf("Exec of a bad statement: %v", err)
		}
	})

	t.Run("RunSQLFile", func(t *testing.T) {
		good := writeFile(t, "schema.sql", "CREATE TABLE world (id int PRIMARY KEY, randomnumber int);\n"+
			"INSERT INTO world SELECT i, (i * 7919) % 10000 FROM generate_series(1, 1000) AS i;\n")
		if err := srv.RunSQLFile(ctx, "app", good); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, srv, "app", "SELECT count(*) FROM world"); n != 1000 {
			t.Errorf("%d rows loaded, want 1000", n)
		}
		bad := writeFile(t, "bad.sql", "SELECT 1;\n\nINSERT INTO nowhere VALUES (1);\nSELECT 2;\n")
		err := srv.RunSQLFile(ctx, "app", bad)
		if err == nil || !strings.Contains(err.Error(), "psql:"+bad+":3: ERROR:") || !strings.Contains(err.Error(), `"nowhere" does not exist`) {
			t.Errorf("RunSQLFile of a bad file: %v; want the file, line 3 and psql's message", err)
		}
		if err := srv.RunSQLFile(ctx, "app", filepath.Join(t.TempDir(), "missing.sql")); err == nil || !strings.Contains(err.Error(), "missing.sql") {
			t.Errorf("RunSQLFile of a missing file: %v", err)
		}
	})

	t.Run("Reset restores the snapshot", func(t *testing.T) {
		const checksum = "SELECT count(*) * 100000 + sum(randomnumber) FROM world"
		want := queryInt(t, srv, "app", checksum)
		if err := srv.Snapshot(ctx, "app"); err != nil {
			t.Fatal(err)
		}
		if err := srv.Exec(ctx, "app", "UPDATE world SET randomnumber = 0 WHERE id < 500; DELETE FROM world WHERE id > 900; DROP TABLE kv"); err != nil {
			t.Fatal(err)
		}
		// A session left open by a stack that was just stopped must not block the reset.
		held := connect(t, srv, "app")
		if err := srv.Reset(ctx, "app"); err != nil {
			t.Fatal(err)
		}
		if err := held.Ping(ctx); err == nil {
			t.Error("a session to the old database survived Reset")
		}
		if got := queryInt(t, srv, "app", checksum); got != want {
			t.Errorf("after Reset checksum %d, want %d", got, want)
		}
		if n := queryInt(t, srv, "app", "SELECT count(*) FROM kv"); n != 2 {
			t.Errorf("after Reset kv has %d rows, want 2", n)
		}
		// A second snapshot replaces the first.
		if err := srv.Exec(ctx, "app", "DELETE FROM world"); err != nil {
			t.Fatal(err)
		}
		if err := srv.Snapshot(ctx, "app"); err != nil {
			t.Fatalf("second Snapshot: %v", err)
		}
		if err := srv.Reset(ctx, "app"); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, srv, "app", "SELECT count(*) FROM world"); n != 0 {
			t.Errorf("after the second snapshot world has %d rows, want 0", n)
		}
	})

	t.Run("Reset without a snapshot", func(t *testing.T) {
		if err := srv.Exec(ctx, "postgres", "CREATE DATABASE other"); err != nil {
			t.Fatal(err)
		}
		err := srv.Reset(ctx, "other")
		if err == nil || !strings.Contains(err.Error(), `no template "other_template"`) {
			t.Errorf("Reset without Snapshot: %v", err)
		}
	})

	t.Run("Sessions counts held connections", func(t *testing.T) {
		sessions := func() int {
			n, err := srv.Sessions(ctx, "app")
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		a, b := connect(t, srv, "app"), connect(t, srv, "app")
		if n := sessions(); n != 2 {
			t.Errorf("Sessions = %d with two connections held, want 2", n)
		}
		a.Close(ctx)
		b.Close(ctx)
		eventually(t, "the closed sessions are gone", func() bool { return sessions() == 0 })
	})
}

func TestStopLeavesNothingBehind(t *testing.T) {
	bins := findBinaries(t)
	dir := t.TempDir()
	srv, err := pg.Start(t.Context(), pg.Options{Binaries: bins, Dir: dir, LogPath: dir + "/pg.log", Database: "app"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() }) // when the test fails early; Stop is idempotent
	dataDir := showSetting(t, srv, "data_directory")
	sockDir := showSetting(t, srv, "unix_socket_directories")
	pid := srv.PID()
	// PostgreSQL's children leave the postmaster's process group (setsid): follow the tree.
	held := connect(t, srv, "app")
	backends := processTree(pid)
	if len(backends) < 3 {
		t.Fatalf("postgres tree of %d is %v, want the postmaster, its helpers and a backend", pid, backends)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := held.Ping(t.Context()); err == nil {
		t.Error("a connection still works after Stop")
	}
	for _, p := range backends {
		if alive(p) {
			t.Errorf("postgres process %d still running after Stop", p)
		}
	}
	for _, d := range []string{dataDir, sockDir} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s not removed by Stop (%v)", d, err)
		}
	}
	if err := srv.Check(); err == nil {
		t.Error("Check after Stop reports a live server")
	}
	if _, err := os.Stat(dir + "/pg.log"); err != nil {
		t.Errorf("the server log must outlive Stop: %v", err)
	}
}

func TestDirectories(t *testing.T) {
	bins := findBinaries(t)
	long := openTempDir(t)
	for len(long) < 120 {
		long = filepath.Join(long, "a-rather-long-directory-name")
	}
	if err := os.MkdirAll(long, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		dir         string
		wantDataIn  bool // the cluster lives in dir/pgdata
		wantSockIn  bool // the socket lives in dir/sock
		onlyForRoot bool
	}{
		{name: "reachable directory is used", dir: openTempDir(t), wantDataIn: true, wantSockIn: true},
		{name: "unreachable directory falls back to /tmp", dir: t.TempDir(), onlyForRoot: true},
		{name: "long directory moves the socket to /tmp", dir: long, wantDataIn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.onlyForRoot && os.Geteuid() != 0 {
				t.Skip("as a normal user every directory we can write is reachable")
			}
			srv, err := pg.Start(t.Context(), pg.Options{Binaries: bins, Dir: tt.dir, LogPath: filepath.Join(t.TempDir(), "pg.log")})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			dataDir := showSetting(t, srv, "data_directory")
			sockDir := showSetting(t, srv, "unix_socket_directories")
			if got := dataDir == filepath.Join(tt.dir, "pgdata"); got != tt.wantDataIn {
				t.Errorf("data directory %s, want it in %s: %v", dataDir, tt.dir, tt.wantDataIn)
			}
			if got := sockDir == filepath.Join(tt.dir, "sock"); got != tt.wantSockIn {
				t.Errorf("socket directory %s, want it in %s: %v", sockDir, tt.dir, tt.wantSockIn)
			}
			if !tt.wantDataIn && !strings.HasPrefix(dataDir, "/tmp/") {
				t.Errorf("data directory %s did not fall back to /tmp", dataDir)
			}
			assertPrivateDir(t, dataDir, processUID(t, srv.PID()))
			// The socket works: connect through it.
			conn, err := pgx.Connect(t.Context(), fmt.Sprintf("host=%s port=%d user=stackgate dbname=postgres", sockDir, srv.Port()))
			if err != nil {
				t.Fatalf("connecting through the socket in %s: %v", sockDir, err)
			}
			conn.Close(t.Context())
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{dataDir, sockDir} {
				if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s not removed by Stop", d)
				}
			}
			if entries, _ := os.ReadDir(tt.dir); len(entries) != 0 && tt.dir != long {
				t.Errorf("Stop left %d entries in %s", len(entries), tt.dir)
			}
		})
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	bins := findBinaries(t)
	used := openTempDir(t)
	if err := os.Mkdir(filepath.Join(used, "pgdata"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opt     pg.Options
		wantErr string
	}{
		{"data directory exists", pg.Options{Binaries: bins, Dir: used, LogPath: "x"}, "pgdata: it already exists"},
		{"no binaries", pg.Options{Dir: t.TempDir(), LogPath: "x"}, "no PostgreSQL binaries"},
		{"too old", pg.Options{Binaries: pg.Binaries{Dir: bins.Dir, Version: 12}, Dir: t.TempDir(), LogPath: "x"}, "too old"},
		{"missing dir", pg.Options{Binaries: bins, Dir: "/nonexistent/scratch", LogPath: "x"}, `"/nonexistent/scratch" is not a directory`},
		{"managed setting", pg.Options{Binaries: bins, Dir: t.TempDir(), LogPath: "x", Settings: map[string]string{"port": "5432"}}, "managed by stackgate"},
		{"root user", pg.Options{Binaries: bins, Dir: t.TempDir(), LogPath: "x", User: "root"}, ""},
		{"bad setting value reported by postgres", pg.Options{Binaries: bins, Dir: t.TempDir(), LogPath: filepath.Join(t.TempDir(), "pg.log"),
			Settings: map[string]string{"shared_buffers": "lots"}}, `process "postgres": exited with status 1 before accepting connections`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opt.User == "root" {
				if os.Geteuid() == 0 {
					tt.wantErr = "refuses to run as root"
				} else {
					tt.wantErr = "needs root"
				}
			}
			srv, err := pg.Start(t.Context(), tt.opt)
			if err == nil {
				srv.Stop()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			want := 0
			if tt.opt.Dir == used {
				want = 1 // the pgdata that was there before, untouched
			}
			if entries, _ := os.ReadDir(tt.opt.Dir); len(entries) != want {
				t.Errorf("a failed Start left %d entries in %s, want %d", len(entries), tt.opt.Dir, want)
			}
		})
	}
}

func findBinaries(t *testing.T) pg.Binaries {
	t.Helper()
	bins, err := pg.FindBinaries()
	if errors.Is(err, pg.ErrNotFound) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return bins
}

// openTempDir is a temporary directory any user can reach (t.TempDir's parent is private).
func openTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgtest-open-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func assertPrivateDir(t *testing.T, dir string, uid int) {
	t.Helper()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 || int(info.Sys().(*syscall.Stat_t).Uid) != uid {
		t.Errorf("%s has mode %v and owner %d, want 0700 and %d", dir, info.Mode().Perm(), info.Sys().(*syscall.Stat_t).Uid, uid)
	}
}

func connect(t *testing.T, srv *pg.Server, database string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), srv.URL(database))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, srv *pg.Server, database, sql string) int64 {
	t.Helper()
	var n int64
	if err := connect(t, srv, database).QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func showSetting(t *testing.T, srv *pg.Server, name string) string {
	t.Helper()
	var v string
	if err := connect(t, srv, "postgres").QueryRow(t.Context(), "SELECT current_setting($1)", name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// processUID reads the real uid of pid from /proc.
func processUID(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			uid, _ := strconv.Atoi(strings.Fields(rest)[0])
			return uid
		}
	}
	t.Fatalf("no Uid in /proc/%d/status", pid)
	return -1
}

// processTree lists pid and its live descendants.
func processTree(pid int) []int {
	parents := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || !alive(p) {
			continue
		}
		if fields := statFields(p); len(fields) > 1 {
			parents[p], _ = strconv.Atoi(fields[1])
		}
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		for child, parent := range parents {
			if parent == tree[i] {
				tree = append(tree, child)
			}
		}
	}
	return tree
}

// statFields are the fields of /proc/<pid>/stat after the command name (state, ppid, ...).
func statFields(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// alive reports whether pid runs (a zombie waiting for a late-reaping init does not count).
func alive(pid int) bool {
	fields := statFields(pid)
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
